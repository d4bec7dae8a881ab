import Foundation

/// Where a watch expression turned true.
public struct FindMatch: Sendable {
    public var record: Record
    public var before: JSON?
    public var after: JSON?
    public var offset: Int64 { record.offset }
    public var key: String { record.key }
}

/// Runs a log like a recorded program to the point where a watch expression turns true
/// (gdb's watchpoints and rr's reverse-continue, for event logs).
///
/// For each event the expression is evaluated on the event and its record's state before and after
/// it. It "turns true" at an event when it is true there and was false at the record's previous
/// event (false before a record's first event). Expressions that read the event (`event.…`,
/// `before.…`, `changed(…)`) describe single events, so every event where they hold is a match.
public enum Finder {
    /// The first match at or after `from` (or the last at or before it, going `backward`).
    /// - Parameter key: only this record; nil searches every record.
    /// - Complexity: with a key, the record's own events; without, a fold from the checkpoint before
    ///   `from` (backward: chunks that start at checkpoints and double in length going back; never a
    ///   replay from offset 0).
    public static func find(_ expression: WatchExpression, in timeline: Timeline, key: String?, from: Int64, backward: Bool) throws -> FindMatch? {
        try find(expression, in: timeline, key: key, from: from, backward: backward, splitThreshold: parallelThreshold)
    }

    /// - Parameter splitThreshold: forward scans of at least this many events use a second core.
    static func find(_ expression: WatchExpression, in timeline: Timeline, key: String?, from: Int64, backward: Bool,
                     splitThreshold: Int) throws -> FindMatch? {
        if let key { return try findInRecord(expression, timeline, key: key, from: from, backward: backward) }
        let count = timeline.log.count
        guard count > 0 else { return nil }
        if !backward {
            guard from < count else { return nil }
            return try scan(expression, timeline, range: max(0, from)..<count, last: false, splitThreshold: splitThreshold)
        }
        // Chunks going back from `from`, each starting at a checkpoint and twice as long as the one
        // after it: a match near `from` costs one short chunk, a search of the whole log about two
        // forward folds and a checkpoint lookup per doubling.
        let interval = Int64(max(1, timeline.replayer.checkpointInterval))
        var end = min(from, count - 1)
        var size = interval
        while end >= 0 {
            let start = max(0, ((end + 1 - size) / interval) * interval)
            if let m = try scan(expression, timeline, range: start..<(end + 1), last: true, splitThreshold: splitThreshold) { return m }
            end = start - 1
            size *= 2
        }
        return nil
    }

    static func findInRecord(_ e: WatchExpression, _ t: Timeline, key: String, from: Int64, backward: Bool) throws -> FindMatch? {
        var previous = false
        var found: FindMatch?
        let eventLike = e.isEventPredicate
        try t.walk(key: key) { r, before, after in
            let truth = e.evaluate(WatchContext(before: before, after: after, record: r))
            defer { previous = truth }
            guard truth && (eventLike || !previous) else { return true }
            if backward {
                if r.offset <= from { found = FindMatch(record: r, before: before, after: after) }
                return r.offset < from
            }
            if r.offset >= from {
                found = FindMatch(record: r, before: before, after: after)
                return false
            }
            return true
        }
        return found
    }

