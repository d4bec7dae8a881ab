import HindsightCore
import PropertyBased

/// Helpers shared by the diff, JSON Patch and merge patch tests.
enum DiffTestSupport {
    /// Parses JSON text written in a test.
    static func json(_ text: String) throws -> JSON { try JSONParser.parse(text) }

    /// Parses a JSON Pointer written in a test.
    static func pointer(_ text: String) throws -> JSONPointer { try JSONPointer(text) }

    /// Parses a JSON Patch written in a test and applies it to `document`.
    static func apply(_ patch: String, to document: String) throws -> JSON {
        try JSONPatch(parsing: patch).apply(to: try json(document))
    }

    /// Random JSON values of bounded depth (objects, arrays, strings, numbers, booleans, nulls),
    /// shrinking towards smaller values.
    static let randomJSON = Generator<JSON, [JSON]>(
        run: { rng in RandomJSON.document(depth: 3, using: &rng) },
        shrink: { RandomJSON.smaller($0) }
    )

    /// Pairs of a random value and an edited copy of it, so the two share most of their structure.
    static let relatedPair = Generator<(JSON, JSON), Shrink.None<(JSON, JSON)>>(
        run: { rng in
            let a = RandomJSON.document(depth: 4, using: &rng)
            return (a, RandomJSON.edited(a, edits: Int.random(in: 1...4, using: &rng), using: &rng))
        }
    )
}

/// Builders of random JSON for property tests.
enum RandomJSON {
    /// Member names: a few common ones plus names that need pointer escaping.
    static let names = ["a", "b", "c", "id", "items", "x", "", "a/b", "m~n", "0", "-"]
    /// String values, including one with a control character.
    static let strings = ["", "apple", "pear", "Al", "naïve", "line\nbreak", "0"]

    /// A random value that is usually an object or an array (as records are), nesting at most `depth` levels.
    static func document(depth: Int, using rng: inout any SeededRandomNumberGenerator) -> JSON {
        while true {
            let candidate = value(depth: depth, using: &rng)
            if candidate.objectValue != nil || candidate.arrayValue != nil || Int.random(in: 0..<4, using: &rng) == 0 {
                return candidate
            }
        }
    }

    /// A random value whose containers nest at most `depth` levels.
    static func value(depth: Int, using rng: inout any SeededRandomNumberGenerator) -> JSON {
        let kind = Int.random(in: 0..<(depth > 0 ? 8 : 5), using: &rng)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            if Int.random(in: 0..<4, using: &rng) == 0 { return .double(Double(Int.random(in: -20...20, using: &rng)) / 4) }
            return .int(Int64.random(in: -5...200, using: &rng))
        case 3, 4: return .string(strings.randomElement(using: &rng) ?? "")
        case 5: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in value(depth: depth - 1, using: &rng) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                object[names.randomElement(using: &rng) ?? "a"] = value(depth: depth - 1, using: &rng)
            }
            return .object(object)
        }
    }

    /// `value` with `edits` random edits: scalars changed, elements inserted or removed, members added or dropped.
    static func edited(_ value: JSON, edits: Int, using rng: inout any SeededRandomNumberGenerator) -> JSON {
        var result = value
        for _ in 0..<edits { result = edit(result, using: &rng) }
        return result
    }

    /// One random edit somewhere inside `value`.
    static func edit(_ value: JSON, using rng: inout any SeededRandomNumberGenerator) -> JSON {
        let descend = Int.random(in: 0..<3, using: &rng) > 0
        switch value {
        case .array(var array):
            if descend, !array.isEmpty {
                let i = Int.random(in: 0..<array.count, using: &rng)
                array[i] = edit(array[i], using: &rng)
            } else if Bool.random(using: &rng) || array.isEmpty {
                array.insert(self.value(depth: 2, using: &rng), at: Int.random(in: 0...array.count, using: &rng))
            } else {
                array.remove(at: Int.random(in: 0..<array.count, using: &rng))
            }
            return .array(array)
        case .object(var object):
            if descend, !object.isEmpty {
                let i = Int.random(in: 0..<object.count, using: &rng)
                object.values[i] = edit(object.values[i], using: &rng)
            } else if Bool.random(using: &rng) || object.isEmpty {
                object[names.randomElement(using: &rng) ?? "a"] = self.value(depth: 2, using: &rng)
            } else {
                object.removeValue(forKey: object.keys[Int.random(in: 0..<object.count, using: &rng)])
            }
            return .object(object)
        default:
            return self.value(depth: 1, using: &rng)
        }
    }

    /// Strictly smaller values, for shrinking: children, containers with one entry fewer, simpler scalars.
    static func smaller(_ value: JSON) -> [JSON] {
        switch value {
        case .null: return []
        case .bool(false), .string(""): return [.null]
        case .number(let n) where n == JSONNumber(0): return [.null]
        case .bool, .string, .number: return [.null, value.boolValue != nil ? .bool(false) : value.stringValue != nil ? .string("") : .int(0)]
        case .array(let array):
            var out: [JSON] = [.null]
            out += array
            out += array.indices.map { i in .array(Array(array[..<i] + array[(i + 1)...])) }
            return out
        case .object(let object):
            var out: [JSON] = [.null]
            out += object.values
            out += object.keys.map { key in
                var fewer = object
                fewer.removeValue(forKey: key)
                return .object(fewer)
            }
            return out
        }
    }

    /// `value` with every `null` object member dropped (what a merge patch can express).
    static func withoutNullMembers(_ value: JSON) -> JSON {
        switch value {
        case .array(let array): return .array(array.map(withoutNullMembers))
        case .object(let object):
            var kept = JSONObject()
            for (name, member) in object where !member.isNull { kept[name] = withoutNullMembers(member) }
            return .object(kept)
        default: return value
        }
    }
}
