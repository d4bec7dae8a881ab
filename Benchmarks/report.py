#!/usr/bin/env python3
"""Turns Benchmarks/run.sh's raw rows into the table (printed, and written as Markdown and JSON).

    python3 Benchmarks/report.py ROWS.jsonl RESULTS_DIR

Writes RESULTS_DIR/SIZE.json (the raw rows of one size plus the table's rows) and RESULTS_DIR/table.md.
"""
import json
import os
import sys


def num(v):
    return isinstance(v, (int, float))


def fmt_s(v):
    if not num(v):
        return "–"
    return f"{v:.2f} s" if v >= 0.1 else f"{v * 1000:.0f} ms"


def fmt_ms(v):
    if not num(v):
        return "–"
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def mb(kb):
    return f"{kb / 1024:.0f} MB" if num(kb) else "–"


def ratio(peer, ours):
    if not num(peer) or not num(ours) or ours <= 0:
        return None
    return peer / ours


def fmt_ratio(r):
    return "–" if r is None else f"{r:.1f}x"


def check(ok):
    return "–" if ok is None else ("met" if ok else "MISSED")


def table_rows(size, rows):
    r = {row["row"]: row for row in rows}
    out = []

    def add(name, ours, peers, ratios, target, ok, note=""):
        out.append({"row": name, "hindsight": ours, "peers": peers, "ratios": ratios, "target": target,
                    "status": check(ok), "note": note})

    if "import" in r:
        i = r["import"]
        rj, rl = ratio(i.get("jq_secs"), i["secs"]), ratio(i.get("lnav_secs"), i["secs"])
        add("import JSONL → log",
            f"{fmt_s(i['secs'])} ({i['events_per_sec'] / 1000:.0f}k ev/s, {mb(i['rss_kb'])})",
            f"jq -c . {fmt_s(i.get('jq_secs'))}; lnav {fmt_s(i.get('lnav_secs'))} ({mb(i.get('lnav_rss_kb'))})",
            f"{fmt_ratio(rj)} vs jq; {fmt_ratio(rl)} vs lnav", "≥3x jq, >1x lnav",
            None if rj is None or rl is None else (rj >= 3 and rl > 1))
    if "verify" in r:
        add("verify (framing, CRCs, hash chain)", fmt_s(r["verify"]["secs"]), "–", "–", "–", None)
    if "state_all_end" in r:
        s = r["state_all_end"]
        peers = f"jq group_by fold {fmt_s(s.get('jq_group_fold_secs'))}"
        if num(s.get("jq_reduce_secs")):
            peers += f"; jq reduce {fmt_s(s.get('jq_reduce_secs'))}"
        add("state of all records at the end (process)", f"{fmt_s(s['secs'])} (in-process {fmt_ms(s['in_process_ms'])})", peers,
            fmt_ratio(ratio(s.get("jq_group_fold_secs"), s["secs"])), "–", None)
    if "state_all_random" in r:
        s = r["state_all_random"]
        big = size in ("1m", "10m")  # 100k keys
        text = num(s.get("text_p99_ms"))
        best = s["text_p99_ms"] if text else s["p99_ms"]
        add(f"state of all records at a random offset (in-process, {s['keys']:,} keys)",
            (f"as JSON text: p50 {fmt_ms(s['text_p50_ms'])}, p99 {fmt_ms(s['text_p99_ms'])}; " if text else "")
            + f"as trees: p50 {fmt_ms(s['p50_ms'])}, p99 {fmt_ms(s['p99_ms'])}", "–", "–",
            "p99 < 100 ms (100k keys)", (best < 100) if big else None)
    if "state_record_random" in r:
        s = r["state_record_random"]
        rj = ratio(s.get("jq_p50_ms"), s["process_p50_ms"])
        add("state of one record at a random offset",
            f"in-process p50 {fmt_ms(s['p50_ms'])}, p99 {fmt_ms(s['p99_ms'])}; process p50 {fmt_ms(s['process_p50_ms'])}, max {fmt_ms(s['process_max_ms'])}",
            f"jq refold p50 {fmt_ms(s.get('jq_p50_ms'))}", f"{fmt_ratio(rj)} (process vs jq)",
            "p99 < 5 ms in-process; < 50 ms process", s["p99_ms"] < 5 and s["process_max_ms"] < 50)
    if "open" in r:
        o = r["open"]
        is10m = size == "10m"
        add("open an existing log: first frame, peak RSS",
            f"{fmt_ms(o['first_frame_ms'])}, {mb(o['peak_rss_kb'])} (at the end: {mb(o.get('rss_anon_kb'))} anonymous, {mb(o.get('rss_file_kb'))} mapped files and libraries)",
            "–", "–",
            "< 200 ms, < 200 MB (10M)", (o["first_frame_ms"] < 200 and o["peak_rss_kb"] < 200 * 1024) if is10m else None)
    if "keys_in_memory" in r:
        k = r["keys_in_memory"]
        add(f"keypress → frame, in-memory terminal ({k['keys']} keys)", f"p50 {fmt_ms(k['p50_ms'])}, p99 {fmt_ms(k['p99_ms'])}", "–", "–",
            "p99 < 16 ms (1M)", (k["p99_ms"] < 16) if size in ("1m", "10m") else None)
    if "keys_tmux" in r:
        k = r["keys_tmux"]
        add(f"keypress → frame, real binary in tmux ({k['keys']} keys)", f"p50 {fmt_ms(k['p50_ms'])}, p99 {fmt_ms(k['p99_ms'])}", "–", "–",
            "p99 < 16 ms (1M)", (k["p99_ms"] < 16) if size in ("1m", "10m") else None,
            f"includes tmux and polling ({k['poll_ms']} ms per capture); first frame {fmt_ms(k['first_frame_ms'])}")
    if "history" in r:
        h = r["history"]
        add(f"history of one key ({h['versions']} versions)", fmt_s(h["secs"]), f"jq select {fmt_s(h.get('jq_select_secs'))}",
            fmt_ratio(ratio(h.get("jq_select_secs"), h["secs"])), "–", None)
    if "diff" in r:
        add("diff of one key, first vs last version", fmt_s(r["diff"]["secs"]), "–", "–", "–", None)
    if "export" in r:
        e = r["export"]
        add("export audit JSONL", f"{fmt_s(e['secs'])} ({e['events_per_sec'] / 1000:.0f}k ev/s)",
            f"jq -c . {e['jq_events_per_sec'] / 1000:.0f}k ev/s", fmt_ratio(ratio(e["events_per_sec"], e["jq_events_per_sec"])),
            "≥ 300k events/s", e["events_per_sec"] >= 300_000)
    if "find" in r:
        f = r["find"]
        add("find --when (never true: reads every event)", fmt_s(f["secs"]), f"jq select {fmt_s(f.get('jq_select_secs'))}",
            fmt_ratio(ratio(f.get("jq_select_secs"), f["secs"])), "< 2 s (1M)", (f["secs"] < 2) if size == "1m" else None)
    return out


