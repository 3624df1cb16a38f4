# bench/snapshot: a Python program with a slow start of its own: it imports what a small
# web service would, then says it is ready (the snapshot point of `osprey run
# --snapshot-at ready`) and prints the line the benchmark waits for. With the argument
# `stay` it then sleeps, as a service would wait for requests (bench/density).
import asyncio, collections, decimal, email.parser, http.client, http.server, json, logging
import re, sqlite3, ssl, sys, time, urllib.request, uuid, xml.etree.ElementTree, zipfile

with open("/dev/osprey-ready", "w") as ready:
    ready.write("ready\n")
print("python ready: %s" % uuid.uuid4(), flush=True)
if sys.argv[1:] == ["stay"]:
    time.sleep(3600)
