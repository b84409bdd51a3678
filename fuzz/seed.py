#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into fuzz/corpus/<target>/.

Each target reads a flag byte (or three) before the document or payload, so the seeds are the
project's documents with those bytes in front: the shared corpus (when ../shared/corpus is
there), the snapshot cases and specs/ for `load` and `generate`; every message example of
specs/adobe-io-events.yaml and specs/streetlights-mqtt.yaml, on its channel's address, for
`route` (this part needs PyYAML; without it only the test fixtures seed `route`).
"""
import hashlib
import json
import os
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)


def put(target, data):
    folder = os.path.join(FUZZ, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def documents():
    places = [
        os.path.join(ROOT, "..", "shared", "corpus"),
        os.path.join(ROOT, "crates", "asyncapi-codegen", "tests", "snapshots"),
        os.path.join(ROOT, "specs"),
    ]
    for place in places:
        for folder, dirs, files in os.walk(place):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for f in sorted(files):
                if f.endswith((".yaml", ".yml", ".json")):
                    yield os.path.join(folder, f)


def seed_documents():
    n = 0
    for path in documents():
        with open(path, "rb") as f:
            text = f.read()
        json_bit = 1 if path.endswith(".json") else 0
        # load: bit 0 JSON name, bit 1 lenient; generate: bit 0 JSON name, bit 1 client,
        # bit 2 plain formats, bit 3 open enums.
        for flags in (json_bit, json_bit | 2):
            put("load", bytes([flags]) + text)
        for flags in (json_bit, json_bit | 2 | 8, json_bit | 4):
            put("generate", bytes([flags]) + text)
        n += 1
    return n


def seed_route():
    n = 0
    fixtures = os.path.join(ROOT, "crates", "adobe-io-events-tests", "tests", "fixtures")
    for f in sorted(os.listdir(fixtures)):
        if f.endswith(".json"):
            with open(os.path.join(fixtures, f), "rb") as fh:
                body = fh.read()
            # Mode 7: the address is the first line, a content type; header 1: an event code.
            put("route", bytes([7, 0, 1]) + b"lightroom/job-status\n" + body)
            put("route", bytes([5, 0, 0]) + body)
            n += 2
    try:
        import yaml
    except ImportError:
        print("PyYAML is missing: the spec examples do not seed `route`", file=sys.stderr)
        return n
    for spec, mode in (("adobe-io-events.yaml", 7), ("streetlights-mqtt.yaml", 15)):
        with open(os.path.join(ROOT, "specs", spec)) as fh:
            doc = yaml.safe_load(fh)
        messages = doc.get("components", {}).get("messages", {})
        for channel in (doc.get("channels") or {}).values():
            address = channel.get("address") or ""
            for m in (channel.get("messages") or {}).values():
                if "$ref" in m:
                    m = messages.get(m["$ref"].rsplit("/", 1)[-1], {})
                for ex in m.get("examples") or []:
                    if "payload" not in ex:
                        continue
                    body = json.dumps(ex["payload"]).encode()
                    put("route", bytes([mode, 0, 1]) + address.encode() + b"\n" + body)
                    n += 1
    return n


if __name__ == "__main__":
    print(f"{seed_documents()} documents, {seed_route()} route inputs")
