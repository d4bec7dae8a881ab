extension JSONPatch {
    /// Applies the operations in order to `document`, as RFC 6902 section 4 specifies.
    ///
    /// Atomic: the result is returned only when every operation succeeds; `document` is a value
    /// and is never changed. A patch that removes the whole document (`remove` at `""`) fails here;
    /// use ``apply(toRecord:)`` where "no record" is an allowed result.
    ///
    /// - Throws: `HindsightError(.badInput)` naming the failing operation's index, op and path, and why.
    /// - Complexity: per operation O(depth of its path + size of the containers it changes).
    public func apply(to document: JSON) throws -> JSON {
        guard let result = try apply(toRecord: document) else {
            throw HindsightError(.badInput, "JSON Patch removes the whole document", hint: "a document cannot be absent here")
        }
        return result
    }

    /// Applies the operations in order to a record that may not exist (`nil`).
    ///
    /// `remove` at the root path `""` deletes the record (the result becomes nil) and `add` at the
    /// root creates it; any other operation on a missing record fails.
    ///
    /// - Throws: `HindsightError(.badInput)` naming the failing operation's index, op and path, and why.
    public func apply(toRecord record: JSON?) throws -> JSON? {
        var current = record
        for (index, operation) in operations.enumerated() {
            do {
                try operation.apply(to: &current)
            } catch let failure as PatchFailure {
                throw HindsightError(
                    .badInput,
                    "JSON Patch operation at index \(index) (\(operation.name) \"\(TextSafety.escape(failure.path.description))\") failed: \(failure.reason)",
                    hint: failure.hint)
            }
        }
        return current
    }
}

/// Why one operation could not be applied (wrapped into a `HindsightError` with the operation's index).
struct PatchFailure: Error {
    var path: JSONPointer
    var reason: String
    var hint: String? = nil
}

extension JSONPatchOperation {
    /// Applies this operation to `document` in place (nil = no record).
    func apply(to document: inout JSON?) throws {
        switch self {
        case .add(let path, let value):
            try JSONPatchOperation.add(value, at: path, in: &document)
        case .remove(let path):
            _ = try JSONPatchOperation.remove(at: path, in: &document)
        case .replace(let path, let value):
            if path.isRoot {
                guard document != nil else { throw PatchFailure(path: path, reason: "the record does not exist") }
                document = value
            } else {
                try JSONPatchOperation.modifyContainer(of: path, in: &document) { container, token in
                    try container.replaceChild(token, with: value, path: path)
                }
            }
        case .move(let from, let path):
            if from == path {
                guard let document, from.resolve(in: document) != nil else {
                    throw PatchFailure(path: from, reason: "\"from\" location does not exist")
                }
                return
            }
            if from.tokens.count < path.tokens.count, Array(path.tokens.prefix(from.tokens.count)) == from.tokens {
                throw PatchFailure(path: path, reason: "cannot move a value into one of its own children",
                                   hint: "\"from\" must not be a prefix of \"path\"")
            }
            let value = try JSONPatchOperation.remove(at: from, in: &document, role: "\"from\" location")
            try JSONPatchOperation.add(value, at: path, in: &document)
        case .copy(let from, let path):
            guard let snapshot = document, let value = from.resolve(in: snapshot) else {
                throw PatchFailure(path: from, reason: "\"from\" location does not exist")
            }
            try JSONPatchOperation.add(value, at: path, in: &document)
        case .test(let path, let value):
            guard let document, let actual = path.resolve(in: document) else {
                throw PatchFailure(path: path, reason: "path does not exist")
            }
            guard actual == value else {
                throw PatchFailure(path: path, reason: "test failed: the value is \(TextSafety.truncate(JSONSerializer.compact(actual), toWidth: 60)), not \(TextSafety.truncate(JSONSerializer.compact(value), toWidth: 60))")
            }
        }
    }

    /// Adds `value` at `path`: the root, an object member (set or replaced), or an array position.
    static func add(_ value: JSON, at path: JSONPointer, in document: inout JSON?) throws {
        if path.isRoot {
            document = value
            return
        }
        try modifyContainer(of: path, in: &document) { container, token in
            try container.insertChild(token, value, path: path)
        }
    }

    /// Removes and returns the value at `path`; the root makes the record absent.
    static func remove(at path: JSONPointer, in document: inout JSON?, role: String = "path") throws -> JSON {
        if path.isRoot {
            guard let removed = document else { throw PatchFailure(path: path, reason: "the record does not exist") }
            document = nil
            return removed
        }
        var removed = JSON.null
        try modifyContainer(of: path, in: &document) { container, token in
            removed = try container.removeChild(token, path: path, role: role)
        }
        return removed
    }