    /// Folds `range` from the state before it, evaluating at each event; the first (or last) match.
    ///
    /// A long forward scan on a machine with more than one core is split in two at a checkpoint: the
    /// second half runs on its own thread (with its own reader) from the states at its start, and the
    /// first half's match, if any, wins.
    static func scan(_ e: WatchExpression, _ t: Timeline, range: Range<Int64>, last: Bool, splitThreshold: Int) throws -> FindMatch? {
        let interval = Int64(max(1, t.replayer.checkpointInterval))
        let middle = (range.lowerBound + Int64(range.count) / 2) / interval * interval
        let split = !last && ProcessInfo.processInfo.activeProcessorCount > 1 && range.count >= splitThreshold
            && middle > range.lowerBound && middle < range.upperBound
        // Each part's scan is made ready here (the states before it are read on this thread) and run
        // with a reader of its own.
        func prepared(_ part: Range<Int64>) throws -> @Sendable (LogReader, () -> Bool) throws -> ScanHit? {
            let skip = t.skip
            if skip.allSatisfy({ $0 >= part.lowerBound }), let start = try textStart(t, before: part.lowerBound) {
                return { log, cancelled in try scanText(e, log: log, skip: skip, start: start, range: part, last: last, cancelled: cancelled) }
            }
            let start = try t.states(at: part.lowerBound - 1)
            let fold = t.replayer.fold
            return { log, cancelled in try scan(e, log: log, fold: fold, skip: skip, start: start, range: part, last: last, cancelled: cancelled) }
        }
        let hit: ScanHit?
        if split {
            let first = try prepared(range.lowerBound..<middle)
            let runSecond = try prepared(middle..<range.upperBound)
            let second = SecondHalf()
            let directory = t.log.directory
            let thread = Thread {
                second.finish(Result { try runSecond(try LogReader(directory: directory), { second.cancelled }) })
            }
            thread.name = "hindsight find"
            thread.start()
            let firstHit = try first(t.log, { false })
            if firstHit != nil { second.cancel() }
            let other = try second.wait().get()
            hit = firstHit ?? other
        } else {
            hit = try prepared(range)(t.log, { false })
        }
        guard let hit else { return nil }
        let before = e.isEventPredicate ? hit.before : try t.state(of: hit.key, at: hit.offset - 1)
        return FindMatch(record: try t.log.record(at: hit.offset), before: before, after: hit.after)
    }

    /// Forward scans of at least this many events use a second core (when there is one).
    static let parallelThreshold = 131_072

    /// The scan itself: records are read in place and folded as the replayer folds them, and decoded
    /// into a `Record` only where the expression reads the event.
    /// - Parameter start: every record's state before `range`.
    static func scan(_ e: WatchExpression, log: LogReader, fold: FastFold, skip: Set<Int64>, start: StateMap,
                     range: Range<Int64>, last: Bool, cancelled: () -> Bool) throws -> ScanHit? {
        // The records the scan touches, in a plain dictionary: each one's state and whether the
        // expression held after its last event.
        var entries: [String: ScanEntry] = [:]
        let eventLike = e.isEventPredicate
        let readsEvent = e.readsEvent
        var buffers = JSONParseBuffers()
        var issues: [String] = []
        var found: ScanHit?
        try log.forEachView(from: range.lowerBound, to: range.upperBound) { view in
            if view.offset & 0x3FFF == 0 && cancelled() { return false }
            if skip.contains(view.offset) { return true }
            let key = view.keyString
            // One hash lookup per event (two the first time a record is met); the entry is then
            // changed in place, so that the fold can update a state no one else holds.
            let index: [String: ScanEntry].Index
            if let i = entries.index(forKey: key) {
                index = i
            } else {
                entries[key] = ScanEntry(state: start[key], truth: nil)
                guard let i = entries.index(forKey: key) else { return true }
                index = i
            }
            let record = readsEvent ? view.record() : nil
            func context(_ before: JSON?, _ after: JSON?) -> WatchContext {
                if let record { return WatchContext(before: before, after: after, record: record) }
                return WatchContext(before: before, after: after)
            }
            // A state expression turns true where it was false: before the record's first event in
            // the range, that is its truth on the state at the range's start.
            let was = eventLike || (entries.values[index].truth ?? (entries.values[index].state.map { e.evaluate(context(nil, $0)) } ?? false))
            // Only expressions that read the state before the event keep it (otherwise the fold
            // updates the state in place, and a match looks its previous state up).
            let before = eventLike ? entries.values[index].state : nil
            fold.apply(view, to: &entries.values[index].state, buffers: &buffers, issues: &issues)
            issues.removeAll(keepingCapacity: true)
            let after = entries.values[index].state
            let truth = e.evaluate(context(before, after))
            entries.values[index].truth = truth
            if truth && (eventLike || !was) {
                found = ScanHit(offset: view.offset, key: key, before: before, after: after)
                return last
            }
            return true
        }
        return found
    }
}

