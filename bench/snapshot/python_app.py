# bench/snapshot: a Python program with a slow start of its own: it imports what a small
# web service would, then says it is ready (the snapshot point of `osprey run
# --snapshot-at ready`) and prints the line the benchmark waits for.
import asyncio, collections, decimal, email.parser, http.client, http.server, json, logging
import re, sqlite3, ssl, urllib.request, uuid, xml.etree.ElementTree, zipfile

with open("/dev/osprey-ready", "w") as ready:
    ready.write("ready\n")
print("python ready: %s" % uuid.uuid4(), flush=True)
