# bench/snapshot: a Python web service that starts as python_app.py does (the same
# imports), listens on port 8080, says it is ready (the snapshot point of `osprey run
# --snapshot-at ready`), answers one HTTP request and exits: the benchmark times a client
# to that answer, cold and restored (bench/snapshot/run-servers).
import asyncio, collections, decimal, email.parser, http.client, http.server, json, logging
import re, sqlite3, ssl, sys, time, urllib.request, uuid, xml.etree.ElementTree, zipfile


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"service": "ready", "id": str(uuid.uuid4())}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("", 8080), Handler)
with open("/dev/osprey-ready", "w") as ready:
    ready.write("ready\n")
print("python server listening on 8080", flush=True)
server.handle_request()
