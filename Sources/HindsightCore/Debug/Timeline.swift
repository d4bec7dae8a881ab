/// A replay of the log, or of an alternate timeline where some events never happened ("what if").
///
/// The log is never written: skipping is a fold that passes over the skipped offsets. States before
/// the first skipped offset are the real ones, so the replayer's checkpoints still serve them.
public struct Timeline {
    public let replayer: Replayer
    /// Offsets to replay as if they had never happened.
    public let skip: Set<Int64>

    public init(replayer: Replayer, skip: Set<Int64> = []) {
        self.replayer = replayer
        self.skip = skip
    }

    public var log: LogReader { replayer.log }
    public var isAlternate: Bool { !skip.isEmpty }

    /// The offsets of a record's events in this timeline (its versions 1, 2, ...).
    public func versions(of key: String) throws -> [Int64] {
        let all = try replayer.versions(of: key)
        return skip.isEmpty ? all : all.filter { !skip.contains($0) }
    }

    /// One record's state after `offset` (-1: before the first event).
    public func state(of key: String, at offset: Int64) throws -> JSON? {
        guard let first = skip.min(), first <= offset else { return try replayer.state(of: key, at: offset) }
        var s: JSON?
        for o in try versions(of: key) where o <= offset {
            s = replayer.apply(try log.record(at: o), to: s)
        }
        return s
    }

    /// Every record's state after `offset`.
    public func states(at offset: Int64) throws -> StateMap {
        guard let first = skip.min(), first <= offset else { return try replayer.states(at: offset) }
        var map = try replayer.states(at: first - 1)
        try log.forEach(from: first, to: offset + 1) { r in
            if !skip.contains(r.offset) { replayer.apply(r, to: &map) }
            return true
        }
        return map
    }

    /// Calls `body` with each event of a record in this timeline, with the state before and after it,
    /// up to and including `through`; stops when `body` returns false.
    public func walk(key: String, through: Int64 = Int64.max, _ body: (Record, JSON?, JSON?) throws -> Bool) throws {
        var s: JSON?
        for o in try versions(of: key) where o <= through {
            let r = try log.record(at: o)
            let after = replayer.apply(r, to: s)
            if try !body(r, s, after) { return }
            s = after
        }
    }
}

/// Reads a comma-separated list of offsets (`--skip 3,17`).
public func parseOffsetList(_ text: String) throws -> Set<Int64> {
    var out: Set<Int64> = []
    for part in text.split(separator: ",") {
        let t = part.trimmingCharacters(in: .whitespaces)
        guard let n = Int64(t), n >= 0 else {
            throw HindsightError(.usage, "\"\(TextSafety.escape(t))\" is not an offset", hint: "write offsets separated by commas, e.g. --skip 3,17")
        }
        out.insert(n)
    }
    return out
}
