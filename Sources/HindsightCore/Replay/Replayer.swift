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
/// Whole-log state starts from the nearest checkpoint at or before N — one kept in memory (every
/// `checkpointInterval` records, persistent maps that share structure) or one the writer stored with
/// the log (see ``StoredCheckpoints``; used only when it was folded with the same rules and names the
/// record it ends at by its chain hash) — and folds the records after it. One record's state folds
/// only that record's events (found through the key index), with a checkpoint every
/// `keyCheckpointInterval` versions.
///
/// Not thread-safe: use one replayer per thread.
public final class Replayer {
    public let log: LogReader
    public let rules: Rules
    public let checkpointInterval: Int
    public let keyCheckpointInterval: Int

    /// In-memory checkpoints by the number of records folded: `checkpoints[c]` is the state of all
    /// records after offsets 0 ..< c. Always holds the empty state at 0.
    private var checkpoints: [Int64: StateMap] = [0: StateMap()]
    /// The checkpoints' positions, ascending.
    private var checkpointPositions: [Int64] = [0]
    /// Checkpoints the writer stored with the log, opened on first use (nil: not looked at yet).
    private var stored: StoredCheckpoints??
    private var versionCache: [String: [Int64]] = [:]
    private var versionCacheOrder: Deque<String> = []
    /// keyCheckpoints[key][j] is the key's state after its first j * keyCheckpointInterval versions.
    private var keyCheckpoints: [String: [JSON?]] = [:]
    /// Operations that could not apply, by offset (e.g. `increment` on a string).
    public private(set) var issues: [Int64: [String]] = [:]
    let fold: FastFold
    /// Whether `states(at:)` has folded before (then it keeps every checkpoint it passes).
    private var hasFolded = false