    /// Walks to the container holding `path`'s last token and runs `body` on it in place.
    static func modifyContainer(of path: JSONPointer, in document: inout JSON?,
                                _ body: (inout JSON, String) throws -> Void) throws {
        guard var root = document else { throw PatchFailure(path: path, reason: "the record does not exist") }
        document = nil  // keep `root` uniquely referenced so the change happens in place
        try root.modifyContainer(tokens: path.tokens[...], path: path, body)
        document = root
    }
}

extension JSON {
    /// Descends through all tokens but the last, then runs `body` on the container and the last token.
    fileprivate mutating func modifyContainer(tokens: ArraySlice<String>, path: JSONPointer,
                                              _ body: (inout JSON, String) throws -> Void) throws {
        guard let token = tokens.first else { return }
        let rest = tokens.dropFirst()
        if rest.isEmpty {
            try body(&self, token)
            return
        }
        let parentPath = JSONPointer(tokens: Array(path.tokens.prefix(path.tokens.count - rest.count)))
        switch self {
        case .object(var object):
            guard let index = object.index(forKey: token) else {
                throw PatchFailure(path: path, reason: "\"\(TextSafety.escape(parentPath.description))\" does not exist")
            }
            self = .null
            defer { self = .object(object) }
            try object.values[index].modifyContainer(tokens: rest, path: path, body)
        case .array(var array):
            guard let index = JSONPointer.arrayIndex(token), index < array.count else {
                throw PatchFailure(path: path, reason: "\"\(TextSafety.escape(parentPath.description))\" does not exist (\(JSON.describeIndexProblem(token, count: array.count)))")
            }
            self = .null
            defer { self = .array(array) }
            try array[index].modifyContainer(tokens: rest, path: path, body)
        default:
            throw PatchFailure(path: path, reason: "\"\(TextSafety.escape(parentPath.description))\" does not exist: its parent is a \(kindName)")
        }
    }

    /// Sets member `token` of an object, or inserts at index `token` (`-` appends) of an array.
    fileprivate mutating func insertChild(_ token: String, _ value: JSON, path: JSONPointer) throws {
        switch self {
        case .object(var object):
            self = .null
            object[token] = value
            self = .object(object)
        case .array(var array):
            let index: Int
            if token == "-" {
                index = array.count
            } else if let i = JSONPointer.arrayIndex(token), i <= array.count {
                index = i
            } else {
                throw PatchFailure(path: path, reason: JSON.describeIndexProblem(token, count: array.count, allowEnd: true))
            }
            self = .null
            array.insert(value, at: index)
            self = .array(array)
        default:
            throw PatchFailure(path: path, reason: "cannot add a member to a \(kindName)")
        }
    }

    /// Replaces an existing member or element.
    fileprivate mutating func replaceChild(_ token: String, with value: JSON, path: JSONPointer) throws {
        switch self {
        case .object(var object):
            guard let index = object.index(forKey: token) else {
                throw PatchFailure(path: path, reason: "path does not exist", hint: "use \"add\" to create a member")
            }
            self = .null
            object.values[index] = value
            self = .object(object)
        case .array(var array):
            guard let index = JSONPointer.arrayIndex(token), index < array.count else {
                throw PatchFailure(path: path, reason: JSON.describeIndexProblem(token, count: array.count))
            }
            self = .null
            array[index] = value
            self = .array(array)
        default:
            throw PatchFailure(path: path, reason: "path does not exist: its parent is a \(kindName)")
        }
    }

    /// Removes and returns an existing member or element.
    fileprivate mutating func removeChild(_ token: String, path: JSONPointer, role: String) throws -> JSON {
        switch self {
        case .object(var object):
            guard object.index(forKey: token) != nil else {
                throw PatchFailure(path: path, reason: "\(role) does not exist")
            }
            self = .null
            let removed = object.removeValue(forKey: token) ?? .null
            self = .object(object)
            return removed
        case .array(var array):
            guard let index = JSONPointer.arrayIndex(token), index < array.count else {
                throw PatchFailure(path: path, reason: "\(role) does not exist (\(JSON.describeIndexProblem(token, count: array.count)))")
            }
            self = .null
            let removed = array.remove(at: index)
            self = .array(array)
            return removed
        default:
            throw PatchFailure(path: path, reason: "\(role) does not exist: its parent is a \(kindName)")
        }
    }

    /// Explains why `token` is not a usable index into an array of `count` elements.
    fileprivate static func describeIndexProblem(_ token: String, count: Int, allowEnd: Bool = false) -> String {
        let shown = TextSafety.truncate(token, toWidth: 24)
        if let index = JSONPointer.arrayIndex(token) {
            let size = count == 0 ? "the array is empty" : "the array has \(count) element\(count == 1 ? "" : "s")"
            return "index \(index) is out of bounds: \(size)\(allowEnd ? ", so the largest index to add at is \(count)" : "")"
        }
        if token == "-" { return "\"-\" (the end of the array) names no element here" }
        return "\"\(shown)\" is not an array index (digits without leading zeros\(allowEnd ? ", or -" : ""))"
    }
}
