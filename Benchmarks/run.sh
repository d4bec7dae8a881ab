#!/usr/bin/env bash
# hindsight's benchmark: builds release, generates the inputs, runs every row with hindsight and its
# peers (jq, lnav) on the same file, prints a table and writes it as JSON.
#
#   Benchmarks/run.sh                 100k and 1M events (about 4 minutes)
#   Benchmarks/run.sh --10m           also 10M events (about 10 more minutes, 2 GB of input)
#   Benchmarks/run.sh --sizes 100k    only these sizes (100k, 1m, 10m, or smoke = 10k events, seconds,
#                                     whose table is printed but not written to results/)
#
# Results: Benchmarks/results/SIZE.json (one file per size) and Benchmarks/results/table.md.
# Inputs and logs: Benchmarks/data/ (gitignored; generated once, then reused: same arguments, same bytes).
# Environment: HINDSIGHT_BENCH_10M=1 is --10m; HINDSIGHT_BENCH_NO_TMUX=1 skips the tmux row;
# HINDSIGHT_BENCH_SCRATCH=DIR builds in DIR instead of .build-release.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES="100k 1m"
[[ "${HINDSIGHT_BENCH_10M:-0}" == 1 ]] && SIZES="$SIZES 10m"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --10m) SIZES="$SIZES 10m"; shift ;;
        --sizes) SIZES="${2//,/ }"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

for tool in jq lnav tmux python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is needed (apt-get install -y jq lnav tmux time python3)" >&2; exit 2; }
done

