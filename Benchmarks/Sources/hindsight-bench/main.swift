// In-process measurements for Benchmarks/run.sh: each subcommand opens a log, measures one thing and
// prints one JSON object on stdout. Build it in release mode (run.sh does).
//
//   hindsight-bench states    --log DIR [--samples 20] [--tree-samples N] [--seed 1]   all records' state at random offsets (as trees, then as text)
//   hindsight-bench record    --log DIR [--samples 100] [--seed 1]  one record's state at random offsets
//   hindsight-bench open      --log DIR [--width 120 --height 40]   time to the explorer's first frame, peak RSS
//   hindsight-bench keys      --log DIR [--keys 400] [--seed 1]     explorer keypress-to-frame (update + render)
//   hindsight-bench pick      --log DIR [--samples 5] [--seed 1]    offsets and keys for the peers' runs

import Foundation
import HindsightCore
import HindsightTUI

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Peak resident set size of this process, in KiB.
func peakRSS() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}

/// Resident memory now, from /proc/self/status: (anonymous, file-backed) in KiB.
func residentSplit() -> (anon: Int, file: Int) {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
    return (field("RssAnon:"), field("RssFile:"))
}

/// With HB_TRACE set, `open` prints peak and current RSS after each stage to stderr.
func trace(_ stage: String) {
    guard getenv("HB_TRACE") != nil else { return }
    let split = residentSplit()
    FileHandle.standardError.write("\(stage): peak \(peakRSS()) anon \(split.anon) file \(split.file)\n".data(using: .utf8) ?? Data())
}

/// A small deterministic generator (SplitMix64), so that every run picks the same samples.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Percentile (nearest rank) of milliseconds.
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(sorted.count - 1, max(0, rank))]
}

func emit(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("hindsight-bench: \(message)\n".utf8))
    exit(2)
}

/// `--name value` options.
struct Options {
    var values: [String: String] = [:]
    init(_ args: ArraySlice<String>) {
        var i = args.startIndex
        while i < args.endIndex {
            let a = args[i]
            if a.hasPrefix("--"), i + 1 < args.endIndex {
                values[String(a.dropFirst(2))] = args[i + 1]
                i += 2
            } else {
                i += 1
            }
        }
    }
    func string(_ name: String) -> String? { values[name] }
    func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap(Int.init) ?? fallback }
}

func openLog(_ options: Options) throws -> (LogReader, Rules) {
    guard let dir = options.string("log") else { fail("--log DIR is required") }
    let log = try LogReader(directory: dir)
    let rules = try log.meta.rules.map { try Rules(json: $0) } ?? Rules.mergeAll
    return (log, rules)
}

// MARK: Commands

/// All records' state at random offsets, each from a fresh replayer (nothing kept from earlier samples).
func states(_ options: Options) throws {
    let (log, rules) = try openLog(options)
    var rng = SplitMix(state: UInt64(options.int("seed", 1)))
    var times: [Double] = []
    var keys = 0
    for _ in 0..<options.int("tree-samples", options.int("samples", 20)) {
        let offset = Int64.random(in: 0..<log.count, using: &rng)
        let replayer = Replayer(log: log, rules: rules)
        let start = now()
        let map = try replayer.states(at: offset)
        times.append((now() - start) * 1000)
        keys = max(keys, map.count)
    }
    let endStart = now()
    let end = try Replayer(log: log, rules: rules).states(at: log.count - 1)
    let endMs = (now() - endStart) * 1000
    // The same offsets as JSON text: the whole compact document `state --format jsonl` prints
    // (`Replayer.writeStatesJSON`, pieces handed to a writer that only counts them); the default rule only.
    var textTimes: [Double] = []
    var textBytes = 0
    rng = SplitMix(state: UInt64(options.int("seed", 1)))
    for _ in 0..<options.int("samples", 20) {
        let offset = Int64.random(in: 0..<log.count, using: &rng)
        let replayer = Replayer(log: log, rules: rules)
        var bytes = 0
        let start = now()
        guard try replayer.writeStatesJSON(at: offset, { bytes += $0.count }) else { break }
        textTimes.append((now() - start) * 1000)
        textBytes = max(textBytes, bytes)
    }
    var result: [String: Any] = ["p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "max_ms": times.max() ?? 0,
                                 "samples": times.count, "keys": max(keys, end.count), "end_ms": endMs]
    if !textTimes.isEmpty {
        result["text_p50_ms"] = percentile(textTimes, 50)
        result["text_p99_ms"] = percentile(textTimes, 99)
        result["text_max_bytes"] = textBytes
        result["text_samples_ms"] = textTimes.map { ($0 * 10).rounded() / 10 }
    }
    emit(result)
}

