/// A watch expression over a record's state and the event that made it (`hindsight find --when`,
/// the explorer's `w`).
///
/// Grammar (precedence low to high):
/// ```
/// expr    := or
/// or      := and ("or" and)*
/// and     := not ("and" not)*
/// not     := "not" not | compare
/// compare := operand (("==" | "!=" | "<" | "<=" | ">" | ">=") operand)?
/// operand := number | string | true | false | null | path | "exists(" path ")" | "changed(" path ")" | "(" expr ")"
/// path    := name ("." name | "[" index "]" | "[*]")*        name: letters, digits, _ and -
/// ```
/// A path reads the record's state after the event (`balance`, `owner.name`, `items[0].sku`,
/// `items[*].sku`); `state.` reads it explicitly, `before.` reads the state before the event, and
/// `event.` reads the event: `event.type`, `event.key`, `event.id`, `event.offset`, `event.time`
/// and `event.data.…`. Strings are in double quotes (JSON escapes).
///
/// A path can stand for several values (`[*]`) or none (absent). A comparison is true when some value
/// on the left and some on the right compare so (`items[*].sku == "A"`: any item); numbers compare
/// by value, strings by Unicode order, other kinds only for (in)equality; `!=` is `not ==`. A bare
/// operand is true when it has a value that is not false or null. `exists(p)` is true when `p` has a
/// value (null counts); `changed(p)` when the values at `p` differ before and after the event.
public indirect enum WatchExpression: Sendable, Equatable, CustomStringConvertible {
    case literal(JSON)
    case path(WatchPath)
    case exists(WatchPath)
    case changed(WatchPath)
    case not(WatchExpression)
    case and(WatchExpression, WatchExpression)
    case or(WatchExpression, WatchExpression)
    case compare(WatchExpression, CompareOp, WatchExpression)

    public enum CompareOp: String, Sendable, Equatable {
        case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    }

    /// Parses expression text; errors name the column (1-based) and what was expected.
    public static func parse(_ text: String) throws -> WatchExpression {
        var p = WatchParser(text)
        return try p.parseWhole()
    }

    public var description: String {
        switch self {
        case .literal(let v): return JSONSerializer.compact(v)
        case .path(let p): return p.description
        case .exists(let p): return "exists(\(p))"
        case .changed(let p): return "changed(\(p))"
        case .not(let e): return "not \(e)"
        case .and(let a, let b): return "(\(a) and \(b))"
        case .or(let a, let b): return "(\(a) or \(b))"
        case .compare(let a, let op, let b): return "\(a.operandDescription) \(op.rawValue) \(b.operandDescription)"
        }
    }

    /// The description as the operand of a comparison (which takes no bare comparison or `not`).
    private var operandDescription: String {
        switch self {
        case .compare, .not: return "(\(description))"
        default: return description
        }
    }

    /// Whether the expression reads the event (`event.…`): only then does a context need it.
    public var readsEvent: Bool {
        switch self {
        case .literal: return false
        case .path(let p), .exists(let p), .changed(let p): return p.root == .event
        case .not(let e): return e.readsEvent
        case .and(let a, let b), .or(let a, let b), .compare(let a, _, let b): return a.readsEvent || b.readsEvent
        }
    }

    /// Whether the expression reads the event or compares before with after (then it is true of
    /// single events rather than of states: `find` reports every event where it holds).
    public var isEventPredicate: Bool {
        switch self {
        case .literal: return false
        case .path(let p), .exists(let p): return p.root == .event || p.root == .before
        case .changed: return true
        case .not(let e): return e.isEventPredicate
        case .and(let a, let b), .or(let a, let b), .compare(let a, _, let b): return a.isEventPredicate || b.isEventPredicate
        }
    }
}

/// A path in a watch expression: where it starts and the steps from there.
public struct WatchPath: Sendable, Equatable, CustomStringConvertible {
    public enum Root: String, Sendable, Equatable {
        case state, before, event
    }

    public enum Step: Sendable, Equatable {
        case member(String)
        case index(Int)
        case all
    }

    public var root: Root
    public var steps: [Step]
    /// How the user wrote it.
    public var text: String

    public var description: String { text }