DATA=$ROOT/Benchmarks/data
RESULTS=$ROOT/Benchmarks/results
WORK=$(mktemp -d /tmp/hindsight-bench.XXXXXX)
# A smoke run only checks the harness: its table is printed, not kept.
[[ "$SIZES" == smoke ]] && RESULTS=$WORK/results
mkdir -p "$DATA" "$RESULTS"
TMUX_NAME=hsbench$$
cleanup() {
    tmux -L "$TMUX_NAME" kill-server 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "== building (release)" >&2
# HINDSIGHT_BENCH_SCRATCH names the build folder (default .build-release; .build reuses a
# `swift build -c release --static-swift-stdlib`). The binaries are built as hindsight is shipped: with
# the Swift runtime and Foundation linked in, so a process does not spend ~8 ms loading and relocating
# 14 Swift shared libraries (this counts in the whole-process `state` row).
SCRATCH=${HINDSIGHT_BENCH_SCRATCH:-.build-release}
swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product hindsight >&2
swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product hindsight-bench >&2
BIN=$ROOT/$SCRATCH/release/hindsight
BENCH=$ROOT/$SCRATCH/release/hindsight-bench
# lnav reads its formats from -I DIR/formats/*/; keep its configuration away from the user's.
export HOME=$WORK/home
mkdir -p "$HOME"

# --- helpers -----------------------------------------------------------------------------------

ROWS=$WORK/rows.jsonl
# row SIZE ROW FIELD=VALUE ...: one result (numbers stay numbers).
row() {
    python3 - "$@" >>"$ROWS" <<'EOF'
import json, sys
size, name, *fields = sys.argv[1:]
out = {"size": size, "row": name}
for f in fields:
    k, v = f.split("=", 1)
    if k in ("commit", "date", "description"):  # text, even when it looks like a number (commit 49411e2)
        out[k] = v
        continue
    try:
        out[k] = float(v) if any(c in v for c in ".e") else int(v)
    except ValueError:
        out[k] = v
print(json.dumps(out))
EOF
}

# timed NAME CMD...: runs CMD (stdout to /dev/null unless redirected inside), sets SECS and RSS_KB.
timed() {
    local start end
    start=$EPOCHREALTIME
    /usr/bin/time -f "%M" -o "$WORK/rss" "$@"
    end=$EPOCHREALTIME
    SECS=$(python3 -c "print(f'{$end - $start:.4f}')")
    RSS_KB=$(tail -1 "$WORK/rss")
}

# best N CMD...: the fastest of N runs (SECS, RSS_KB of that run).
best() {
    local n=$1; shift
    local best_secs="" best_rss=""
    for _ in $(seq "$n"); do
        timed "$@"
        if [[ -z "$best_secs" ]] || python3 -c "import sys; sys.exit(0 if $SECS < $best_secs else 1)"; then
            best_secs=$SECS; best_rss=$RSS_KB
        fi
    done
    SECS=$best_secs; RSS_KB=$best_rss
}

json_get() { python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }

# --- per size ----------------------------------------------------------------------------------

run_size() {
    # repeat: runs of each row (the best is kept); import_repeat: of the import row (hindsight, jq
    # and lnav alike). At 10M the first import after the 1M rows is often the slowest of several (the
    # VM hands freed memory back to its host, and touching it again is slow), so it gets a second run.
    local size=$1 events keys repeat import_repeat
    case "$size" in
        smoke) events=10000; keys=1000; repeat=1; import_repeat=1 ;;
        100k) events=100000; keys=10000; repeat=3; import_repeat=3 ;;
        1m) events=1000000; keys=100000; repeat=2; import_repeat=3 ;;
        10m) events=10000000; keys=100000; repeat=1; import_repeat=2 ;;
        *) echo "run.sh: unknown size $size (smoke, 100k, 1m, 10m)" >&2; exit 2 ;;
    esac
    local input=$DATA/events-$size.jsonl log=$DATA/log-$size
    if [[ ! -s "$input" ]]; then
        echo "== generating $input ($events events, $keys keys)" >&2
        python3 "$ROOT/Benchmarks/generate.py" --events "$events" --keys "$keys" --payload 60 \
            --out-of-order 0.02 --duplicates 0.01 --seed 42 --out "$input.tmp"
        mv "$input.tmp" "$input"
    fi
    local lines bytes
    lines=$(wc -l <"$input")
    bytes=$(stat -c %s "$input")
    row "$size" input events="$events" keys="$keys" lines="$lines" bytes="$bytes" payload=60 out_of_order=0.02 duplicates=0.01 seed=42
    echo "== $size: $lines lines, $((bytes / 1000000)) MB ($(uptime | sed 's/.*load average: //'))" >&2

    # Import (a fresh log each run) vs jq -c . and lnav indexing the same file.
    echo "-- import" >&2
    local import_best="" import_rss=""
    for _ in $(seq "$import_repeat"); do
        rm -rf "$log"
        timed "$BIN" import "$input" --log "$log" --output json
        if [[ -z "$import_best" ]] || python3 -c "import sys; sys.exit(0 if $SECS < $import_best else 1)"; then
            import_best=$SECS; import_rss=$RSS_KB
        fi
    done >"$WORK/import.out"
    best "$import_repeat" sh -c "jq -c . '$input' >/dev/null"
    local jq_secs=$SECS jq_rss=$RSS_KB
    best "$import_repeat" sh -c "lnav -n -I '$ROOT/Benchmarks/lnav' -c ';SELECT count(*) AS n FROM hindsight_bench_log' '$input' >'$WORK/lnav.out'"
    local lnav_secs=$SECS lnav_rss=$RSS_KB
    local lnav_rows
    lnav_rows=$(grep -Eo '^ *[0-9]+ *$' "$WORK/lnav.out" | tr -d ' ' | tail -1)
    [[ "$lnav_rows" == "$lines" ]] || echo "run.sh: lnav indexed ${lnav_rows:-?} of $lines lines (format not applied?)" >&2
    local records
    records=$("$BIN" verify "$log" --format json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin).get('records', 0))" || echo 0)
    row "$size" import secs="$import_best" rss_kb="$import_rss" events_per_sec="$(python3 -c "print(round($lines / $import_best))")" \
        records="$records" jq_secs="$jq_secs" jq_rss_kb="$jq_rss" lnav_secs="$lnav_secs" lnav_rss_kb="$lnav_rss" lnav_rows="${lnav_rows:-0}"

    echo "-- verify" >&2
    best "$repeat" sh -c "'$BIN' verify '$log' >/dev/null"
    row "$size" verify secs="$SECS" rss_kb="$RSS_KB"

    # Samples shared by hindsight and the peers.
    "$BENCH" pick --log "$log" --samples 5 --seed 7 >"$WORK/pick.json"
    local busy_key busy_versions
    busy_key=$(json_get "$WORK/pick.json" "['busy_key']")
    busy_versions=$(json_get "$WORK/pick.json" "['busy_versions']")

    # The state of every record at the end: the CLI (a whole process) vs a jq fold.
    echo "-- state (all records, end)" >&2
    best "$repeat" sh -c "'$BIN' state '$log' >'$WORK/state-all.json' 2>/dev/null"
    local state_secs=$SECS state_rss=$RSS_KB
    local jq_fold_secs="" jq_reduce_secs=""
    if [[ "$size" != 10m ]]; then
        # jq 1.6's `reduce ... .[$k] = ...` copies the object on each update (quadratic: over a minute
        # for 100k events); grouping first is the fastest jq fold we found.
        best 1 sh -c "jq -n '[inputs] | group_by(.key) | map({key: .[0].key, value: (reduce .[] as \$e ({}; . * \$e.data))}) | from_entries' '$input' >'$WORK/jq-all.json'"
        jq_fold_secs=$SECS
        if [[ "$size" == 100k || "$size" == smoke ]]; then
            best 1 sh -c "jq -n 'reduce inputs as \$e ({}; .[\$e.key] = ((.[\$e.key] // {}) * \$e.data))' '$input' >/dev/null"
            jq_reduce_secs=$SECS
        fi
        # Both folds agree (jq's * is a deep merge; the generated data has no nulls, so it is RFC 7396).
        python3 - "$WORK/state-all.json" "$WORK/jq-all.json" <<'EOF' || echo "run.sh: hindsight's and jq's end states differ" >&2
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
EOF
    fi
    "$BENCH" states --log "$log" --samples 20 --seed 3 >"$WORK/states.json"
    row "$size" state_all_end secs="$state_secs" rss_kb="$state_rss" jq_group_fold_secs="${jq_fold_secs:-none}" \
        jq_reduce_secs="${jq_reduce_secs:-none}" in_process_ms="$(json_get "$WORK/states.json" "['end_ms']")"
    row "$size" state_all_random p50_ms="$(json_get "$WORK/states.json" "['p50_ms']")" p99_ms="$(json_get "$WORK/states.json" "['p99_ms']")" \
        text_p50_ms="$(json_get "$WORK/states.json" ".get('text_p50_ms', 'none')")" text_p99_ms="$(json_get "$WORK/states.json" ".get('text_p99_ms', 'none')")" \
        samples="$(json_get "$WORK/states.json" "['samples']")" keys="$(json_get "$WORK/states.json" "['keys']")"

    # One record at random offsets: in-process (100 offsets), whole processes and jq (a few).
    echo "-- state (one record, random offsets)" >&2
    "$BENCH" record --log "$log" --samples 100 --seed 5 >"$WORK/record.json"
    local proc_times="" jq_times="" n i offset key id line
    n=$(json_get "$WORK/pick.json" "['samples'].__len__()")
    for i in $(seq 0 $((n - 1))); do
        offset=$(json_get "$WORK/pick.json" "['samples'][$i]['offset']")
        key=$(json_get "$WORK/pick.json" "['samples'][$i]['key']")
        id=$(json_get "$WORK/pick.json" "['samples'][$i]['id']")
        timed sh -c "'$BIN' state '$log' --at $offset --key '$key' >/dev/null 2>&1"
        proc_times="$proc_times $SECS"
        if [[ $i -lt 3 && "$size" != 10m ]]; then
            line=$(grep -n -m1 -F "\"id\":\"$id\"" "$input" | cut -d: -f1)
            timed sh -c "jq -n --arg k '$key' 'reduce limit($line; inputs) as \$e (null; if \$e.key == \$k then (. // {}) * \$e.data else . end)' '$input' >/dev/null"
            jq_times="$jq_times $SECS"
        fi
    done
    row "$size" state_record_random p50_ms="$(json_get "$WORK/record.json" "['p50_ms']")" p99_ms="$(json_get "$WORK/record.json" "['p99_ms']")" \
        samples="$(json_get "$WORK/record.json" "['samples']")" \
        process_p50_ms="$(python3 -c "import statistics; print(round(statistics.median([$(echo $proc_times | tr ' ' ',')]) * 1000, 2))")" \
        process_max_ms="$(python3 -c "print(round(max([$(echo $proc_times | tr ' ' ',')]) * 1000, 2))")" \
        jq_p50_ms="$( [[ -n "$jq_times" ]] && python3 -c "import statistics; print(round(statistics.median([$(echo $jq_times | tr ' ' ',')]) * 1000, 1))" || echo none)"

    # Opening the log: the explorer's first frame and the peak RSS (a fresh process each time).
    echo "-- open" >&2
    local open_best="" open_rss="" first
    for _ in 1 2 3; do
        "$BENCH" open --log "$log" >"$WORK/open.json"
        first=$(json_get "$WORK/open.json" "['first_frame_ms']")
        if [[ -z "$open_best" ]] || python3 -c "import sys; sys.exit(0 if $first < $open_best else 1)"; then
            open_best=$first; open_rss=$(json_get "$WORK/open.json" "['peak_rss_kb']")
        fi
    done
    row "$size" open first_frame_ms="$open_best" peak_rss_kb="$open_rss" \
        rss_anon_kb="$(json_get "$WORK/open.json" "['rss_anon_kb']")" rss_file_kb="$(json_get "$WORK/open.json" "['rss_file_kb']")"

    # Keypress to frame: scripted keys against the in-memory terminal, then the real binary in tmux.
    echo "-- keys" >&2
    "$BENCH" keys --log "$log" --keys 400 --seed 9 >"$WORK/keys.json"
    row "$size" keys_in_memory p50_ms="$(json_get "$WORK/keys.json" "['p50_ms']")" p99_ms="$(json_get "$WORK/keys.json" "['p99_ms']")" \
        max_ms="$(json_get "$WORK/keys.json" "['max_ms']")" keys="$(json_get "$WORK/keys.json" "['keys']")"
    if [[ "${HINDSIGHT_BENCH_NO_TMUX:-0}" != 1 && "$size" != 10m ]]; then
        python3 "$ROOT/Benchmarks/tmux_keys.py" --bin "$BIN" --log "$log" --server "$TMUX_NAME" >"$WORK/tmux.json"
        row "$size" keys_tmux p50_ms="$(json_get "$WORK/tmux.json" "['p50_ms']")" p99_ms="$(json_get "$WORK/tmux.json" "['p99_ms']")" \
            keys="$(json_get "$WORK/tmux.json" "['keys']")" first_frame_ms="$(json_get "$WORK/tmux.json" "['first_frame_ms']")" \
            poll_ms="$(json_get "$WORK/tmux.json" "['poll_ms']")"
    fi

    # history, diff, export, find.
    echo "-- history, diff, export, find" >&2
    best "$repeat" sh -c "'$BIN' history '$log' --key '$busy_key' >/dev/null"
    local hist_secs=$SECS
    best "$repeat" sh -c "jq -c --arg k '$busy_key' 'select(.key == \$k)' '$input' >/dev/null"
    row "$size" history secs="$hist_secs" versions="$busy_versions" jq_select_secs="$SECS"
    best "$repeat" sh -c "'$BIN' diff '$log' --key '$busy_key' --from v1 --to v$busy_versions >/dev/null"
    row "$size" diff secs="$SECS"
    best "$repeat" sh -c "'$BIN' export '$log' --format jsonl --out '$WORK/export.jsonl' >/dev/null 2>&1"
    local export_secs=$SECS export_rss=$RSS_KB
    local exported
    exported=$(wc -l <"$WORK/export.jsonl")
    rm -f "$WORK/export.jsonl"
    row "$size" export secs="$export_secs" rss_kb="$export_rss" events="$exported" \
        events_per_sec="$(python3 -c "print(round($exported / $export_secs))")" jq_events_per_sec="$(python3 -c "print(round($lines / $jq_secs))")"
    # A watch expression that never turns true: find reads every event.
    best "$repeat" sh -c "'$BIN' find '$log' --when 'amount < 0' >/dev/null 2>&1 || true"
    local find_secs=$SECS
    best 1 sh -c "jq -c 'select(.data.amount < 0)' '$input' >/dev/null"
    row "$size" find secs="$find_secs" jq_select_secs="$SECS"
}

MACHINE="$(nproc) cores, $(python3 -c "print(round($(grep MemTotal /proc/meminfo | awk '{print $2}') / 1048576))") GiB, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(swift --version 2>&1 | head -1 | sed 's/ (.*//'); $(jq --version), lnav $(lnav -V | awk '{print $2}')"
: >"$ROWS"
for size in $SIZES; do
    LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
    run_size "$size"
    LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
    row "$size" machine description="$MACHINE" load_before="$LOAD_BEFORE" load_after="$LOAD_AFTER" \
        date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" commit="$(git rev-parse --short HEAD 2>/dev/null || echo none)"
done
python3 "$ROOT/Benchmarks/report.py" "$ROWS" "$RESULTS"