/// One record's state at random offsets (the record of a random event at or before the offset), each
/// from a fresh replayer.
func record(_ options: Options) throws {
    let (log, rules) = try openLog(options)
    var rng = SplitMix(state: UInt64(options.int("seed", 1)))
    var times: [Double] = []
    var versions = 0
    for _ in 0..<options.int("samples", 100) {
        let offset = Int64.random(in: 0..<log.count, using: &rng)
        let key = try log.record(at: Int64.random(in: 0...offset, using: &rng)).key
        let replayer = Replayer(log: log, rules: rules)
        let start = now()
        _ = try replayer.state(of: key, at: offset)
        times.append((now() - start) * 1000)
        versions = max(versions, try replayer.versions(of: key).count)
    }
    emit(["p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "max_ms": times.max() ?? 0, "samples": times.count,
          "max_versions": versions, "samples_ms": times.map { ($0 * 100).rounded() / 100 }])
}

/// Time to the explorer's first frame (open the log, the explorer's data and state, render), and the
/// peak RSS of the process (run it as a fresh process).
func open(_ options: Options) throws {
    guard let dir = options.string("log") else { fail("--log DIR is required") }
    let size = Size(width: options.int("width", 120), height: options.int("height", 40))
    let start = now()
    let log = try LogReader(directory: dir)
    let rules = try log.meta.rules.map { try Rules(json: $0) } ?? Rules.mergeAll
    let data = ExplorerData(log: log, rules: rules, name: dir.split(separator: "/").last.map(String.init) ?? dir)
    trace("data")
    var state = ExplorerState(size: size)
    _ = Explorer.update(&state, .resize(size), data)
    trace("update")
    let frame = ExplorerView.render(state, data)
    trace("render")
    let ms = (now() - start) * 1000
    let text = frame.plainDescription()
    let split = residentSplit()
    emit(["first_frame_ms": ms, "peak_rss_kb": peakRSS(), "rss_anon_kb": split.anon, "rss_file_kb": split.file, "records": log.count,
          "frame_chars": text.count])
}

/// Keypress-to-frame: a scripted session of keys (moves, pages, jumps along the timeline, a record's
/// versions and back, end and start), each timed from the key to the rendered frame.
func keys(_ options: Options) throws {
    let (log, rules) = try openLog(options)
    let size = Size(width: options.int("width", 120), height: options.int("height", 40))
    let data = ExplorerData(log: log, rules: rules, name: "bench")
    var state = ExplorerState(size: size)
    _ = Explorer.update(&state, .resize(size), data)
    _ = ExplorerView.render(state, data)
    let script: [Key] = [.down, .down, .pageDown, .right, .right, .char("]"), .down, .enter, .down, .escape, .char("]"), .pageDown,
                         .left, .char("["), .up, .char("G"), .up, .pageUp, .char("g"), .char("]"), .char("]"), .right, .enter,
                         .escape, .down, .tab, .down, .down, .tab, .tab]
    var rng = SplitMix(state: UInt64(options.int("seed", 1)))
    var times: [Double] = []
    var perKey: [String: [Double]] = [:]
    let total = options.int("keys", 400)
    for i in 0..<total {
        let key = i < script.count ? script[i] : script[Int.random(in: 0..<script.count, using: &rng)]
        let start = now()
        _ = Explorer.update(&state, .key(key), data)
        _ = ExplorerView.render(state, data)
        let ms = (now() - start) * 1000
        times.append(ms)
        perKey["\(key)", default: []].append(ms)
    }
    var worst: [String: Double] = [:]
    for (k, v) in perKey { worst[k] = percentile(v, 99) }
    emit(["p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "max_ms": times.max() ?? 0, "keys": times.count,
          "p99_by_key_ms": worst])
}

/// Offsets and keys for the peers' runs (jq refolds to these), chosen like `states` and `record` do.
func pick(_ options: Options) throws {
    let (log, _) = try openLog(options)
    var rng = SplitMix(state: UInt64(options.int("seed", 1)))
    var samples: [[String: Any]] = []
    for _ in 0..<options.int("samples", 5) {
        let offset = Int64.random(in: 0..<log.count, using: &rng)
        let key = try log.record(at: Int64.random(in: 0...offset, using: &rng)).key
        // The id of the event at the offset: a peer that reads the input (with its duplicates) folds
        // up to the line that holds it.
        samples.append(["offset": offset, "key": key, "id": try log.record(at: offset).id])
    }
    // The key of the last event (for history and diff) and its number of versions.
    let last = try log.record(at: log.count - 1).key
    let rules = try log.meta.rules.map { try Rules(json: $0) } ?? Rules.mergeAll
    let versions = try Replayer(log: log, rules: rules).versions(of: last).count
    emit(["samples": samples, "busy_key": last, "busy_versions": versions, "records": log.count])
}

let args = CommandLine.arguments
guard args.count >= 2 else { fail("usage: hindsight-bench states|record|open|keys|pick --log DIR [options]") }
let options = Options(args.dropFirst(2))
do {
    switch args[1] {
    case "states": try states(options)
    case "record": try record(options)
    case "open": try open(options)
    case "keys": try keys(options)
    case "pick": try pick(options)
    default: fail("unknown command \(args[1])")
    }
} catch {
    fail("\(error)")
}
