/// One RFC 6902 JSON Patch operation.
///
/// `path` (and `from`) are JSON Pointers into the document as it is when the operation runs,
/// after the operations before it in the same patch.
public enum JSONPatchOperation: Sendable, Hashable {
    /// Adds `value` at `path`: sets an object member, inserts into an array (`-` appends), or replaces the root.
    case add(path: JSONPointer, value: JSON)
    /// Removes the value at `path`, which must exist.
    case remove(path: JSONPointer)
    /// Replaces the value at `path`, which must exist.
    case replace(path: JSONPointer, value: JSON)
    /// Removes the value at `from` and adds it at `path`.
    case move(from: JSONPointer, path: JSONPointer)
    /// Adds a copy of the value at `from` at `path`.
    case copy(from: JSONPointer, path: JSONPointer)
    /// Fails unless the value at `path` equals `value` (JSON data-model equality).
    case test(path: JSONPointer, value: JSON)

    /// The operation's `op` name: `add`, `remove`, `replace`, `move`, `copy` or `test`.
    public var name: String {
        switch self {
        case .add: return "add"
        case .remove: return "remove"
        case .replace: return "replace"
        case .move: return "move"
        case .copy: return "copy"
        case .test: return "test"
        }
    }

    /// The target location of the operation.
    public var path: JSONPointer {
        switch self {
        case .add(let path, _), .remove(let path), .replace(let path, _), .test(let path, _): return path
        case .move(_, let path), .copy(_, let path): return path
        }
    }

    /// The operation as a JSON object (`{"op":"add","path":"/a","value":1}`).
    public var json: JSON {
        var object: JSONObject = ["op": .string(name)]
        switch self {
        case .add(let path, let value), .replace(let path, let value), .test(let path, let value):
            object["path"] = .string(path.description)
            object["value"] = value
        case .remove(let path):
            object["path"] = .string(path.description)
        case .move(let from, let path), .copy(let from, let path):
            object["from"] = .string(from.description)
            object["path"] = .string(path.description)
        }
        return .object(object)
    }

    /// Reads one operation object; `index` is its position in the patch, for error messages.
    ///
    /// Members other than `op`, `path`, `from` and `value` are ignored, as RFC 6902 section 4 requires.
    public init(json: JSON, index: Int) throws {
        func failure(_ what: String, hint: String? = nil) -> HindsightError {
            HindsightError(.badInput, "JSON Patch operation at index \(index): \(what)", hint: hint)
        }
        guard case .object(let members) = json else {
            throw failure("expected an object, found a \(json.kindName)", hint: "write {\"op\": \"add\", \"path\": \"/a\", \"value\": 1}")
        }
        guard let opValue = members["op"] else {
            throw failure("missing \"op\"", hint: "add one of add, remove, replace, move, copy, test")
        }
        guard case .string(let op) = opValue else {
            throw failure("\"op\" must be a string, found a \(opValue.kindName)")
        }
        func pointer(_ member: String) throws -> JSONPointer {
            guard let value = members[member] else {
                throw failure("\"\(op)\" needs a \"\(member)\" member")
            }
            guard case .string(let text) = value else {
                throw failure("\"\(member)\" must be a string (a JSON Pointer), found a \(value.kindName)")
            }
            do {
                return try JSONPointer(text)
            } catch let error as HindsightError {
                throw failure("\"\(member)\": \(error.message)", hint: error.hint)
            }
        }
        func value() throws -> JSON {
            guard let value = members["value"] else {
                throw failure("\"\(op)\" needs a \"value\" member", hint: "write \"value\": null to use null")
            }
            return value
        }
        switch op {
        case "add": self = .add(path: try pointer("path"), value: try value())
        case "remove": self = .remove(path: try pointer("path"))
        case "replace": self = .replace(path: try pointer("path"), value: try value())
        case "move": self = .move(from: try pointer("from"), path: try pointer("path"))
        case "copy": self = .copy(from: try pointer("from"), path: try pointer("path"))
        case "test": self = .test(path: try pointer("path"), value: try value())
        default:
            throw failure("unknown op \"\(TextSafety.escape(op))\"", hint: "use add, remove, replace, move, copy or test")
        }
    }
}

extension JSONPatchOperation: CustomStringConvertible {
    /// Compact JSON text of the operation.
    public var description: String { JSONSerializer.compact(json) }
}
