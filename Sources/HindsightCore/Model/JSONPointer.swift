/// An RFC 6901 JSON Pointer: a list of reference tokens (`/a/b~1c` is `["a", "b/c"]`).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public var tokens: [String]

    public init(tokens: [String]) { self.tokens = tokens }

    /// The pointer to the whole document.
    public static let root = JSONPointer(tokens: [])

    /// Parses pointer text; it must be empty or start with `/`.
    public init(_ text: String) throws {
        if text.isEmpty { self.tokens = []; return }
        guard text.hasPrefix("/") else {
            throw HindsightError(.usage, "JSON Pointer \"\(TextSafety.escape(text))\" must start with '/'", hint: "write /balance, or \"\" for the whole document")
        }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var it = raw.makeIterator()
            while let c = it.next() {
                if c == "~" {
                    switch it.next() {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default:
                        throw HindsightError(.usage, "JSON Pointer \"\(TextSafety.escape(text))\" has a '~' not followed by 0 or 1", hint: "write ~0 for '~' and ~1 for '/'")
                    }
                } else {
                    token.append(c)
                }
            }
            tokens.append(token)
        }
        // Editing walks a pointer recursively: keep it within the depth a parsed document can have.
        guard tokens.count <= JSONReadOptions.standard.maxDepth else {
            throw HindsightError(.usage, "JSON Pointer \"\(TextSafety.escape(String(text.prefix(40))))…\" has \(tokens.count) levels; the limit is \(JSONReadOptions.standard.maxDepth)")
        }
        self.tokens = tokens
    }

    /// The pointer text with `~` and `/` escaped.
    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
    }

    public var isRoot: Bool { tokens.isEmpty }
    public var parent: JSONPointer { JSONPointer(tokens: Array(tokens.dropLast())) }
    public var last: String? { tokens.last }

    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }
    public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }

    /// The array index a token names, if it is a valid one (no leading zeros, no sign).
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if token.count > 1 && token.hasPrefix("0") { return nil }
        return Int(token)
    }

    /// The value at this pointer in `document`, or nil when absent.
    public func resolve(in document: JSON) -> JSON? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let o):
                guard let next = o[token] else { return nil }
                current = next
            case .array(let a):
                guard let i = JSONPointer.arrayIndex(token), i < a.count else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }
}

/// A field path as users write it: dotted (`repo.name`) or a JSON Pointer (`/repo/name`).
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// Object member names from the root.
    public let components: [String]
    /// The text the user wrote.
    public let text: String

    public init(_ text: String) throws {
        self.text = text
        if text.hasPrefix("/") || text.isEmpty {
            self.components = try JSONPointer(text).tokens
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if parts.contains(where: \.isEmpty) {
                throw HindsightError(.usage, "field path \"\(TextSafety.escape(text))\" has an empty component", hint: "write a.b.c, or a JSON Pointer such as /a/b.c for names with dots")
            }
            self.components = parts
        }
    }

    public init(components: [String]) {
        self.components = components
        self.text = components.joined(separator: ".")
    }

    public var description: String { text }
    public var pointer: JSONPointer { JSONPointer(tokens: components) }

    /// The value at this path in `document`, or nil when absent.
    public func resolve(in document: JSON) -> JSON? { pointer.resolve(in: document) }
}
