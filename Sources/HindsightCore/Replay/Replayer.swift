import Collections

/// The state of every record at one position: key -> state (a persistent map, cheap to keep many of).
public typealias StateMap = TreeDictionary<String, JSON>

/// One version of a record: the event that made it and the state before and after.
public struct RecordVersion: Sendable {
    /// 1-based version number of the record.
    public var number: Int
    public var record: Record
    /// The state before this event (nil: the record did not exist).
    public var before: JSON?
    /// The state after this event (nil: the record was deleted).
    public var after: JSON?

    public var offset: Int64 { record.offset }
}

/// Replays a log under rules: state of one record or of all records at any offset.
///
/// "State at offset N" is the fold of records 0...N; offset -1 is "before the first event".
/// Whole-log state uses checkpoints every `checkpointInterval` records (persistent maps that share
/// structure), so any offset costs a lookup plus at most that many applications once the checkpoints
/// up to it exist. One record's state folds only that record's events (found through the key index),
/// with a checkpoint every `keyCheckpointInterval` versions.
///
/// Not thread-safe: use one replayer per thread.
public final class Replayer {
    public let log: LogReader
    public let rules: Rules
    public let checkpointInterval: Int
    public let keyCheckpointInterval: Int

    /// checkpoints[j] is the state of all records after offsets 0 ..< j * checkpointInterval.
    private var checkpoints: [StateMap] = [StateMap()]
    private var versionCache: [String: [Int64]] = [:]
    private var versionCacheOrder: Deque<String> = []
    /// keyCheckpoints[key][j] is the key's state after its first j * keyCheckpointInterval versions.
    private var keyCheckpoints: [String: [JSON?]] = [:]
    /// Operations that could not apply, by offset (e.g. `increment` on a string).
    public private(set) var issues: [Int64: [String]] = [:]

    public init(log: LogReader, rules: Rules, checkpointInterval: Int? = nil, keyCheckpointInterval: Int = 64) {
        self.log = log
        self.rules = rules
        // At most ~256 checkpoints whatever the log's size.
        self.checkpointInterval = max(1, checkpointInterval ?? max(10_000, Int(log.count / 256)))
        self.keyCheckpointInterval = max(1, keyCheckpointInterval)
    }

    /// Applies one record to a state.
    public func apply(_ record: Record, to state: JSON?) -> JSON? {
        var found: [String] = []
        let after = Fold.apply(rules, type: record.type, data: record.data(), to: state, issues: &found)
        if !found.isEmpty { issues[record.offset] = found }
        return after
    }

    /// Applies one record to a whole-log state.
    public func apply(_ record: Record, to map: inout StateMap) {
        let after = apply(record, to: map[record.key])
        map[record.key] = after
    }

    // MARK: Whole-log state

    /// The state of all records after offset `offset` (-1: before the first event).
    /// - Complexity: a checkpoint lookup plus at most `checkpointInterval` applications, after a one-time
    ///   fold up to the checkpoint (kept for later calls).
    public func states(at offset: Int64) throws -> StateMap {
        let end = min(offset + 1, log.count)  // records 0 ..< end
        guard end > 0 else { return StateMap() }
        let j = Int(end / Int64(checkpointInterval))
        try buildCheckpoints(through: j)
        var map = checkpoints[j]
        let from = Int64(j) * Int64(checkpointInterval)
        try log.forEach(from: from, to: end) { r in
            apply(r, to: &map)
            return true
        }
        return map
    }

    /// Folds forward so that `checkpoints[j]` exists.
    private func buildCheckpoints(through j: Int) throws {
        while checkpoints.count <= j {
            var map = checkpoints[checkpoints.count - 1]
            let from = Int64(checkpoints.count - 1) * Int64(checkpointInterval)
            try log.forEach(from: from, to: from + Int64(checkpointInterval)) { r in
                apply(r, to: &map)
                return true
            }
            checkpoints.append(map)
        }
    }

    /// The number of whole-log checkpoints built so far.
    public var checkpointCount: Int { checkpoints.count }

    /// Folds every record from offset 0 without checkpoints (the reference for tests and `verify`).
    public func fullReplay(through offset: Int64) throws -> StateMap {
        var map = StateMap()
        try log.forEach(from: 0, to: min(offset + 1, log.count)) { r in
            apply(r, to: &map)
            return true
        }
        return map
    }

    // MARK: One record

    /// The offsets of a record's events (its versions 1, 2, ...), through the log's key index.
    public func versions(of key: String) throws -> [Int64] {
        if let cached = versionCache[key] { return cached }
        let offsets = try log.offsets(forKey: key)
        versionCache[key] = offsets
        versionCacheOrder.append(key)
        if versionCacheOrder.count > 4096, let old = versionCacheOrder.popFirst() {
            versionCache[old] = nil
            keyCheckpoints[old] = nil
        }
        return offsets
    }

    /// Forgets cached versions (after the log grew).
    public func logDidGrow() {
        versionCache.removeAll()
        versionCacheOrder.removeAll()
        keyCheckpoints.removeAll()
    }

    /// How many of a record's versions are at or before `offset`.
    public func versionCount(of key: String, at offset: Int64) throws -> Int {
        let offsets = try versions(of: key)
        var lo = 0, hi = offsets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[mid] <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The state of one record after offset `offset` (nil: absent or deleted).
    /// - Complexity: at most `keyCheckpointInterval` applications of the record's own events once its
    ///   checkpoints exist; never a replay of other records.
    public func state(of key: String, at offset: Int64) throws -> JSON? {
        try state(of: key, afterVersions: versionCount(of: key, at: offset))
    }

    /// The state of one record after its first `n` versions.
    public func state(of key: String, afterVersions n: Int) throws -> JSON? {
        let offsets = try versions(of: key)
        let n = min(n, offsets.count)
        guard n > 0 else { return nil }
        var marks = keyCheckpoints[key] ?? [nil]
        let j = n / keyCheckpointInterval
        while marks.count <= j {
            var s = marks[marks.count - 1]
            let from = (marks.count - 1) * keyCheckpointInterval
            for k in from..<(from + keyCheckpointInterval) {
                s = apply(try log.record(at: offsets[k]), to: s)
            }
            marks.append(s)
        }
        keyCheckpoints[key] = marks
        var s = marks[j]
        for k in (j * keyCheckpointInterval)..<n {
            s = apply(try log.record(at: offsets[k]), to: s)
        }
        return s
    }

    /// Every version of a record, with the state before and after each.
    public func history(of key: String) throws -> [RecordVersion] {
        var out: [RecordVersion] = []
        var s: JSON? = nil
        for (i, offset) in try versions(of: key).enumerated() {
            let r = try log.record(at: offset)
            let after = apply(r, to: s)
            out.append(RecordVersion(number: i + 1, record: r, before: s, after: after))
            s = after
        }
        return out
    }

    /// Version `number` (1-based) of a record.
    public func version(of key: String, number: Int) throws -> RecordVersion {
        let offsets = try versions(of: key)
        guard number >= 1, number <= offsets.count else {
            throw HindsightError(.notFound, "record \"\(TextSafety.escape(key))\" has \(offsets.count) version\(offsets.count == 1 ? "" : "s"); there is no v\(number)")
        }
        let before = try state(of: key, afterVersions: number - 1)
        let r = try log.record(at: offsets[number - 1])
        return RecordVersion(number: number, record: r, before: before, after: apply(r, to: before))
    }

    // MARK: Positions

    /// The offset a time resolves to (-1: before the first event).
    public func offset(at time: Timestamp) throws -> Int64 {
        try log.offset(atOrBefore: time) ?? -1
    }
}
