/// Applies events to record state under a set of rules.
public enum Fold {
    /// The state of a record after one more event. `state` nil means the record does not exist
    /// (never created, or deleted); a nil result is a tombstone.
    ///
    /// An operation that cannot apply (e.g. `increment` on a string) is skipped and reported in `issues`.
    public static func apply(_ operations: [RuleOperation], data: JSON, to state: JSON?, issues: inout [String]) -> JSON? {
        var current = state
        for op in operations {
            do {
                current = try apply(op, data: data, to: current)
            } catch let error as HindsightError {
                issues.append(error.message)
            } catch {
                issues.append("\(error)")
            }
        }
        return current
    }

    /// The state after one event of `type` with `data`.
    public static func apply(_ rules: Rules, type: String, data: JSON, to state: JSON?, issues: inout [String]) -> JSON? {
        apply(rules.operations(for: type), data: data, to: state, issues: &issues)
    }

    static func value(from: JSONPointer?, literal: JSON?, data: JSON) throws -> JSON {
        if let literal { return literal }
        guard let from else { return data }
        guard let v = from.resolve(in: data) else {
            throw HindsightError(.badInput, "the event data has no \(from)")
        }
        return v
    }

    static func apply(_ op: RuleOperation, data: JSON, to state: JSON?) throws -> JSON? {
        switch op {
        case .delete:
            return nil
        case .merge(let path, let from):
            let patch = try value(from: from, literal: nil, data: data)
            if path.isRoot { return MergePatch.apply(patch, to: state) }
            let base = state ?? .emptyObject
            return try base.setting(path, to: MergePatch.apply(patch, to: path.resolve(in: base)))
        case .replace(let path, let from, let literal):
            let v = try value(from: from, literal: literal, data: data)
            if path.isRoot { return v }
            return try (state ?? .emptyObject).setting(path, to: v)
        case .increment(let path, let from, let by, let negate):
            var amount: JSONNumber
            if let by { amount = by } else {
                let v = try value(from: from, literal: nil, data: data)
                guard let n = v.numberValue else { throw HindsightError(.badInput, "increment: \(from?.description ?? "the data") is a \(v.kindName), not a number") }
                amount = n
            }
            if negate { amount = amount.negated }
            let base = state ?? .emptyObject
            let current = path.resolve(in: base) ?? .int(0)
            guard let n = current.numberValue else {
                throw HindsightError(.badInput, "increment: \(path) holds a \(current.kindName), not a number")
            }
            guard (n.double + amount.double).isFinite else {
                throw HindsightError(.badInput, "increment: \(n) + \(amount) at \(path) is beyond the range of a number")
            }
            return try base.setting(path, to: .number(n + amount))
        case .append(let path, let from, let literal):
            let v = try value(from: from, literal: literal, data: data)
            let base = state ?? .emptyObject
            let current = path.resolve(in: base) ?? .array([])
            guard case .array(var items) = current else {
                throw HindsightError(.badInput, "append: \(path) holds a \(current.kindName), not an array")
            }
            items.append(v)
            return try base.setting(path, to: .array(items))
        case .remove(let path, let from, let literal):
            guard let base = state else { return nil }
            if from == nil && literal == nil { return base.removing(path) }
            let v = try value(from: from, literal: literal, data: data)
            guard case .array(var items) = path.resolve(in: base) ?? .array([]) else {
                throw HindsightError(.badInput, "remove: \(path) is not an array")
            }
            if let i = items.firstIndex(of: v) { items.remove(at: i) }
            return try base.setting(path, to: .array(items))
        }
    }
}