    /// The values the path reaches in `document` (several through `[*]`, none when absent).
    public func values(in document: JSON?) -> [JSON] {
        guard let document else { return [] }
        var current = [document]
        for step in steps {
            var next: [JSON] = []
            for v in current {
                switch (step, v) {
                case (.member(let name), .object(let o)):
                    if let m = o[name] { next.append(m) }
                case (.index(let i), .array(let a)):
                    let j = i < 0 ? a.count + i : i
                    if j >= 0 && j < a.count { next.append(a[j]) }
                case (.all, .array(let a)): next.append(contentsOf: a)
                case (.all, .object(let o)): next.append(contentsOf: o.values)
                default: break
                }
            }
            current = next
            if current.isEmpty { break }
        }
        return current
    }
}

/// What an expression is evaluated against: one event and the state of its record around it.
public struct WatchContext {
    public var before: JSON?
    public var after: JSON?
    /// The event and its data (parsed once); nil when the expression does not read the event
    /// (``WatchExpression/readsEvent``), so that a scan need not decode every record.
    var event: (record: Record, data: JSON)?
    /// The states as JSON text, for a scan that folds on text: paths into them are resolved on the text
    /// (``WatchPath/values(inText:)``) and `before` and `after` are not used. Valid while evaluating.
    var texts: (before: UnsafeRawBufferPointer?, after: UnsafeRawBufferPointer?)?

    public init(before: JSON?, after: JSON?, record: Record, data: JSON? = nil) {
        self.before = before
        self.after = after
        self.event = (record, data ?? record.data())
    }

    /// A context without the event, for expressions that read only states.
    init(before: JSON?, after: JSON?) {
        self.before = before
        self.after = after
        self.event = nil
    }

    /// A context on the states' texts (valid while the expression is evaluated), with the event if the
    /// expression reads it.
    init(beforeText: UnsafeRawBufferPointer?, afterText: UnsafeRawBufferPointer?, record: Record?) {
        self.before = nil
        self.after = nil
        self.event = record.map { ($0, $0.data()) }
        self.texts = (beforeText, afterText)
    }

    var eventDocument: JSON {
        guard let (record, data) = event else { return .null }
        return [
            "type": .string(record.type), "key": .string(record.key), "id": .string(record.id),
            "offset": .int(record.offset), "time": .string(record.eventTime.iso8601),
            "logTime": .string(record.logTime.iso8601), "data": data,
        ]
    }

    func values(_ path: WatchPath) -> [JSON] {
        switch path.root {
        case .state: return texts.map { path.values(inText: $0.after) } ?? path.values(in: after)
        case .before: return texts.map { path.values(inText: $0.before) } ?? path.values(in: before)
        case .event: return path.values(in: eventDocument)
        }
    }
}

extension WatchExpression {
    /// Evaluates to true or false.
    public func evaluate(_ c: WatchContext) -> Bool {
        switch self {
        case .literal(let v): return WatchExpression.truthy([v])
        case .path(let p): return WatchExpression.truthy(c.values(p))
        case .exists(let p): return !c.values(p).isEmpty
        case .changed(let p):
            var before = p
            before.root = p.root == .state ? .before : p.root
            return c.values(before) != c.values(p)
        case .not(let e): return !e.evaluate(c)
        case .and(let a, let b): return a.evaluate(c) && b.evaluate(c)
        case .or(let a, let b): return a.evaluate(c) || b.evaluate(c)
        case .compare(let a, let op, let b):
            if op == .ne { return !WatchExpression.compare(a.operandValues(c), .eq, b.operandValues(c)) }
            return WatchExpression.compare(a.operandValues(c), op, b.operandValues(c))
        }
    }

    func operandValues(_ c: WatchContext) -> [JSON] {
        switch self {
        case .literal(let v): return [v]
        case .path(let p): return c.values(p)
        default: return [.bool(evaluate(c))]
        }
    }

    static func truthy(_ values: [JSON]) -> Bool {
        values.contains { v in
            switch v {
            case .null, .bool(false): return false
            default: return true
            }
        }
    }

    static func compare(_ left: [JSON], _ op: CompareOp, _ right: [JSON]) -> Bool {
        for l in left {
            for r in right where compareOne(l, op, r) { return true }
        }
        return false
    }

