#!/usr/bin/env python3
"""Verify a Trellis JSONL export: python3 tools/verify_export.py EXPORT.jsonl

Each line's hash must be SHA-256 of the previous hash's bytes and the line's body, each
prev_hash must be the line before's hash (the first line's is 64 zeros), and positions must
run 1, 2, 3, ... with no gap. Prints the head hash, or the first bad position and why.
"""
import hashlib
import json
import sys

GENESIS = "0" * 64


def verify(path):
    prev, expected = GENESIS, 1
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, start=1):
            try:
                line = json.loads(text)
                position, body = line["position"], line["body"]
                prev_hash, digest = line["prev_hash"], line["hash"]
            except (ValueError, KeyError, TypeError) as e:
                return f"line {number}: not an export line ({e})"
            where = f"position {position} (line {number})"
            if position != expected:
                return f"{where}: position {expected} was due"
            if prev_hash != prev:
                return f"{where}: prev_hash is not the hash of the event before"
            computed = hashlib.sha256(bytes.fromhex(prev_hash) + body.encode("utf-8"))
            if computed.hexdigest() != digest:
                return f"{where}: hash does not match prev_hash and body (altered)"
            prev, expected = digest, expected + 1
    if expected == 1:
        return "the export holds no events"
    print(f"OK: {expected - 1} events; head hash {prev}")
    return None


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[0])
    problem = verify(sys.argv[1])
    if problem:
        print(f"FAILED at {problem}")
        sys.exit(1)
