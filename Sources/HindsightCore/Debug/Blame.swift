/// One leaf of a record's state and the event that last set it.
public struct BlameLine: Sendable {
    public var path: JSONPointer
    public var value: JSON
    public var record: Record
}

/// `git blame` for a record's state: which event last set each leaf field.
public enum Blame {
    /// The leaves of the record's state after `offset`, in document order, each with the event that
    /// last changed its value. Empty when the record does not exist at that point.
    public static func blame(_ timeline: Timeline, key: String, at offset: Int64) throws -> [BlameLine] {
        var setBy: [JSONPointer: Record] = [:]
        var final: JSON?
        try timeline.walk(key: key, through: offset) { r, before, after in
            if after == nil { setBy.removeAll() }
            if let after {
                for (path, value) in leaves(after) where path.resolve(in: before ?? .null) != value || before == nil {
                    setBy[path] = r
                }
            }
            final = after
            return true
        }
        guard let final else { return [] }
        return leaves(final).compactMap { path, value in
            setBy[path].map { BlameLine(path: path, value: value, record: $0) }
        }
    }

    /// The scalar (and empty container) values of a document with their pointers, in document order.
    public static func leaves(_ value: JSON) -> [(JSONPointer, JSON)] {
        var out: [(JSONPointer, JSON)] = []
        func walk(_ v: JSON, _ p: JSONPointer) {
            switch v {
            case .object(let o) where !o.isEmpty:
                for (k, child) in o { walk(child, p.appending(k)) }
            case .array(let a) where !a.isEmpty:
                for (i, child) in a.enumerated() { walk(child, p.appending(i)) }
            default:
                out.append((p, v))
            }
        }
        walk(value, .root)
        return out
    }
}
