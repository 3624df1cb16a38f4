const crypto = require('crypto');
const fs = require('fs');
class Counter extends Map {
  add(key) { this.set(key, (this.get(key) || 0) + 1); return this; }
}
const counts = [...'mississippi'].reduce((c, ch) => c.add(ch), new Counter());
console.log(JSON.stringify([...counts].sort()));
console.log(crypto.createHash('sha256').update('osprey').digest('hex'));
fs.writeFileSync('/tmp/node.txt', 'a\nb\nc\n');
console.log(fs.readFileSync('/tmp/node.txt', 'utf8').split('\n').length);
(async () => {
  const value = await new Promise((resolve) => setTimeout(() => resolve(42), 10));
  console.log('timer and promise', value);
  try { JSON.parse('{'); } catch (error) { console.log(error.name); }
})();