extension Finder {
    /// Every record's state as text before `offset`, ready for ``scanText``; nil when the rules do
    /// not merge every event (the scan folds trees then).
    static func textStart(_ t: Timeline, before offset: Int64) throws -> TextScanStart? {
        guard t.replayer.fold.allMerge else { return nil }
        var start = TextScanStart()
        guard offset > 0 else { return start }
        let read = try t.replayer.forEachStateText(at: offset - 1) { key, text in
            let (slot, new) = start.keys.slot(key, hash: HashIndex.hash(key))
            if new { start.texts.addSlot() }
            start.texts.set(slot, text)
        }
        return read ? start : nil
    }

    /// ``scan(_:log:fold:skip:start:range:last:cancelled:)`` for rules that merge every event, folded on
    /// text as the audit export folds (``TextArena``, ``RawMergePatch``): the expression's paths are
    /// resolved on the states' texts, and a state is parsed only where the expression turns true.
    static func scanText(_ e: WatchExpression, log: LogReader, skip: Set<Int64>, start: TextScanStart, range: Range<Int64>,
                         last: Bool, cancelled: () -> Bool) throws -> ScanHit? {
        var keys = start.keys
        var texts = start.texts
        // Per record: 0 not met yet in the range, 1 the expression was false after its last event, 2 true.
        var truths = [UInt8](repeating: 0, count: keys.count)
        let eventLike = e.isEventPredicate
        let readsEvent = e.readsEvent
        var found: ScanHit?
        try log.forEachView(from: range.lowerBound, to: range.upperBound) { view in
            if view.offset & 0x3FFF == 0 && cancelled() { return false }
            if !skip.isEmpty && skip.contains(view.offset) { return true }
            let (slot, new) = keys.slot(view.key, hash: HashIndex.hash(view.key))
            if new {
                texts.addSlot()
                truths.append(0)
            }
            let record = readsEvent ? view.record() : nil
            return texts.merge(slot, view.payload) { before, after in
                // As the tree scan: a state expression turns true where it was false, and before the
                // record's first event in the range it had its truth on the state at the range's start.
                let was = eventLike || (truths[slot] == 0
                    ? (before.map { e.evaluate(WatchContext(beforeText: nil, afterText: $0, record: record)) } ?? false)
                    : truths[slot] == 2)
                let truth = e.evaluate(WatchContext(beforeText: eventLike ? before : nil, afterText: after, record: record))
                truths[slot] = truth ? 2 : 1
                guard truth && (eventLike || !was) else { return true }
                found = ScanHit(offset: view.offset, key: view.keyString,
                                before: eventLike ? before.flatMap { try? JSONParser.parse($0) } : nil,
                                after: try? JSONParser.parse(after))
                return last
            }
        }
        return found
    }
}

/// Every record's state as text at the start of a scan on text: slots by key, and their texts.
struct TextScanStart: Sendable {
    var keys = KeySlots()
    var texts = TextArena()
}

/// Where a scan matched (the record is read once the scans are done).
struct ScanHit: Sendable {
    var offset: Int64
    var key: String
    var before: JSON?
    var after: JSON?
}

/// A record met by a scan: its state so far, and whether the expression held after its last event.
private struct ScanEntry {
    var state: JSON?
    var truth: Bool?
}

/// The second half of a split scan: its result, and a flag that stops it once the first half matched.
private final class SecondHalf: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<ScanHit?, Error>?
    private var stop = false

    var cancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stop
    }

    func cancel() {
        condition.lock()
        stop = true
        condition.unlock()
    }

    func finish(_ value: Result<ScanHit?, Error>) {
        condition.lock()
        result = value
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> Result<ScanHit?, Error> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result ?? .success(nil)
    }
}