    public init(log: LogReader, rules: Rules, checkpointInterval: Int? = nil, keyCheckpointInterval: Int = 64) {
        self.log = log
        self.rules = rules
        // At most ~256 checkpoints whatever the log's size.
        self.checkpointInterval = max(1, checkpointInterval ?? max(10_000, Int(log.count / 256)))
        self.keyCheckpointInterval = max(1, keyCheckpointInterval)
        self.fold = FastFold(rules: rules)
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

    // MARK: Folding records in place

    /// Folds records `from ..< to` into `map`, reading them in place (the one loop every whole-log
    /// replay goes through).
    func fold(from: Int64, to: Int64, into map: inout StateMap) throws {
        var buffers = JSONParseBuffers()
        var found: [String] = []
        try log.forEachView(from: from, to: to) { view in
            fold.apply(view, to: &map, buffers: &buffers, issues: &found)
            if !found.isEmpty {
                issues[view.offset] = found
                found.removeAll()
            }
            return true
        }
    }

    /// Applies the record at `offset` to one record's state, reading it in place.
    private func apply(recordAt offset: Int64, to state: inout JSON?, buffers: inout JSONParseBuffers) throws {
        var found: [String] = []
        try log.withRecord(at: offset) { view in
            fold.apply(view, to: &state, buffers: &buffers, issues: &found)
        }
        if !found.isEmpty { issues[offset] = found }
    }

    // MARK: Whole-log state

    /// The state of all records after offset `offset` (-1: before the first event).
    /// - Complexity: the nearest checkpoint (in memory, or stored with the log) plus at most
    ///   `checkpointInterval` applications, after a one-time fold up to the checkpoint (kept for later calls).
    public func states(at offset: Int64) throws -> StateMap {
        let end = min(offset + 1, log.count)  // records 0 ..< end
        guard end > 0 else { return StateMap() }
        let interval = Int64(checkpointInterval)
        var (position, map) = try nearestCheckpoint(atOrBefore: end)
        // A first call keeps only the last interval boundary before `end` (a one-shot query does not
        // pay for copies of the shared map); later calls keep every boundary they pass (repeated
        // queries, such as a backward search chunk by chunk, then start close by).
        let keepAll = hasFolded
        hasFolded = true
        let lastBoundary = (end / interval) * interval
        while (position / interval + 1) * interval <= end {
            let next = keepAll ? (position / interval + 1) * interval : lastBoundary
            try fold(from: position, to: next, into: &map)
            remember(map, at: next)
            position = next
        }
        try fold(from: position, to: end, into: &map)
        return map
    }

    /// The state of every record after offset `offset` as compact JSON text, sorted by key, when the
    /// rules merge every event (the default): the newest stored checkpoint before it is read as text and
    /// the records after it are merged on text (``RawMergePatch``), so no document tree is built. nil
    /// for other rules (use ``states(at:)``). The texts parse to the values ``states(at:)`` gives.
    public func stateTexts(at offset: Int64) throws -> [(key: String, state: [UInt8])]? {
        guard let states = try textStates(at: offset) else { return nil }
        var out: [(key: String, state: [UInt8])] = []
        out.reserveCapacity(states.entryCount)
        states.forEach(from: states.start, to: states.end) { key, text in out.append((String(decoding: key, as: UTF8.self), [UInt8](text))) }
        return out
    }

    /// Calls `body` with every present record's key and state (compact JSON text) after offset
    /// `offset`, sorted by key, as ``stateTexts(at:)`` gives them but without copying them: the bytes
    /// are valid inside `body`. False (and no calls) for rules other than the default.
    public func forEachStateText(at offset: Int64, _ body: (_ key: UnsafeRawBufferPointer, _ state: UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        guard let states = try textStates(at: offset) else { return false }
        try states.forEach(from: states.start, to: states.end, body)
        return true
    }

    /// The state of every record after `offset` as one compact JSON object (`{"key":state,…}`, keys
    /// sorted; what `JSONSerializer.compact` gives of ``states(at:)``'s map), handed to `write` in
    /// pieces of about `chunk` bytes. False (and nothing written) for rules other than the default.
    /// A large document's second half is made on another thread while the first is written.
    public func writeStatesJSON(at offset: Int64, chunk: Int = 1 << 20, _ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        guard let states = try textStates(at: offset) else { return false }
        func flush(_ out: inout [UInt8]) throws {
            try out.withUnsafeBytes(write)
            out.removeAll(keepingCapacity: true)
        }
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(chunk + 4096)
        let half = states.entryCount >= 8192 ? states.middle : states.end
        nonisolated(unsafe) let shared = states
        let second = half.base < states.base.count || half.tail < states.tailOrder.count
            ? Background { () -> [UInt8] in
                var tail: [UInt8] = []
                tail.reserveCapacity(shared.estimatedBytes(from: half, to: shared.end))
                _ = shared.appendMembers(from: half, to: shared.end, first: false, into: &tail, chunk: .max) { _ in }
                return tail
            } : nil
        var empty = true
        do {
            empty = try states.appendMembers(from: states.start, to: half, first: true, into: &out, chunk: chunk, flush: flush)
        } catch {
            _ = second?.wait()
            throw error
        }
        if let second {
            var tail = second.wait()
            // The second half was written as if a member came before it.
            if empty, tail.first == UInt8(ascii: ",") { tail.removeFirst() }
            try flush(&out)
            var start = 0
            try tail.withUnsafeBytes { bytes in
                while start < bytes.count {
                    let end = min(bytes.count, start + chunk)
                    try write(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                    start = end
                }
            }
        }
        out.append(UInt8(ascii: "}"))
        try out.withUnsafeBytes(write)
        return true
    }

    /// Every record's state after `offset` as text, in key order (nil for rules other than the
    /// default): the stored states at the nearest checkpoint (in key order, borrowed from the mapped
    /// files, which `stored` keeps open) and the records after it, kept by key and merged as the states
    /// are written. A long run of records after the checkpoint (a log without stored checkpoints) is
    /// folded instead, so that memory does not grow with it.
    func textStates(at offset: Int64) throws -> StateTexts? {
        guard fold.allMerge else { return nil }
        let end = min(offset + 1, log.count)
        var position: Int64 = 0
        var base: [StoredEntry] = []
        if end > 0, let stored = storedCheckpoints(), let found = stored.sortedEntries(atOrBefore: end) { (position, base) = found }
        let count = Int(max(0, end - position))
        if count <= patchTail {
            var tail = TailPatches()
            tail.reserve(events: count, bytes: count * 96)
            try log.forEachView(from: position, to: end) { view in
                tail.add(view.key, view.payload)
                return true
            }
            tail.sort()
            return StateTexts(base: base, tail: .patches(tail))
        }
        var texts = TextStates()
        texts.reserve(min(count, Int(CheckpointFile.deltaInterval) * 4))
        try base.withUnsafeBufferPointer { entries in
            try log.forEachView(from: position, to: end) { view in
                texts.merge(view.key, view.payload) { key in
                    SortedBlocks.find(key, prefix: KeyOrder.Prefix(key), in: entries).flatMap { entries[$0].state }
                }
                return true
            }
        }
        return StateTexts(base: base, tail: .folded(texts, texts.sortedSlots(0..<texts.count)))
    }

    /// Records after a checkpoint up to which ``textStates(at:)`` keeps their data instead of folding
    /// it (four delta intervals; tests lower it to try the fold).
    var patchTail = 4 * Int(CheckpointFile.deltaInterval)

    /// The closest known state at or before `end` records: a kept checkpoint, or a stored one when it
    /// is closer.
    private func nearestCheckpoint(atOrBefore end: Int64) throws -> (Int64, StateMap) {
        var lo = 0, hi = checkpointPositions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if checkpointPositions[mid] <= end { lo = mid + 1 } else { hi = mid }
        }
        let position = checkpointPositions[max(0, lo - 1)]
        let map = checkpoints[position] ?? StateMap()
        // A stored checkpoint is loaded, not kept: a kept copy would make every later update of the
        // shared map copy its path.
        if end - position > 1024, let stored = storedCheckpoints(), let candidate = stored.position(atOrBefore: end), candidate > position,
            let loaded = stored.states(atOrBefore: end), loaded.position > position
        {
            return loaded
        }
        return (position, map)
    }

    private func remember(_ map: StateMap, at position: Int64) {
        guard checkpoints[position] == nil else { return }
        checkpoints[position] = map
        var lo = 0, hi = checkpointPositions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if checkpointPositions[mid] < position { lo = mid + 1 } else { hi = mid }
        }
        checkpointPositions.insert(position, at: lo)
    }

    /// The checkpoints stored with the log for these rules, if any are usable.
    private func storedCheckpoints() -> StoredCheckpoints? {
        if let known = stored { return known }
        let opened = StoredCheckpoints(log: log, rules: rules)
        stored = .some(opened)
        return opened
    }

    /// The number of whole-log checkpoints held in memory so far.
    public var checkpointCount: Int { checkpoints.count }

    /// Folds every record from offset 0 without checkpoints, through the plain `Fold` rules (the
    /// reference for tests and `verify`).
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

    /// Forgets cached versions and stored checkpoints (after the log grew).
    public func logDidGrow() {
        versionCache.removeAll()
        versionCacheOrder.removeAll()
        keyCheckpoints.removeAll()
        stored = nil
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
        var buffers = JSONParseBuffers()
        var marks = keyCheckpoints[key] ?? [nil]
        let j = n / keyCheckpointInterval
        while marks.count <= j {
            var s = marks[marks.count - 1]
            let from = (marks.count - 1) * keyCheckpointInterval
            for k in from..<(from + keyCheckpointInterval) {
                try apply(recordAt: offsets[k], to: &s, buffers: &buffers)
            }
            marks.append(s)
        }
        keyCheckpoints[key] = marks
        var s = marks[j]
        for k in (j * keyCheckpointInterval)..<n {
            try apply(recordAt: offsets[k], to: &s, buffers: &buffers)
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

/// The fold of records read in place, with the same results as `Fold.apply` (and the same issues).
///
/// Events whose rule is a merge at the root — the default rule — are merged into the state where it
/// is stored (the `TreeDictionary` entry, or the record's state), so an unshared state object is
/// updated instead of copied; every other rule goes through `Fold.apply`.
struct FastFold {
    let rules: Rules
    /// Whether every type folds as a root merge (then the type is never read).
    let allMerge: Bool
    /// Types whose operations are a root merge.
    let mergeTypes: Set<String>

    init(rules: Rules) {
        self.rules = rules
        var merge: Set<String> = []
        for (type, ops) in rules.types where FastFold.isRootMerge(ops) { merge.insert(type) }
        self.mergeTypes = merge
        self.allMerge = FastFold.isRootMerge(rules.defaultOperations) && merge.count == rules.types.count
    }

    static func isRootMerge(_ ops: [RuleOperation]) -> Bool {
        guard ops.count == 1, case .merge(let path, nil) = ops[0] else { return false }
        return path.isRoot
    }

    /// The event data of a record: its payload parsed (`null` when it does not parse, as `Record.data()`).
    @inline(__always)
    static func data(_ view: RecordView, buffers: inout JSONParseBuffers) -> JSON {
        (try? JSONParser.parse(view.payload, buffers: &buffers)) ?? .null
    }

    /// Applies a record to a whole-log state.
    @inline(__always)
    func apply(_ view: RecordView, to map: inout StateMap, buffers: inout JSONParseBuffers, issues: inout [String]) {
        let key = view.keyString
        apply(view, to: &map[key], buffers: &buffers, issues: &issues)
    }

    /// Applies a record to one record's state (nil: absent or deleted).
    @inline(__always)
    func apply(_ view: RecordView, to state: inout JSON?, buffers: inout JSONParseBuffers, issues: inout [String]) {
        let data = FastFold.data(view, buffers: &buffers)
        if allMerge {
            FastFold.merge(data, into: &state)
            return
        }
        let type = view.typeString
        if rules.types[type] == nil ? FastFold.isRootMerge(rules.defaultOperations) : mergeTypes.contains(type) {
            FastFold.merge(data, into: &state)
        } else {
            state = Fold.apply(rules.operations(for: type), data: data, to: state, issues: &issues)
        }
    }

    /// RFC 7396 merge of `patch` into `target` in place: the same result as
    /// `MergePatch.apply(patch, to: target)`, without copying a target object nothing else holds.
    static func merge(_ patch: JSON, into target: inout JSON?) {
        guard case .object(let members) = patch else {
            target = patch
            return
        }
        var object: JSONObject
        if case .object(let existing)? = target { object = existing } else { object = JSONObject() }
        target = nil  // the object is now held once: edits below do not copy it
        mergeMembers(members, into: &object)
        target = .object(object)
    }

    private static func mergeMembers(_ members: JSONObject, into object: inout JSONObject) {
        for (name, value) in members {
            switch value {
            case .null: object.removeValue(forKey: name)
            case .object: merge(value, into: &object[name])
            default: object[name] = value
            }
        }
    }
}
