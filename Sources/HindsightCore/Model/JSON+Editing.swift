/// Immutable edits of a JSON document at a JSON Pointer.
extension JSON {
    /// A copy with `value` at `pointer`, creating missing objects on the way. An array token may be an
    /// index (replacing that element; one past the end appends) or `-` (append).
    /// - Throws: when the path goes through a scalar or names an array index out of range.
    public func setting(_ pointer: JSONPointer, to value: JSON) throws -> JSON {
        try JSON.set(self, tokens: pointer.tokens[...], value: value, pointer: pointer)
    }

    private static func set(_ doc: JSON, tokens: ArraySlice<String>, value: JSON, pointer: JSONPointer) throws -> JSON {
        guard let token = tokens.first else { return value }
        let rest = tokens.dropFirst()
        switch doc {
        case .object(var o):
            let child = o[token] ?? (rest.isEmpty ? .null : .emptyObject)
            o[token] = try set(child, tokens: rest, value: value, pointer: pointer)
            return .object(o)
        case .array(var a):
            if token == "-" {
                a.append(try set(.emptyObject, tokens: rest, value: value, pointer: pointer))
                return .array(a)
            }
            guard let i = JSONPointer.arrayIndex(token), i <= a.count else {
                throw HindsightError(.badInput, "\(pointer): \"\(TextSafety.escape(token))\" is not an index of an array of \(a.count)")
            }
            if i == a.count {
                a.append(try set(.emptyObject, tokens: rest, value: value, pointer: pointer))
            } else {
                a[i] = try set(a[i], tokens: rest, value: value, pointer: pointer)
            }
            return .array(a)
        case .null:
            return try set(.emptyObject, tokens: tokens, value: value, pointer: pointer)
        default:
            throw HindsightError(.badInput, "\(pointer): cannot go into a \(doc.kindName)")
        }
    }

    /// A copy without the member or element at `pointer`; unchanged when it is absent.
    public func removing(_ pointer: JSONPointer) -> JSON {
        JSON.remove(self, tokens: pointer.tokens[...])
    }

    private static func remove(_ doc: JSON, tokens: ArraySlice<String>) -> JSON {
        guard let token = tokens.first else { return doc }
        let rest = tokens.dropFirst()
        switch doc {
        case .object(var o):
            guard let child = o[token] else { return doc }
            if rest.isEmpty { o.removeValue(forKey: token) } else { o[token] = remove(child, tokens: rest) }
            return .object(o)
        case .array(var a):
            guard let i = JSONPointer.arrayIndex(token), i < a.count else { return doc }
            if rest.isEmpty { a.remove(at: i) } else { a[i] = remove(a[i], tokens: rest) }
            return .array(a)
        default:
            return doc
        }
    }
}
