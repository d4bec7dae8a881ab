/// Computes what changed inside a JSON document between two versions.
///
/// The diff descends into objects (member by member) and arrays (aligned by `ArrayAlignment`),
/// so a change deep inside a document is reported at its own path rather than as a replacement
/// of the whole document. A `nil` version means "the record does not exist".
public enum StructuralDiff {
    /// One change inside a document.
    ///
    /// Paths follow the order of ``StructuralDiff/changes(from:to:)``, which is an order in which
    /// the changes can be applied one after another: a removed array element's index is its index
    /// in the old array, an added or changed element's index is its index in the new array.
    public struct Change: Sendable, Hashable {
        /// What happened at ``path``.
        public enum Kind: Sendable, Hashable {
            /// The value did not exist before (an object member, an array element, or the whole record).
            case added(JSON)
            /// The value no longer exists.
            case removed(JSON)
            /// The value changed and could not be described by smaller changes inside it
            /// (a scalar changed, or the value changed type).
            case replaced(old: JSON, new: JSON)
        }

        /// Where the change happened; the root path `""` is the whole record.
        public var path: JSONPointer
        /// What happened there.
        public var kind: Kind

        public init(path: JSONPointer, kind: Kind) {
            self.path = path
            self.kind = kind
        }
    }

    /// The changes that turn `a` into `b`; empty when they are equal.
    ///
    /// `a` nil (a record created) gives one `added` change at the root path `""`; `b` nil (a record
    /// deleted) gives one `removed` change there.
    ///
    /// Order: object members in the old document's order (removed or changed), then new members;
    /// within an array, removals from the highest old index down, then additions from the lowest
    /// new index up, then changes inside elements (at their new index). Applying the changes in
    /// this order (see ``jsonPatch(from:to:)``) turns `a` into `b`.
    ///
    /// - Complexity: O((size of `a` + size of `b`) × nesting depth) in the worst case (array
    ///   elements are compared and hashed whole at each level), plus the array alignments (see `ArrayAlignment`).
    public static func changes(from a: JSON?, to b: JSON?) -> [Change] {
        switch (a, b) {
        case (nil, nil): return []
        case (nil, let new?): return [Change(path: .root, kind: .added(new))]
        case (let old?, nil): return [Change(path: .root, kind: .removed(old))]
        case (let old?, let new?):
            var changes: [Change] = []
            collect(old, new, at: .root, into: &changes)
            return changes
        }
    }

    /// Appends the changes from `old` to `new` at `path` to `changes`.
    static func collect(_ old: JSON, _ new: JSON, at path: JSONPointer, into changes: inout [Change]) {
        switch (old, new) {
        case (.object(let a), .object(let b)):
            for (name, before) in a {
                if let after = b[name] {
                    collect(before, after, at: path.appending(name), into: &changes)
                } else {
                    changes.append(Change(path: path.appending(name), kind: .removed(before)))
                }
            }
            for (name, after) in b where a[name] == nil {
                changes.append(Change(path: path.appending(name), kind: .added(after)))
            }
        case (.array(let a), .array(let b)):
            collectArray(a, b, at: path, into: &changes)
        default:
            if old != new {
                changes.append(Change(path: path, kind: .replaced(old: old, new: new)))
            }
        }
    }

    /// Appends an array's changes in an order that can be applied one by one (see ``changes(from:to:)``).
    static func collectArray(_ a: [JSON], _ b: [JSON], at path: JSONPointer, into changes: inout [Change]) {
        let steps = ArrayAlignment.align(a, b)
        var pairs: [(Int, Int)] = []
        for step in steps.reversed() {
            if case .removed(let old) = step {
                changes.append(Change(path: path.appending(old), kind: .removed(a[old])))
            }
        }
        for step in steps {
            switch step {
            case .added(let new): changes.append(Change(path: path.appending(new), kind: .added(b[new])))
            case .paired(let old, let new): pairs.append((old, new))
            case .removed: break
            }
        }
        for (old, new) in pairs {
            collect(a[old], b[new], at: path.appending(new), into: &changes)
        }
    }
}

extension StructuralDiff {
    /// An RFC 6902 patch that turns `a` into `b`: `jsonPatch(from: a, to: b).apply(to: a) == b`.
    ///
    /// One operation per change (`add`, `remove` or `replace`), in the order of ``changes(from:to:)``.
    /// A created record is an `add` at `""`; a deleted one a `remove` at `""` (apply that with
    /// ``JSONPatch/apply(toRecord:)``).
    public static func jsonPatch(from a: JSON?, to b: JSON?) -> JSONPatch {
        JSONPatch(changes(from: a, to: b).map(\.operation))
    }
}

extension StructuralDiff.Change {
    /// The JSON Patch operation that makes this change.
    public var operation: JSONPatchOperation {
        switch kind {
        case .added(let value): return .add(path: path, value: value)
        case .removed: return .remove(path: path)
        case .replaced(_, let new): return .replace(path: path, value: new)
        }
    }
}
