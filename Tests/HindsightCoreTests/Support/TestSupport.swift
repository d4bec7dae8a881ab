import Foundation
@testable import HindsightCore

/// A temporary directory removed when the test is done with it.
final class TempDir {
    let path: String

    init(_ label: String = "hs") {
        let base = NSTemporaryDirectory() + "hindsight-tests-\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }
}

/// A deterministic clock: each call returns the next second after a fixed start.
final class StepClock: @unchecked Sendable {
    private var next: Int64
    private let lock = NSLock()

    init(start: Int64 = 1_763_715_600_000_000) { next = start }

    func tick() -> Timestamp {
        lock.lock()
        defer { lock.unlock() }
        next += 1_000_000
        return Timestamp(microseconds: next)
    }

    var clock: @Sendable () -> Timestamp { { [self] in self.tick() } }
}

/// A small deterministic random generator (SplitMix64) for building test logs from a seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Drafts {
    /// `count` events over `keys` keys with out-of-order times and a mix of types, reproducible from `seed`.
    static func random(count: Int, keys: Int, seed: UInt64, payloadBytes: Int = 20) -> [EventDraft] {
        var rng = SplitMix(seed: seed)
        var out: [EventDraft] = []
        let types = ["DEPOSIT", "WITHDRAW", "RENAMED", "TAGGED", "CLOSED"]
        var time: Int64 = 1_763_715_600_000_000
        for i in 0..<count {
            time += Int64.random(in: 0...3_000_000, using: &rng)
            let jitter = Int64.random(in: -5_000_000...0, using: &rng)  // some events arrive late
            let key = "k\(Int.random(in: 0..<max(1, keys), using: &rng))"
            let type = types[Int.random(in: 0..<types.count, using: &rng)]
            let amount = Int.random(in: 1...100, using: &rng)
            let note = String(repeating: "x", count: Int.random(in: 0...payloadBytes, using: &rng))
            let payload = "{\"amount\":\(amount),\"name\":\"n\(amount % 7)\",\"note\":\"\(note)\",\"tags\":[\(amount % 3)]}"
            out.append(EventDraft(id: "e\(i)", key: key, type: type, eventTime: Timestamp(microseconds: time + jitter), payload: Array(payload.utf8)))
        }
        return out
    }
}

extension LogWriter {
    /// A writer with a deterministic clock.
    static func make(_ dir: String, segmentBytes: Int? = nil) throws -> LogWriter {
        try LogWriter(directory: dir, create: true, segmentBytes: segmentBytes, clock: StepClock().clock)
    }
}

let bankRules = """
{
  "fields": {"key": "account", "type": "type", "time": "timestamp", "id": "id", "data": "data"},
  "types": {
    "DEPOSIT":  [{"op": "increment", "path": "/balance", "from": "/amount"}],
    "WITHDRAW": [{"op": "increment", "path": "/balance", "from": "/amount", "negate": true}],
    "ITEM_ADDED": [{"op": "append", "path": "/items", "from": "/item"}],
    "SNAPSHOT": [{"op": "replace"}],
    "ERASED":   [{"op": "delete"}]
  },
  "default": [{"op": "merge"}]
}
"""
