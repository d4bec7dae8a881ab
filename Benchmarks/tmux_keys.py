#!/usr/bin/env python3
"""Keypress-to-frame of the real explorer inside tmux (part of Benchmarks/run.sh).

Starts `hindsight open LOG` in a private tmux server (120x40), waits for the first frame and for the
screen to settle (the background chain check), then sends keys one at a time and times each from
`send-keys` until `capture-pane` shows a different screen. Prints one JSON object. The figures include
tmux's own round trip and the polling (one `capture-pane` costs `poll_ms`): an upper bound on what a
user sees.
"""
import argparse
import json
import statistics
import subprocess
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--server", default="hsbench")
    a = p.parse_args()
    tmux = ["tmux", "-L", a.server, "-f", "/dev/null"]

    def capture():
        return subprocess.run(tmux + ["capture-pane", "-p", "-t", "S"], capture_output=True, text=True).stdout

    def send(key):
        subprocess.run(tmux + ["send-keys", "-t", "S", key], check=True)

    subprocess.run(tmux + ["kill-server"], capture_output=True)
    start = time.monotonic()
    subprocess.run(tmux + ["new-session", "-d", "-s", "S", "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8",
                           f"{a.bin} open {a.log}; sleep 30"], check=True)
    first = None
    while time.monotonic() - start < 30:
        screen = capture()
        if "@0" in screen and "events" in screen:
            first = (time.monotonic() - start) * 1000
            break
    # Let the background hash-chain check finish (it updates the status line).
    last, stable_since = capture(), time.monotonic()
    while time.monotonic() - stable_since < 1.5 and time.monotonic() - start < 120:
        time.sleep(0.05)
        now = capture()
        if now != last:
            last, stable_since = now, time.monotonic()
    polls = []
    for _ in range(20):
        t = time.monotonic()
        capture()
        polls.append((time.monotonic() - t) * 1000)
    keys = ["j"] * 15 + ["]"] * 5 + ["k"] * 10 + ["G", "g"] + ["NPage"] * 4 + ["Up"] * 4 + ["Right"] * 4 + ["End", "Home"]
    times = []
    screen = capture()
    for key in keys:
        t = time.monotonic()
        send(key)
        while True:
            now = capture()
            if now != screen:
                break
            if time.monotonic() - t > 5:
                break
        times.append((time.monotonic() - t) * 1000)
        screen = now
    send("q")
    subprocess.run(tmux + ["kill-server"], capture_output=True)
    times.sort()
    p99 = times[min(len(times) - 1, max(0, int(0.99 * len(times) + 0.999) - 1))]
    print(json.dumps({"p50_ms": round(statistics.median(times), 2), "p99_ms": round(p99, 2), "max_ms": round(max(times), 2),
                      "keys": len(times), "first_frame_ms": round(first or -1, 1), "poll_ms": round(statistics.median(polls), 2)}))


if __name__ == "__main__":
    main()
