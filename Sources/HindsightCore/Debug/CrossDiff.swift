/// How one record differs between two points.
public struct RecordDiff: Sendable {
    public enum Kind: String, Sendable {
        case created, deleted, changed
    }

    public var key: String
    public var kind: Kind
    public var before: JSON?
    public var after: JSON?
    public var changes: [StructuralDiff.Change]
}

/// Which records were created, deleted and changed between two whole-log states.
public enum CrossDiff {
    /// The differing records, sorted by key.
    public static func diff(from a: StateMap, to b: StateMap) -> [RecordDiff] {
        var keys = Set(a.keys)
        keys.formUnion(b.keys)
        var out: [RecordDiff] = []
        for key in keys.sorted() {
            let before = a[key], after = b[key]
            if before == after { continue }
            let kind: RecordDiff.Kind = before == nil ? .created : (after == nil ? .deleted : .changed)
            out.append(RecordDiff(key: key, kind: kind, before: before, after: after, changes: StructuralDiff.changes(from: before, to: after)))
        }
        return out
    }
}
