#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON syntax error with the byte offset where it was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 0-based byte offset into the parsed text.
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}

/// Options for reading JSON.
public struct JSONReadOptions: Sendable {
    /// Documents nested deeper than this are refused (protects the stack).
    public var maxDepth: Int = 512
    /// Whether a repeated member name in one object is an error (else the last one wins).
    public var rejectDuplicateKeys: Bool = false

    public init(maxDepth: Int = 512, rejectDuplicateKeys: Bool = false) {
        self.maxDepth = maxDepth
        self.rejectDuplicateKeys = rejectDuplicateKeys
    }

    public static let standard = JSONReadOptions()
}

/// A strict RFC 8259 parser over UTF-8 bytes; numbers are kept exactly as written.
public enum JSONParser {
    /// Parses one complete JSON document.
    /// - Complexity: O(n) in the input size; recursion depth bounded by `options.maxDepth`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, options: JSONReadOptions = .standard) throws(JSONParseError) -> JSON {
        var buffers = JSONParseBuffers()
        return try parse(bytes, options: options, buffers: &buffers)
    }

    /// Parses one complete document, reusing `buffers` (its stacks keep their capacity between calls,
    /// which saves a few allocations per small document in a loop).
    static func parse(_ bytes: UnsafeRawBufferPointer, options: JSONReadOptions = .standard, buffers: inout JSONParseBuffers) throws(JSONParseError) -> JSON {
        var reader = JSONByteReader(bytes.bindMemory(to: UInt8.self), options: options)
        swap(&reader.stackKeys, &buffers.keys)
        swap(&reader.stackValues, &buffers.values)
        swap(&reader.stackKeyStarts, &buffers.keyStarts)
        swap(&reader.scratch, &buffers.scratch)
        defer {
            reader.stackKeys.removeAll(keepingCapacity: true)
            reader.stackValues.removeAll(keepingCapacity: true)
            reader.stackKeyStarts.removeAll(keepingCapacity: true)
            swap(&reader.stackKeys, &buffers.keys)
            swap(&reader.stackValues, &buffers.values)
            swap(&reader.stackKeyStarts, &buffers.keyStarts)
            swap(&reader.scratch, &buffers.scratch)
        }
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if reader.index < reader.end {
            throw JSONParseError(offset: reader.index, reason: "unexpected content after the JSON value")
        }
        return value
    }

    public static func parse(_ bytes: [UInt8], options: JSONReadOptions = .standard) throws(JSONParseError) -> JSON {
        do {
            return try bytes.withUnsafeBytes { raw in try parse(raw, options: options) }
        } catch let error as JSONParseError {
            throw error
        } catch {
            throw JSONParseError(offset: 0, reason: "\(error)")
        }
    }

    public static func parse(_ text: String, options: JSONReadOptions = .standard) throws(JSONParseError) -> JSON {
        try parse(Array(text.utf8), options: options)
    }

    /// Validates a document and returns the byte ranges of the values at the given member paths
    /// (each path a list of object member names; an empty path is the whole document), without
    /// building a tree. A path that is absent gives nil.
    public static func locate(_ bytes: UnsafeRawBufferPointer, paths: [[String]], options: JSONReadOptions = .standard) throws(JSONParseError) -> [Range<Int>?] {
        // The scan follows at most 64 paths at once; more (never needed by the importers) take a scan per 64.
        var found: [Range<Int>?] = []
        found.reserveCapacity(paths.count)
        var first = 0
        repeat {
            let chunk = Array(paths[first..<min(first + 64, paths.count)])
            var part = [Range<Int>?](repeating: nil, count: chunk.count)
            try locate(bytes, paths: MemberPaths(chunk), found: &part, options: options)
            found += part
            first += 64
        } while first < paths.count
        return found
    }

    /// `locate` with paths compiled once (at most 64), filling `found` (which has one slot per path).
    static func locate(_ bytes: UnsafeRawBufferPointer, paths: MemberPaths, found: inout [Range<Int>?],
                       options: JSONReadOptions = .standard) throws(JSONParseError) {
        var reader = JSONByteReader(bytes.bindMemory(to: UInt8.self), options: options)
        for i in found.indices { found[i] = nil }
        reader.skipWhitespace()
        let start = reader.index
        try reader.scanValue(depth: 0, level: 0, active: paths.nonEmpty, paths: paths, found: &found)
        let end = reader.index
        for i in paths.components.indices where paths.components[i].isEmpty { found[i] = start..<end }
        reader.skipWhitespace()
        if reader.index < reader.end {
            throw JSONParseError(offset: reader.index, reason: "unexpected content after the JSON value")
        }
    }
}

