// A node HTTP server as people write one: it serves the files under www/ and logs each
// request with the local date (ICU's time zone, read from glibc's tzname on the first one).
const http = require('http');
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, 'www');
http.createServer((request, response) => {
  console.log(`${new Date().toString()} ${request.method} ${request.url}`);
  fs.readFile(path.join(root, path.normalize(request.url)), (error, body) => {
    response.writeHead(error ? 404 : 200, { 'Content-Type': 'text/html' });
    response.end(error ? 'not found\n' : body);
  });
}).listen(8080, () => console.log('listening on 8080'));
