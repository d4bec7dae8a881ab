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
    ///   `from` (backward: chunk by chunk from the checkpoints, never a replay from offset 0).
    public static func find(_ expression: WatchExpression, in timeline: Timeline, key: String?, from: Int64, backward: Bool) throws -> FindMatch? {
        if let key { return try findInRecord(expression, timeline, key: key, from: from, backward: backward) }
        let count = timeline.log.count
        guard count > 0 else { return nil }
        if !backward {
            guard from < count else { return nil }
            return try scanForward(expression, timeline, range: max(0, from)..<count)
        }
        let interval = Int64(timeline.replayer.checkpointInterval)
        var end = min(from, count - 1)
        while end >= 0 {
            let start = (end / interval) * interval
            if let m = try scan(expression, timeline, range: start..<(end + 1), last: true) { return m }
            end = start - 1
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

    /// Records from which a forward search over every record runs in two halves at once.
    static let splitThreshold: Int64 = 200_000

    /// The first match in `range`. A long range is searched in two halves at once (the second on a
    /// thread of its own, with its own reader, from the state before it): the result is the same as one
    /// scan's, because the truth at a record's previous event is read from the state at the start of a
    /// half exactly as at the start of a range (see ``scan(_:_:range:last:stop:)``).
    /// - Parameter threshold: the shortest range that is split (default ``splitThreshold``, or
    ///   HINDSIGHT_FIND_SPLIT; 0: never).
    static func scanForward(_ e: WatchExpression, _ t: Timeline, range: Range<Int64>, threshold: Int64? = nil) throws -> FindMatch? {
        let threshold = threshold ?? ProcessInfo.processInfo.environment["HINDSIGHT_FIND_SPLIT"].flatMap { Int64($0) } ?? splitThreshold
        guard threshold > 0, range.count >= threshold, range.count >= 2, ProcessInfo.processInfo.activeProcessorCount > 1 else {
            return try scan(e, t, range: range, last: false)
        }
        let middle = range.lowerBound + Int64(range.count / 2)
        final class Half: @unchecked Sendable {
            let lock = NSLock()
            var firstFound = false
            var result: Result<FindMatch?, Error> = .success(nil)
            var stop: Bool { lock.withLock { firstFound } }
        }
        let half = Half()
        let directory = t.log.directory, rules = t.replayer.rules, skip = t.skip
        let done = DispatchSemaphore(value: 0)
        let worker = Thread {
            half.result = Result {
                let timeline = Timeline(replayer: Replayer(log: try LogReader(directory: directory), rules: rules), skip: skip)
                return try scan(e, timeline, range: middle..<range.upperBound, last: false, stop: { half.stop })
            }
            done.signal()
        }
        worker.stackSize = 8 << 20
        worker.start()
        let first: FindMatch?
        do {
            first = try scan(e, t, range: range.lowerBound..<middle, last: false)
        } catch {
            half.lock.withLock { half.firstFound = true }
            done.wait()
            throw error
        }
        if first != nil { half.lock.withLock { half.firstFound = true } }
        done.wait()
        if let first { return first }
        return try half.result.get()
    }

    /// Folds `range` from the state before it, evaluating at each event; the first (or last) match.
    /// `stop` (asked now and then) ends the scan early with no match.
    static func scan(_ e: WatchExpression, _ t: Timeline, range: Range<Int64>, last: Bool, stop: (() -> Bool)? = nil) throws -> FindMatch? {
        var map = try t.states(at: range.lowerBound - 1)
        let start = map
        var previous: [String: Bool] = [:]
        let eventLike = e.isEventPredicate
        var found: FindMatch?
        try t.log.forEach(from: range.lowerBound, to: range.upperBound) { r in
            if let stop, r.offset & 0x3FFF == 0, stop() { return false }
            if t.skip.contains(r.offset) { return true }
            let before = map[r.key]
            let data = r.data()
            let after = t.replayer.apply(r, data: data, to: before)
            map[r.key] = after
            let truth = e.evaluate(WatchContext(before: before, after: after, record: r, data: data))
            let was: Bool
            if let p = previous[r.key] {
                was = p
            } else {
                // The record's truth before this range: its state at the range's start.
                was = !eventLike && start[r.key] != nil && e.evaluate(WatchContext(before: nil, after: start[r.key], record: r, data: data))
            }
            previous[r.key] = truth
            if truth && (eventLike || !was) {
                found = FindMatch(record: r, before: before, after: after)
                return last
            }
            return true
        }
        return found
    }
}