    static func compareOne(_ l: JSON, _ op: CompareOp, _ r: JSON) -> Bool {
        switch op {
        case .eq: return l == r
        case .ne: return l != r
        default: break
        }
        let order: Int
        switch (l, r) {
        case (.number(let a), .number(let b)):
            if let x = a.int64, let y = b.int64 { order = x < y ? -1 : (x == y ? 0 : 1) } else {
                let x = a.double, y = b.double
                order = x < y ? -1 : (x == y ? 0 : 1)
            }
        case (.string(let a), .string(let b)):
            order = a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : (a == b ? 0 : 1)
        default:
            return false
        }
        switch op {
        case .lt: return order < 0
        case .le: return order <= 0
        case .gt: return order > 0
        case .ge: return order >= 0
        case .eq, .ne: return false
        }
    }
}

/// The recursive-descent parser behind `WatchExpression.parse`.
struct WatchParser {
    let text: String
    let chars: [Character]
    var i = 0
    /// Open parentheses and `not`s around the current position: evaluating, printing and comparing an
    /// expression recurse over its tree, so its depth is bounded (chains of `and`/`or` are built as
    /// balanced trees and do not count).
    var nesting = 0
    static let maxNesting = 100

    init(_ text: String) {
        self.text = text
        // One element per Unicode scalar, not per grapheme: a combining mark after "(" or a quote must
        // not glue itself to the punctuation (names and strings are rebuilt from the scalars as written).
        self.chars = text.unicodeScalars.map(Character.init)
    }

    func error(_ what: String, at column: Int? = nil) -> HindsightError {
        let col = (column ?? i) + 1
        return HindsightError(.usage, "expression \"\(TextSafety.escape(text))\": column \(col): \(what)",
                              hint: "e.g. balance < 0, owner.name == \"Ann\", exists(items[0]), changed(status) and event.type == \"WITHDRAW\"")
    }

    mutating func skipSpaces() {
        while i < chars.count, chars[i].isWhitespace { i += 1 }
    }

    mutating func parseWhole() throws -> WatchExpression {
        skipSpaces()
        guard i < chars.count else { throw error("the expression is empty") }
        let e = try parseOr()
        skipSpaces()
        if i < chars.count { throw error("unexpected \"\(TextSafety.escape(String(chars[i])))\"; expected and, or, or the end") }
        return e
    }

    mutating func keyword(_ word: String) -> Bool {
        skipSpaces()
        let w = Array(word)
        guard i + w.count <= chars.count, Array(chars[i..<(i + w.count)]) == w else { return false }
        let after = i + w.count
        if after < chars.count, isNameChar(chars[after]) { return false }
        i = after
        return true
    }

    func isNameChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" || c == "$" }

    mutating func parseOr() throws -> WatchExpression {
        var items = [try parseAnd()]
        while keyword("or") || symbol("||") { items.append(try parseAnd()) }
        return WatchParser.balanced(items[...], WatchExpression.or)
    }

    mutating func parseAnd() throws -> WatchExpression {
        var items = [try parseNot()]
        while keyword("and") || symbol("&&") { items.append(try parseNot()) }
        return WatchParser.balanced(items[...], WatchExpression.and)
    }

    /// `a op b op c ...` as a tree of logarithmic depth, evaluated left to right as written
    /// (`and` and `or` are associative; up to three operands it nests to the left).
    static func balanced(_ items: ArraySlice<WatchExpression>, _ make: (WatchExpression, WatchExpression) -> WatchExpression) -> WatchExpression {
        guard items.count > 1, let first = items.first else { return items.first ?? .literal(.null) }
        if items.count == 2, let last = items.last { return make(first, last) }
        let mid = items.startIndex + (items.count + 1) / 2
        return make(balanced(items[..<mid], make), balanced(items[mid...], make))
    }

    mutating func nest() throws {
        nesting += 1
        if nesting > WatchParser.maxNesting { throw error("nested deeper than \(WatchParser.maxNesting) levels of parentheses and not") }
    }

    mutating func parseNot() throws -> WatchExpression {
        if keyword("not") || symbol("!", unlessFollowedBy: "=") {
            try nest()
            defer { nesting -= 1 }
            return .not(try parseNot())
        }
        return try parseCompare()
    }

    mutating func symbol(_ s: String, unlessFollowedBy next: Character? = nil) -> Bool {
        skipSpaces()
        let w = Array(s)
        guard i + w.count <= chars.count, Array(chars[i..<(i + w.count)]) == w else { return false }
        if let next, i + w.count < chars.count, chars[i + w.count] == next { return false }
        i += w.count
        return true
    }