def markdown(size, rows, table):
    r = {row["row"]: row for row in rows}
    lines = []
    i, m = r.get("input", {}), r.get("machine", {})
    lines.append(f"### {size}: {i.get('events', 0):,} events ({i.get('lines', 0):,} lines with duplicates), "
                 f"{i.get('keys', 0):,} keys, {i.get('bytes', 0) / 1e6:.0f} MB")
    lines.append("")
    lines.append(f"{m.get('date', '')}, commit {m.get('commit', '')}; load average before {m.get('load_before', '?')}, after {m.get('load_after', '?')}")
    lines.append("")
    lines.append("| Row | hindsight | Peers | Ratio | Target | |")
    lines.append("|---|---|---|---|---|---|")
    for t in table:
        note = f" ({t['note']})" if t["note"] else ""
        lines.append(f"| {t['row']} | {t['hindsight']}{note} | {t['peers']} | {t['ratios']} | {t['target']} | {t['status']} |")
    lines.append("")
    return "\n".join(lines)


def main():
    rows_path, out_dir = sys.argv[1], sys.argv[2]
    rows = [json.loads(line) for line in open(rows_path) if line.strip()]
    sizes = []
    for row in rows:
        if row["size"] not in sizes:
            sizes.append(row["size"])
    machine = ""
    for size in sizes:
        mine = [row for row in rows if row["size"] == size]
        table = table_rows(size, mine)
        machine = next((row["description"] for row in mine if row["row"] == "machine"), machine)
        with open(os.path.join(out_dir, f"{size}.json"), "w") as f:
            json.dump({"size": size, "rows": mine, "table": table}, f, indent=2)
            f.write("\n")
    print(f"Machine: {machine}\n\n" + "\n".join(markdown(size, *kept(out_dir, size)) for size in sizes))
    # table.md holds every size on record: this run's, and earlier runs' of the other sizes (each
    # with its own date, commit and machine line).
    parts = []
    for size in ["100k", "1m", "10m"] + [s for s in sizes if s not in ("100k", "1m", "10m")]:
        if os.path.exists(os.path.join(out_dir, f"{size}.json")):
            rows_of_size, table = kept(out_dir, size)
            described = next((row["description"] for row in rows_of_size if row["row"] == "machine"), "")
            note = "" if size in sizes else f"From an earlier run (not re-run with the sizes above); machine: {described}\n\n"
            parts.append(note + markdown(size, rows_of_size, table))
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write(f"Machine: {machine}\n\n" + "\n".join(parts))


def kept(out_dir, size):
    """The rows and table of one size as written to RESULTS_DIR/SIZE.json."""
    with open(os.path.join(out_dir, f"{size}.json")) as f:
        data = json.load(f)
    return data["rows"], data["table"]


if __name__ == "__main__":
    main()