/// Object member paths compiled for ``JSONParser/locate(_:paths:found:options:)``: UTF-8 names,
/// matched with a bit mask of the paths still possible at each level (at most 64 paths).
struct MemberPaths: Sendable {
    let components: [[[UInt8]]]
    /// Paths with at least one name.
    let nonEmpty: UInt64

    init(_ paths: [[String]]) {
        components = paths.map { $0.map { Array($0.utf8) } }
        var mask: UInt64 = 0
        for (i, p) in paths.enumerated() where !p.isEmpty && i < 64 { mask |= 1 << UInt64(i) }
        nonEmpty = mask
    }
}

/// Reusable stacks for ``JSONParser/parse(_:options:buffers:)``.
struct JSONParseBuffers {
    var keys: [String] = []
    var values: [JSON] = []
    var keyStarts: [Int] = []
    var scratch: [UInt8] = []
}

/// The byte-level reader behind `JSONParser`.
struct JSONByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    let end: Int
    let options: JSONReadOptions
    var scratch: [UInt8] = []
    /// Members and elements of the objects and arrays being parsed (all levels share them).
    var stackKeys: [String] = []
    var stackValues: [JSON] = []
    var stackKeyStarts: [Int] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, options: JSONReadOptions) {
        self.bytes = bytes
        self.index = 0
        self.end = bytes.count
        self.options = options
    }

    @inline(__always) mutating func skipWhitespace() {
        while index < end {
            let b = bytes[index]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 } else { return }
        }
    }

    /// The first index at or after `i` holding a byte a string scan must look at: `"`, `\\`, a control
    /// character or a non-ASCII byte (or `end`). Eight bytes at a time: the lowest flagged byte of a
    /// word is the first such byte (a borrow can flag bytes above a true one, never below it).
    @inline(__always)
    func nextSpecialStringByte(from i: Int) -> Int {
        var i = i
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= end {
                let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let ones: UInt64 = 0x0101_0101_0101_0101
                let highs: UInt64 = 0x8080_8080_8080_8080
                let control = (v &- 0x2020_2020_2020_2020) & ~v & highs
                let q = v ^ 0x2222_2222_2222_2222
                let quote = (q &- ones) & ~q & highs
                let bs = v ^ 0x5C5C_5C5C_5C5C_5C5C
                let backslash = (bs &- ones) & ~bs & highs
                let flagged = control | quote | backslash | (v & highs)
                if flagged != 0 { return i + flagged.trailingZeroBitCount >> 3 }
                i += 8
            }
        }
        while i < end {
            let b = bytes[i]
            if b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 { return i }
            i += 1
        }
        return i
    }

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? index, reason: reason)
    }

    func describeByte(at i: Int) -> String {
        guard i < end else { return "end of input" }
        let b = bytes[i]
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16)
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSON {
        guard index < end else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try scanNumber()
            return .number(JSONNumber(validatedLiteral: String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)))
        default:
            throw error("unexpected \(describeByte(at: index)), expected a value")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard end - index >= count else { throw error("invalid literal, expected \(word)") }
        let w = word.utf8Start
        for k in 0..<count where bytes[index + k] != w[k] {
            throw error("invalid literal, expected \(word)")
        }
        index += count
    }

    mutating func checkDepth(_ depth: Int) throws(JSONParseError) {
        if depth > options.maxDepth {
            throw error("nested deeper than \(options.maxDepth) levels")
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSON {
        try checkDepth(depth)
        index += 1
        skipWhitespace()
        if index < end && bytes[index] == UInt8(ascii: "}") { index += 1; return .object(JSONObject()) }
        // Members go on stacks shared by all levels, so that each object is built once at its final size
        // (values stack above the elements of any enclosing array, hence two bases).
        let base = stackKeys.count
        let valueBase = stackValues.count
        while true {
            skipWhitespace()
            guard index < end, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a member name in double quotes, found \(describeByte(at: index))")
            }
            let keyStart = index
            let key = try parseString()
            skipWhitespace()
            guard index < end, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after member name, found \(describeByte(at: index))")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            stackKeys.append(key)
            stackValues.append(value)
            stackKeyStarts.append(keyStart)
            skipWhitespace()
            guard index < end else { throw error("unexpected end of input inside an object") }
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { break }
            throw error("expected ',' or '}' in an object, found \(describeByte(at: index - 1))", at: index - 1)
        }
        let object = try makeObject(from: base, values: valueBase)
        stackKeys.removeSubrange(base...)
        stackValues.removeSubrange(valueBase...)
        stackKeyStarts.removeSubrange(base...)
        return .object(object)
    }

    /// The object of the members stacked from `base`: a repeated name keeps its first position and its
    /// last value (or is an error with `rejectDuplicateKeys`).
    private func makeObject(from base: Int, values valueBase: Int) throws(JSONParseError) -> JSONObject {
        let n = stackKeys.count - base
        var unique = true
        if n <= 16 {
            outer: for i in base..<(base + n) {
                for j in (i + 1)..<(base + n) where stackKeys[i] == stackKeys[j] {
                    unique = false
                    break outer
                }
            }
        } else {
            unique = false
        }
        if unique {
            return JSONObject(uncheckedUniqueKeys: stackKeys[base...], values: stackValues[valueBase...])
        }
        var object = JSONObject(minimumCapacity: n)
        for i in base..<(base + n) where object.updateValue(stackValues[valueBase + i - base], forKey: stackKeys[i]) != nil && options.rejectDuplicateKeys {
            throw error("duplicate member name \"\(TextSafety.escape(stackKeys[i]))\"", at: stackKeyStarts[i])
        }
        return object
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSON {
        try checkDepth(depth)
        index += 1
        skipWhitespace()
        if index < end && bytes[index] == UInt8(ascii: "]") { index += 1; return .array([]) }
        let base = stackValues.count
        while true {
            skipWhitespace()
            let value = try parseValue(depth: depth)
            stackValues.append(value)
            skipWhitespace()
            guard index < end else { throw error("unexpected end of input inside an array") }
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { break }
            throw error("expected ',' or ']' in an array, found \(describeByte(at: index - 1))", at: index - 1)
        }
        let array = Array(stackValues[base...])
        stackValues.removeSubrange(base...)
        return .array(array)
    }

    /// Scans a number and returns its byte range.
    mutating func scanNumber() throws(JSONParseError) -> Range<Int> {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < end else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if bytes[index] >= UInt8(ascii: "1") && bytes[index] <= UInt8(ascii: "9") {
            while index < end && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") { index += 1 }
        } else {
            throw error("invalid number")
        }
        if index < end && bytes[index] == UInt8(ascii: ".") {
            index += 1
            let digits = index
            while index < end && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") { index += 1 }
            if index == digits { throw error("invalid number: a digit must follow '.'") }
        }
        if index < end && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < end && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            let digits = index
            while index < end && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") { index += 1 }
            if index == digits { throw error("invalid number: a digit must follow the exponent") }
        }
        if index < end, bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") {
            throw error("invalid number: leading zeros are not allowed")
        }
        return start..<index
    }

    /// Parses a string starting at the opening quote.
    mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        let start = index
        var ascii = true
        while index < end {
            index = nextSpecialStringByte(from: index)
            guard index < end else { break }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string", at: firstInvalidUTF8(from: start))
                }
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("unescaped control character in a string") }
            if b >= 0x80 { ascii = false }
            index += 1
        }
        guard index < end else { throw error("unterminated string", at: start - 1) }
        // Slow path: escapes.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < end {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                guard let s = String(validating: scratch, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string", at: firstInvalidUTF8(from: start))
                }
                return s
            }
            if b < 0x20 { throw error("unescaped control character in a string") }
            if b != UInt8(ascii: "\\") {
                scratch.append(b)
                index += 1
                continue
            }
            index += 1
            guard index < end else { break }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A high surrogate must pair with a low one; a lone one becomes U+FFFD.
                    if end - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        let save = index
                        index += 2
                        let low = try readHex4()
                        if low >= 0xDC00 && low < 0xE000 {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            index = save
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar)
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string", at: index - 2)
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard end - index >= 4 else { throw error("invalid \\u escape: four hex digits expected") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid \\u escape: four hex digits expected")
            }
            v = v << 4 | d
            index += 1
        }
        return v
    }

    mutating func appendUTF8(_ v: UInt32) {
        if v < 0x80 {
            scratch.append(UInt8(v))
        } else if v < 0x800 {
            scratch.append(UInt8(0xC0 | (v >> 6)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        } else if v < 0x10000 {
            scratch.append(UInt8(0xE0 | (v >> 12)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        } else {
            scratch.append(UInt8(0xF0 | (v >> 18)))
            scratch.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (v & 0x3F)))
        }
    }

    /// The offset of the first byte of an invalid UTF-8 sequence at or after `from`.
    func firstInvalidUTF8(from: Int) -> Int {
        var i = from
        while i < end {
            let b = bytes[i]
            let n: Int
            if b < 0x80 { i += 1; continue } else if b & 0xE0 == 0xC0 { n = 1 } else if b & 0xF0 == 0xE0 { n = 2 } else if b & 0xF8 == 0xF0 { n = 3 } else { return i }
            guard i + n < end else { return i }
            let slice = UnsafeBufferPointer(rebasing: bytes[i...(i + n)])
            if String(validating: slice, as: UTF8.self) == nil { return i }
            i += n + 1
        }
        return from
    }

    // MARK: Scanning without building values

    /// Validates a string without decoding it; returns the byte range of its contents and whether it has escapes.
    mutating func skipString() throws(JSONParseError) -> (Range<Int>, Bool) {
        index += 1
        let start = index
        var escaped = false
        var ascii = true
        while index < end {
            index = nextSpecialStringByte(from: index)
            guard index < end else { break }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let range = start..<index
                index += 1
                if !ascii && !escaped, String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) == nil {
                    throw error("invalid UTF-8 in a string", at: firstInvalidUTF8(from: start))
                }
                return (range, escaped)
            }
            if b == UInt8(ascii: "\\") {
                escaped = true
                index = start - 1
                _ = try parseString()  // validates escapes and UTF-8
                return (start..<(index - 1), true)
            }
            if b < 0x20 { throw error("unescaped control character in a string") }
            if b >= 0x80 { ascii = false }
            index += 1
        }
        throw error("unterminated string", at: start - 1)
    }

    /// Validates one value, recording the ranges of values at `paths`; `active` has a bit for each path
    /// whose first `level` names matched to get here.
    mutating func scanValue(depth: Int, level: Int, active: UInt64, paths: MemberPaths, found: inout [Range<Int>?]) throws(JSONParseError) {
        guard active != 0 else {
            try skipValue(depth: depth)
            return
        }
        guard index < end, bytes[index] == UInt8(ascii: "{") else {
            try skipValue(depth: depth)
            return
        }
        try checkDepth(depth + 1)
        index += 1
        skipWhitespace()
        if index < end && bytes[index] == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard index < end, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a member name in double quotes, found \(describeByte(at: index))")
            }
            let (range, escaped) = try skipString()
            var next: UInt64 = 0
            var complete: UInt64 = 0
            var decoded: [UInt8]?
            if escaped {
                let save = index
                index = range.lowerBound - 1
                decoded = Array(try parseString().utf8)
                index = save
            }
            var bits = active
            while bits != 0 {
                let p = bits.trailingZeroBitCount
                bits &= bits - 1
                let name = paths.components[p][level]
                let matches: Bool
                if let decoded {
                    matches = name == decoded
                } else {
                    matches = name.count == range.count && name.withUnsafeBufferPointer { n in
                        guard let a = n.baseAddress, let b = bytes.baseAddress else { return range.isEmpty }
                        return memcmp(a, b + range.lowerBound, range.count) == 0
                    }
                }
                if matches {
                    // A repeated name: the last one counts (as in a parsed object), so forget what an
                    // earlier one found.
                    found[p] = nil
                    if paths.components[p].count == level + 1 { complete |= 1 << UInt64(p) } else { next |= 1 << UInt64(p) }
                }
            }
            skipWhitespace()
            guard index < end, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after member name, found \(describeByte(at: index))")
            }
            index += 1
            skipWhitespace()
            let valueStart = index
            try scanValue(depth: depth + 1, level: level + 1, active: next, paths: paths, found: &found)
            while complete != 0 {
                let p = complete.trailingZeroBitCount
                complete &= complete - 1
                found[p] = valueStart..<index
            }
            skipWhitespace()
            guard index < end else { throw error("unexpected end of input inside an object") }
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { return }
            throw error("expected ',' or '}' in an object, found \(describeByte(at: index - 1))", at: index - 1)
        }
    }

    /// Validates one value without recording anything (the same checks and errors as `scanValue`).
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard index < end else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try checkDepth(depth + 1)
            index += 1
            skipWhitespace()
            if index < end && bytes[index] == UInt8(ascii: "}") { index += 1; return }
            while true {
                skipWhitespace()
                guard index < end, bytes[index] == UInt8(ascii: "\"") else {
                    throw error("expected a member name in double quotes, found \(describeByte(at: index))")
                }
                _ = try skipString()
                skipWhitespace()
                guard index < end, bytes[index] == UInt8(ascii: ":") else {
                    throw error("expected ':' after member name, found \(describeByte(at: index))")
                }
                index += 1
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < end else { throw error("unexpected end of input inside an object") }
                let b = bytes[index]
                index += 1
                if b == UInt8(ascii: ",") { continue }
                if b == UInt8(ascii: "}") { return }
                throw error("expected ',' or '}' in an object, found \(describeByte(at: index - 1))", at: index - 1)
            }
        case UInt8(ascii: "["):
            try checkDepth(depth + 1)
            index += 1
            skipWhitespace()
            if index < end && bytes[index] == UInt8(ascii: "]") { index += 1; return }
            while true {
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < end else { throw error("unexpected end of input inside an array") }
                let b = bytes[index]
                index += 1
                if b == UInt8(ascii: ",") { continue }
                if b == UInt8(ascii: "]") { return }
                throw error("expected ',' or ']' in an array, found \(describeByte(at: index - 1))", at: index - 1)
            }
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default:
            throw error("unexpected \(describeByte(at: index)), expected a value")
        }
    }
}
