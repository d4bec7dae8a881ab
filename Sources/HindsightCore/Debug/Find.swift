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
            return try scan(expression, timeline, range: max(0, from)..<count, last: false)
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

    /// Folds `range` from the state before it, evaluating at each event; the first (or last) match.
    static func scan(_ e: WatchExpression, _ t: Timeline, range: Range<Int64>, last: Bool) throws -> FindMatch? {
        var map = try t.states(at: range.lowerBound - 1)
        let start = map
        var previous: [String: Bool] = [:]
        let eventLike = e.isEventPredicate
        var found: FindMatch?
        try t.log.forEach(from: range.lowerBound, to: range.upperBound) { r in
            if t.skip.contains(r.offset) { return true }
            let before = map[r.key]
            let after = t.replayer.apply(r, to: before)
            map[r.key] = after
            let data = r.data()
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
