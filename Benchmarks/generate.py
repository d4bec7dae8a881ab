#!/usr/bin/env python3
"""Deterministic event-log generator for hindsight's benchmarks.

Writes JSON Lines events shaped like a production log: an id, an entity key, a type, an event
time (RFC 3339, mostly increasing, with a share arriving late), and a data object of about the
requested size. A share of events is delivered twice (same id), as at-least-once brokers do.

    python3 Benchmarks/generate.py --events 1000000 --keys 100000 --out /tmp/events-1m.jsonl

The same arguments always give the same bytes (seeded PRNG). About 1M events per 4 s: lines are
formatted by hand (every value is plain ASCII), not through json.dumps.
"""
import argparse
import bisect
import random
import sys
import time

TYPES = [("DEPOSIT", 30), ("WITHDRAW", 25), ("RENAMED", 5), ("TAGGED", 10), ("ADDRESS_CHANGED", 5), ("NOTE", 25)]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]


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
    rand = rng.random
    names = [t for t, _ in TYPES]
    cumulative = []
    total = 0
    for _, w in TYPES:
        total += w
        cumulative.append(total)
    titles = [w.title() for w in WORDS]
    filler_words = max(0, a.payload // 6)
    out = sys.stdout if a.out == "-" else open(a.out, "w", buffering=1 << 22)
    t = 1_763_715_600_000  # 2025-11-21T09:00:00Z in ms
    stamp_second = None
    stamp_prefix = ""
    lines = []
    for i in range(a.events):
        t += int(rand() * 41)
        when = t - (1000 + int(rand() * 59_001)) if rand() < a.out_of_order else t
        key = int(rand() * a.keys)
        typ = names[bisect.bisect_right(cumulative, rand() * total)]
        amount = 1 + int(rand() * 500)
        extra = ""
        if typ == "RENAMED":
            extra = ',"owner":{"name":"%s %s"}' % (titles[int(rand() * 10)], titles[int(rand() * 10)])
        elif typ == "TAGGED":
            extra = ',"tags":[%s]' % ",".join('"%s"' % WORDS[int(rand() * 10)] for _ in range(1 + int(rand() * 3)))
        elif typ == "ADDRESS_CHANGED":
            extra = ',"address":{"street":"%d %s Street","city":"%s"}' % (1 + int(rand() * 200), titles[int(rand() * 10)], titles[int(rand() * 10)])
        note = " ".join([WORDS[int(rand() * 10)] for _ in range(filler_words)])
        secs, ms = divmod(when, 1000)
        if secs != stamp_second:
            stamp_second = secs
            stamp_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
        line = '{"id":"evt-%09d","key":"acct-%d","type":"%s","time":"%s.%03dZ","data":{"amount":%d%s,"note":"%s"}}\n' % (
            i, key, typ, stamp_prefix, ms, amount, extra, note)
        lines.append(line)
        if rand() < a.duplicates:
            lines.append(line)
        if len(lines) >= 65536:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
