# A little of everything a Python service does at start: imports, classes, generators,
# exceptions, decimal and date arithmetic, JSON, hashing, regular expressions, files.
import collections, dataclasses, datetime, decimal, hashlib, json, re, sys, tempfile, os

@dataclasses.dataclass(order=True)
class Item:
    weight: int
    name: str

items = sorted(Item(len(w) * 7 % 5, w) for w in "osprey runs unmodified linux programs".split())
print([f"{i.name}:{i.weight}" for i in items])
print(collections.Counter("mississippi").most_common(2))
print(decimal.Decimal("1.10") + decimal.Decimal("2.205"))
print(datetime.date(2026, 12, 5) + datetime.timedelta(days=30))
print(json.dumps({"primes": [n for n in range(2, 40) if all(n % d for d in range(2, n))]}, sort_keys=True))
print(hashlib.sha256(b"osprey").hexdigest())
print(re.sub(r"(\w+)@(\w+)", r"\2 at \1", "user@example"))
try:
    {}["missing"]
except KeyError as error:
    print("KeyError", error)
with tempfile.NamedTemporaryFile("w+", dir="/tmp") as scratch:
    scratch.write("line\n" * 3)
    scratch.flush()
    print(os.path.getsize(scratch.name), sum(1 for _ in open(scratch.name)))
sys.exit(3)
