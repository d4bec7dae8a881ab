/// One operation of a fold rule (DESIGN.md "Rules file").
public enum RuleOperation: Sendable, Equatable {
    /// RFC 7396 merge of the event data (or the value at `from`) into the state at `path`.
    case merge(path: JSONPointer, from: JSONPointer?)
    /// The value at `path` (the whole state at the root) becomes the literal `value`, or the data at `from`, or the data.
    case replace(path: JSONPointer, from: JSONPointer?, value: JSON?)
    /// Adds a number (the literal `by`, or the data at `from`) to the number at `path` (absent counts as 0).
    case increment(path: JSONPointer, from: JSONPointer?, by: JSONNumber?, negate: Bool)
    /// Pushes a value (literal, data at `from`, or the data) onto the array at `path`.
    case append(path: JSONPointer, from: JSONPointer?, value: JSON?)
    /// Without a value: deletes `path`. With `from` or `value`: removes the first equal element of the array at `path`.
    case remove(path: JSONPointer, from: JSONPointer?, value: JSON?)
    /// Tombstone: the record leaves the state; its history stays in the log.
    case delete
}

/// How events fold into record state: per-type operations, a default, and the import field mapping.
public struct Rules: Sendable, Equatable {
    /// The field mapping from the rules file's `fields`, if it has one.
    public var fields: FieldMapping?
    public var types: [String: [RuleOperation]]
    public var defaultOperations: [RuleOperation]
    /// The rules as written (stored with a log by `import --rules`).
    public var source: JSON

    /// Every event merged into its record as an RFC 7396 merge patch.
    public static let mergeAll = Rules(fields: nil, types: [:], defaultOperations: [.merge(path: .root, from: nil)], source: .emptyObject)

    init(fields: FieldMapping?, types: [String: [RuleOperation]], defaultOperations: [RuleOperation], source: JSON) {
        self.fields = fields
        self.types = types
        self.defaultOperations = defaultOperations
        self.source = source
    }

    /// The operations for an event type.
    public func operations(for type: String) -> [RuleOperation] {
        types[type] ?? defaultOperations
    }

    /// Reads a rules file's text; errors name the file and the place in it.
    public static func parse(_ bytes: [UInt8], name: String) throws -> Rules {
        let json: JSON
        do { json = try JSONParser.parse(bytes) } catch {
            throw HindsightError(.usage, "\(name): invalid JSON: \(error)", hint: "a rules file is a JSON object; see DESIGN.md or sample-data/*.rules.json")
        }
        do {
            return try Rules(json: json)
        } catch let error as HindsightError {
            throw HindsightError(error.code, "\(name): \(error.message)", hint: error.hint)
        }
    }

    /// Reads rules from their JSON form.
    public init(json: JSON) throws {
        guard case .object(let o) = json else {
            throw HindsightError(.usage, "the rules must be a JSON object with \"types\" and/or \"default\"")
        }
        for key in o.keys where !["fields", "types", "default", "description"].contains(key) {
            throw HindsightError(.usage, "unknown member \"\(TextSafety.escape(key))\" in the rules", hint: "use fields, types, default")
        }
        self.source = json
        self.fields = try o["fields"].map { try FieldMapping(json: $0) }
        var types: [String: [RuleOperation]] = [:]
        if let t = o["types"] {
            guard case .object(let to) = t else { throw HindsightError(.usage, "\"types\" must be an object of type -> operations") }
            for (type, ops) in to {
                types[type] = try Rules.operations(ops, context: "types.\(TextSafety.escape(type))")
            }
        }
        self.types = types
        self.defaultOperations = try o["default"].map { try Rules.operations($0, context: "default") } ?? [.merge(path: .root, from: nil)]
    }

    static func operations(_ json: JSON, context: String) throws -> [RuleOperation] {
        guard case .array(let items) = json else {
            throw HindsightError(.usage, "\(context) must be an array of operations such as [{\"op\": \"merge\"}]")
        }
        var out: [RuleOperation] = []
        for (i, item) in items.enumerated() {
            out.append(try operation(item, context: "\(context)[\(i)]"))
        }
        return out
    }

    static func operation(_ json: JSON, context: String) throws -> RuleOperation {
        guard case .object(let o) = json, let op = o["op"]?.stringValue else {
            throw HindsightError(.usage, "\(context): an operation is an object with an \"op\" member")
        }
        func pointer(_ name: String) throws -> JSONPointer? {
            guard let v = o[name] else { return nil }
            guard let s = v.stringValue else { throw HindsightError(.usage, "\(context): \"\(name)\" must be a JSON Pointer string such as \"/balance\"") }
            do { return try JSONPointer(s) } catch let e as HindsightError {
                throw HindsightError(.usage, "\(context): \(e.message)", hint: e.hint)
            }
        }
        let allowed: Set<String>
        let result: RuleOperation
        switch op {
        case "merge":
            allowed = ["op", "path", "from"]
            result = .merge(path: try pointer("path") ?? .root, from: try pointer("from"))
        case "replace", "set":
            allowed = ["op", "path", "from", "value"]
            result = .replace(path: try pointer("path") ?? .root, from: try pointer("from"), value: o["value"])
        case "increment":
            allowed = ["op", "path", "from", "by", "negate"]
            guard let path = try pointer("path") else { throw HindsightError(.usage, "\(context): increment needs a \"path\"") }
            var by: JSONNumber?
            if let b = o["by"] {
                guard let n = b.numberValue else { throw HindsightError(.usage, "\(context): \"by\" must be a number") }
                by = n
            }
            let from = try pointer("from")
            if by == nil && from == nil { throw HindsightError(.usage, "\(context): increment needs \"from\" (a pointer into the event data) or \"by\" (a number)") }
            var negate = false
            if let n = o["negate"] {
                guard let b = n.boolValue else { throw HindsightError(.usage, "\(context): \"negate\" must be true or false") }
                negate = b
            }
            result = .increment(path: path, from: from, by: by, negate: negate)
        case "append":
            allowed = ["op", "path", "from", "value"]
            guard let path = try pointer("path") else { throw HindsightError(.usage, "\(context): append needs a \"path\"") }
            result = .append(path: path, from: try pointer("from"), value: o["value"])
        case "remove":
            allowed = ["op", "path", "from", "value"]
            guard let path = try pointer("path"), !path.isRoot else {
                throw HindsightError(.usage, "\(context): remove needs a non-root \"path\"", hint: "use {\"op\": \"delete\"} to tombstone the whole record")
            }
            result = .remove(path: path, from: try pointer("from"), value: o["value"])
        case "delete":
            allowed = ["op"]
            result = .delete
        default:
            throw HindsightError(.usage, "\(context): unknown operation \"\(TextSafety.escape(op))\"",
                                 hint: "use merge, replace (or set), increment, append, remove or delete")
        }
        for key in o.keys where !allowed.contains(key) {
            throw HindsightError(.usage, "\(context): \"\(TextSafety.escape(key))\" is not a member of a \(op) operation",
                                 hint: "\(op) takes " + allowed.sorted().joined(separator: ", "))
        }
        return result
    }
}