    mutating func parseCompare() throws -> WatchExpression {
        let left = try parseOperand()
        skipSpaces()
        let start = i
        for op in [WatchExpression.CompareOp.eq, .ne, .le, .ge, .lt, .gt] where symbol(op.rawValue) {
            skipSpaces()
            guard i < chars.count else { throw error("expected a value after \(op.rawValue)") }
            return .compare(left, op, try parseOperand())
        }
        if symbol("=") { throw error("use == to compare", at: start) }
        return left
    }

    mutating func parseOperand() throws -> WatchExpression {
        skipSpaces()
        guard i < chars.count else { throw error("expected a value, a path or (") }
        let c = chars[i]
        if c == "(" {
            i += 1
            try nest()
            defer { nesting -= 1 }
            let e = try parseOr()
            skipSpaces()
            guard i < chars.count, chars[i] == ")" else { throw error("expected )") }
            i += 1
            return e
        }
        if c == "\"" { return .literal(.string(try parseString())) }
        if c.isNumber || (c == "-" && i + 1 < chars.count && chars[i + 1].isNumber) { return .literal(try parseNumber()) }
        if keyword("true") { return .literal(.bool(true)) }
        if keyword("false") { return .literal(.bool(false)) }
        if keyword("null") { return .literal(.null) }
        for (name, make) in [("exists", WatchExpression.exists), ("changed", WatchExpression.changed)] {
            let save = i
            if keyword(name) {
                skipSpaces()
                if i < chars.count, chars[i] == "(" {
                    i += 1
                    let p = try parsePath()
                    skipSpaces()
                    guard i < chars.count, chars[i] == ")" else { throw error("expected ) after the path of \(name)(") }
                    i += 1
                    return make(p)
                }
                i = save
            }
        }
        if isNameChar(c) { return .path(try parsePath()) }
        throw error("unexpected \"\(TextSafety.escape(String(c)))\"; expected a value, a path or (")
    }

    mutating func parseString() throws -> String {
        let start = i
        i += 1
        var raw = "\""
        while i < chars.count {
            let c = chars[i]
            raw.append(c)
            i += 1
            if c == "\\", i < chars.count {
                raw.append(chars[i])
                i += 1
                continue
            }
            if c == "\"" {
                guard case .string(let s)? = try? JSONParser.parse(raw) else { throw error("invalid string", at: start) }
                return s
            }
        }
        throw error("unterminated string", at: start)
    }

    mutating func parseNumber() throws -> JSON {
        let start = i
        var s = ""
        if chars[i] == "-" { s.append("-"); i += 1 }
        while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i] == "e" || chars[i] == "E" || ((chars[i] == "+" || chars[i] == "-") && (s.last == "e" || s.last == "E")) {
            s.append(chars[i])
            i += 1
        }
        guard case .number(let n)? = try? JSONParser.parse(s) else { throw error("invalid number \(s)", at: start) }
        return .number(n)
    }

    mutating func parsePath() throws -> WatchPath {
        skipSpaces()
        let start = i
        var names: [WatchPath.Step] = []
        func name() throws -> String {
            let s = i
            while i < chars.count, isNameChar(chars[i]) { i += 1 }
            guard i > s else { throw error("expected a field name") }
            return String(chars[s..<i])
        }
        names.append(.member(try name()))
        while i < chars.count {
            if chars[i] == "." {
                i += 1
                names.append(.member(try name()))
            } else if chars[i] == "[" {
                i += 1
                if i < chars.count, chars[i] == "*" {
                    i += 1
                    names.append(.all)
                } else {
                    let s = i
                    if i < chars.count, chars[i] == "-" { i += 1 }
                    while i < chars.count, chars[i].isNumber { i += 1 }
                    guard let n = Int(String(chars[s..<i])) else { throw error("expected an index or * inside [ ]") }
                    names.append(.index(n))
                }
                guard i < chars.count, chars[i] == "]" else { throw error("expected ]") }
                i += 1
            } else {
                break
            }
        }
        var root = WatchPath.Root.state
        if case .member(let first) = names[0], let r = WatchPath.Root(rawValue: first), names.count > 1 {
            root = r
            names.removeFirst()
        }
        return WatchPath(root: root, steps: names, text: String(chars[start..<i]))
    }
}
