#!/usr/bin/env python3
"""Deterministic event-log generator for hindsight's benchmarks.

Writes JSON Lines events shaped like a production log: an id, an entity key, a type, an event
time (RFC 3339, mostly increasing, with a share arriving late), and a data object of about the
requested size. A share of events is delivered twice (same id), as at-least-once brokers do.

    python3 Benchmarks/generate.py --events 1000000 --keys 100000 --out /tmp/events-1m.jsonl

The same arguments always give the same bytes (seeded PRNG).
"""
import argparse
import json
import random
import sys

TYPES = [("DEPOSIT", 30), ("WITHDRAW", 25), ("RENAMED", 5), ("TAGGED", 10), ("ADDRESS_CHANGED", 5), ("NOTE", 25)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=100_000, help="events to write (before duplicates)")
    p.add_argument("--keys", type=int, default=10_000, help="distinct entity keys")
    p.add_argument("--payload", type=int, default=60, help="approximate bytes of filler text in each event's data")
    p.add_argument("--out-of-order", type=float, default=0.02, help="share of events whose time is earlier than the previous one")
    p.add_argument("--duplicates", type=float, default=0.01, help="share of events delivered twice")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default="-", help="output file (default stdout)")
    a = p.parse_args()

    rng = random.Random(a.seed)
    names = [t for t, _ in TYPES]
    weights = [w for _, w in TYPES]
    out = sys.stdout if a.out == "-" else open(a.out, "w", buffering=1 << 20)
    t = 1_763_715_600_000  # 2025-11-21T09:00:00Z in ms
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    for i in range(a.events):
        t += rng.randint(0, 40)
        when = t - rng.randint(1000, 60_000) if rng.random() < a.out_of_order else t
        key = f"acct-{rng.randrange(a.keys)}"
        typ = rng.choices(names, weights)[0]
        data = {"amount": rng.randint(1, 500)}
        if typ == "RENAMED":
            data["owner"] = {"name": rng.choice(words).title() + " " + rng.choice(words).title()}
        elif typ == "TAGGED":
            data["tags"] = [rng.choice(words) for _ in range(rng.randint(1, 3))]
        elif typ == "ADDRESS_CHANGED":
            data["address"] = {"street": f"{rng.randint(1, 200)} {rng.choice(words).title()} Street", "city": rng.choice(words).title()}
        filler = " ".join(rng.choice(words) for _ in range(max(0, a.payload // 6)))
        data["note"] = filler
        secs, ms = divmod(when, 1000)
        import time as _t
        stamp = _t.strftime("%Y-%m-%dT%H:%M:%S", _t.gmtime(secs)) + f".{ms:03d}Z"
        line = json.dumps({"id": f"evt-{i:09d}", "key": key, "type": typ, "time": stamp, "data": data}, separators=(",", ":"))
        out.write(line + "\n")
        if rng.random() < a.duplicates:
            out.write(line + "\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
