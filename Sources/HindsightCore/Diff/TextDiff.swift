#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-line summary of a change (``DiffText/summary(_:in:maxWidth:)`` of
/// ``StructuralDiff/changes(from:to:)``) worked out on JSON *text*, for the common case of a record
/// whose versions are objects: members are found by scanning the text, values are compared by their
/// bytes (numbers by value), and the summary is written as bytes. The audit export summarises every
/// version against the one before it this way, without parsing either.
///
/// It answers only where the answer is sure to be the bytes the trees would give; otherwise
/// ``summary(from:to:maxWidth:into:)`` returns false and the caller parses both versions. It declines
/// when: either side is not an object; a member name is escaped, repeated, not printable ASCII or made
/// of digits only (a dotted path would then depend on the document, and `String` compares non-ASCII
/// names by canonical equivalence); the parts do not fit and not even one can be kept; anything does
/// not scan. Arrays that differ are aligned element by element on trees (parsing just the two arrays),
/// and values that are not plain scalars are parsed to be written compact.
///
/// Reuse one value: its buffers keep their capacity between calls. Not thread-safe.
struct TextDiff {
    /// One object member: where its name (inside the quotes) and its value are.
    private struct Member {
        var name: Range<Int>
        var value: Range<Int>
    }

    private var members: [Member] = []
    /// The elements of two arrays being compared.
    private var elements: [Range<Int>] = []
    private var matched: [Bool] = []
    /// The dotted path of the object being compared (`owner.address`), and its member names.
    private var path: [UInt8] = []
    private var pathTokens: [String] = []
    /// The summary's parts end to end, where each ends, and their display widths.
    private var parts: [UInt8] = []
    private var partEnds: [Int] = []
    private var partWidths: [Int] = []
    /// The display width of the part being written.
    private var width = 0

    init() {}

    /// Appends to `out` the summary of the change from `old` to `new` (JSON texts; `old` nil: the record
    /// was created), at most `maxWidth` columns wide, and returns true; returns false (with `out` as it
    /// was) when the text alone cannot tell (see the type's documentation).
    mutating func summary(from old: UnsafeRawBufferPointer?, to new: UnsafeRawBufferPointer, maxWidth: Int, into out: inout [UInt8]) -> Bool {
        guard let old else {
            guard maxWidth >= 7 else { return false }
            out.append(contentsOf: "created".utf8)
            return true
        }
        let a = RawMergePatch.trim(old), b = RawMergePatch.trim(new)
        guard a.first == UInt8(ascii: "{"), b.first == UInt8(ascii: "{") else { return false }
        members.removeAll(keepingCapacity: true)
        path.removeAll(keepingCapacity: true)
        pathTokens.removeAll(keepingCapacity: true)
        parts.removeAll(keepingCapacity: true)
        partEnds.removeAll(keepingCapacity: true)
        partWidths.removeAll(keepingCapacity: true)
        guard collect(a, b) else { return false }
        return join(maxWidth: maxWidth, into: &out)
    }

    /// Writes the parts joined with ", ", or as many as fit followed by ", … +N more", as ``DiffText`` does.
    private func join(maxWidth: Int, into out: inout [UInt8]) -> Bool {
        let count = partEnds.count
        if count == 0 {
            guard maxWidth >= 10 else { return false }
            out.append(contentsOf: "no changes".utf8)
            return true
        }
        let full = partWidths.reduce(2 * (count - 1), +)
        if full <= maxWidth {
            appendParts(count, into: &out)
            return true
        }
        // Keep the longest run of leading parts that still leaves room for the "… +N more" tail.
        func tailWidth(_ left: Int) -> Int { 10 + String(left).utf8.count }  // ", … +N more"
        var kept = 0
        var used = 0
        while kept < count - 1 {
            let next = used + (kept > 0 ? 2 : 0) + partWidths[kept]
            if next + tailWidth(count - kept - 1) > maxWidth { break }
            used = next
            kept += 1
        }
        guard kept > 0 else { return false }
        appendParts(kept, into: &out)
        out.append(contentsOf: ", … +".utf8)
        out.append(contentsOf: String(count - kept).utf8)
        out.append(contentsOf: " more".utf8)
        return true
    }

    private func appendParts(_ n: Int, into out: inout [UInt8]) {
        var start = 0
        for i in 0..<n {
            if i > 0 {
                out.append(UInt8(ascii: ","))
                out.append(UInt8(ascii: " "))
            }
            parts.withUnsafeBytes { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[start..<partEnds[i]])) }
            start = partEnds[i]
        }
    }

    /// Adds the parts for the changes between two object texts; false when the text cannot tell.
    private mutating func collect(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let aBase = members.count
        guard scanMembers(a) else { return false }
        let bBase = members.count
        guard scanMembers(b) else { return false }
        let bEnd = members.count
        let matchedBase = matched.count
        matched.append(contentsOf: repeatElement(false, count: bEnd - bBase))
        defer {
            members.removeSubrange(aBase...)
            matched.removeSubrange(matchedBase...)
        }
        // Members of the old version in order (removed or changed), then the new ones.
        for i in aBase..<bBase {
            let m = members[i]
            var found: Int?
            for j in bBase..<bEnd where !matched[matchedBase + j - bBase] && TextDiff.same(a, m.name, b, members[j].name) {
                found = j
                break
            }
            guard let j = found else {
                beginPart(UInt8(ascii: "-"))
                appendPath(a, m.name)
                endPart()
                continue
            }
            matched[matchedBase + j - bBase] = true
            let oldValue = TextDiff.slice(a, m.value)
            let newValue = TextDiff.slice(b, members[j].value)
            if TextDiff.equal(oldValue, newValue) { continue }
            switch (oldValue.first, newValue.first) {
            case (UInt8(ascii: "{"), UInt8(ascii: "{")):
                let depth = path.count
                TextDiff.appendSegment(a, m.name, prefixed: depth > 0, to: &path)
                pathTokens.append(TextDiff.name(a, m.name))
                defer {
                    path.removeSubrange(depth...)
                    pathTokens.removeLast()
                }
                guard collect(oldValue, newValue) else { return false }
            case (UInt8(ascii: "["), UInt8(ascii: "[")):
                if !addAtomArrayParts(oldValue, newValue, name: m.name, in: a) {
                    guard addArrayParts(oldValue, newValue, name: TextDiff.name(a, m.name)) else { return false }
                }
            default:
                switch TextDiff.compareScalars(oldValue, newValue) {
                case .equal: continue
                case .unknown: return false
                case .different:
                    beginPart(nil)
                    appendPath(a, m.name)
                    appendText(": ", width: 2)
                    guard appendValue(oldValue) else { return false }
                    appendText(" → ", width: 3)
                    guard appendValue(newValue) else { return false }
                    endPart()
                }
            }
        }
        for j in bBase..<bEnd where !matched[matchedBase + j - bBase] {
            beginPart(UInt8(ascii: "+"))
            appendPath(b, members[j].name)
            appendText(": ", width: 2)
            guard appendValue(TextDiff.slice(b, members[j].value)) else { return false }
            endPart()
        }
        return true
    }

    /// The parts for two arrays of atoms (see ``isAtom(_:)``) that differ, member `name` (in `buffer`)
    /// of the object being compared: aligned as ``ArrayAlignment`` aligns the trees (on ids given by
    /// the elements' bytes), written as ``DiffText`` writes them: `tags +2 -1` for the elements added
    /// and removed, then `tags[3]: "a" → "b"` for each changed pair. False (and no parts) when an
    /// element is not an atom: the caller aligns trees.
    private mutating func addAtomArrayParts(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, name: Range<Int>,
                                            in buffer: UnsafeRawBufferPointer) -> Bool {
        elements.removeAll(keepingCapacity: true)
        guard scanElements(a) else { return false }
        let split = elements.count
        guard scanElements(b) else { return false }
        func element(_ k: Int) -> UnsafeRawBufferPointer { TextDiff.slice(k < split ? a : b, elements[k]) }
        // Equal bytes, equal ids: a hash table over the elements (first occurrence of each value).
        var ids = [Int](repeating: 0, count: elements.count)
        var size = 8
        while size < 2 * elements.count { size <<= 1 }
        var table = [Int](repeating: -1, count: size)
        let mask = table.count - 1
        var distinct = 0
        for k in 0..<elements.count {
            let bytes = element(k)
            var i = Int(truncatingIfNeeded: HashIndex.hash(bytes)) & mask
            while table[i] >= 0 && !TextDiff.equal(element(table[i]), bytes) { i = (i + 1) & mask }
            if table[i] < 0 {
                table[i] = k
                ids[k] = distinct
                distinct += 1
            } else {
                ids[k] = ids[table[i]]
            }
        }
        let steps = ArrayAlignment.align(ids: Array(ids[0..<split]), Array(ids[split...]))
        var added = 0, removed = 0
        for step in steps {
            switch step {
            case .added: added += 1
            case .removed: removed += 1
            case .paired: break
            }
        }
        if added + removed > 0 {
            beginPart(nil)
            appendPath(buffer, name)
            if added > 0 { appendCount(" +", added) }
            if removed > 0 { appendCount(" -", removed) }
            endPart()
        }
        for case .paired(let o, let n) in steps {
            let old = element(o), new = element(split + n)
            if TextDiff.equal(old, new) { continue }
            beginPart(nil)
            appendPath(buffer, name)
            appendCount("[", n)
            appendText("]: ", width: 3)
            _ = appendValue(old)  // atoms are plain scalars: always written
            appendText(" → ", width: 3)
            _ = appendValue(new)
            endPart()
        }
        return true
    }

    /// Appends the element ranges of an array text whose elements are all atoms; false otherwise.
    private mutating func scanElements(_ array: UnsafeRawBufferPointer) -> Bool {
        guard let p = array.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        return JSONTextScan.forEachElement(p, 0..<array.count) { element in
            guard TextDiff.isAtom(TextDiff.slice(array, element)) else { return false }
            elements.append(element)
            return true
        }
    }

    /// A value whose bytes tell its equality: a string of plain text, `true`, `false`, `null`, or an
    /// integer of at most 15 digits other than 0 and -0 (exact as a double, one spelling each).
    private static func isAtom(_ v: UnsafeRawBufferPointer) -> Bool {
        switch kind(v) {
        case .string: return isPlainText(v)
        case .literal: return true
        case .number:
            let digits = v.first == UInt8(ascii: "-") ? v.count - 1 : v.count
            return digits >= 1 && digits <= 15 && isInteger(v) && !isZero(v)
        case .other: return false
        }
    }

    private mutating func appendCount(_ sign: StaticString, _ n: Int) {
        let start = parts.count
        parts.append(static: sign)
        CanonicalBytes.int(Int64(n), into: &parts)
        width += parts.count - start
    }

    /// The parts for two arrays that differ, member `name` of the object being compared: the arrays
    /// are parsed and diffed as trees, and ``DiffText`` writes the parts, given a document that holds
    /// the new array at its path (all that its paths lead through).
    private mutating func addArrayParts(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, name: String) -> Bool {
        guard case .array(let old)? = try? JSONParser.parse(a), case .array(let new)? = try? JSONParser.parse(b) else { return false }
        let tokens = pathTokens + [name]
        var relative: [StructuralDiff.Change] = []
        StructuralDiff.collectArray(old, new, at: .root, into: &relative)
        let changes = relative.map { StructuralDiff.Change(path: JSONPointer(tokens: tokens + $0.path.tokens), kind: $0.kind) }
        var document = JSON.array(new)
        for token in tokens.reversed() { document = .object([token: document]) }
        for part in DiffText.summaryParts(changes, in: document) {
            width = 0
            appendText(string: part, width: TextSafety.displayWidth(part))
            endPart()
        }
        return true
    }

    // MARK: Parts

    private mutating func beginPart(_ sign: UInt8?) {
        width = 0
        if let sign {
            parts.append(sign)
            width = 1
        }
    }

    private mutating func endPart() {
        partEnds.append(parts.count)
        partWidths.append(width)
    }

    private mutating func appendText(_ s: StaticString, width w: Int) {
        parts.append(static: s)
        width += w
    }

    private mutating func appendText(string s: String, width w: Int) {
        parts.append(contentsOf: s.utf8)
        width += w
    }

    /// The dotted path of a member of the object being compared.
    private mutating func appendPath(_ buffer: UnsafeRawBufferPointer, _ name: Range<Int>) {
        let start = parts.count
        parts.append(contentsOf: path)
        TextDiff.appendSegment(buffer, name, prefixed: !path.isEmpty, to: &parts)
        width += parts.count - start  // printable ASCII
    }

    /// `name`, `.name` or `["name"]`, as ``DiffText/dottedPath(_:in:)`` writes a member name that is
    /// printable ASCII, unescaped and not all digits; `prefixed`: something of the path comes before it.
    private static func appendSegment(_ buffer: UnsafeRawBufferPointer, _ name: Range<Int>, prefixed: Bool, to out: inout [UInt8]) {
        let bytes = slice(buffer, name)
        if isIdentifier(bytes) {
            if prefixed { out.append(UInt8(ascii: ".")) }
            out.append(contentsOf: bytes)
        } else {
            out.append(UInt8(ascii: "["))
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: "]"))
        }
    }

    /// A value as the summary shows it: compact JSON cut to ``DiffText/summaryValueWidth`` columns with "…".
    /// The value is a scalar that is its own compact text, or anything else parsed and written compact.
    private mutating func appendValue(_ value: UnsafeRawBufferPointer) -> Bool {
        let limit = DiffText.summaryValueWidth
        if TextDiff.isPlainScalar(value) {
            if value.count <= limit {
                parts.append(contentsOf: value)
                width += value.count
            } else {
                parts.append(contentsOf: UnsafeRawBufferPointer(rebasing: value[0..<(limit - 1)]))
                width += limit - 1
                appendText("…", width: 1)
            }
            return true
        }
        guard let parsed = try? JSONParser.parse(value) else { return false }
        let text = DiffText.text(parsed, width: limit)
        parts.append(contentsOf: text.utf8)
        width += TextSafety.displayWidth(text)
        return true
    }

    // MARK: Scanning

    /// Appends the members of an object text; false when it does not scan or a name is escaped,
    /// repeated, not printable ASCII or all digits.
    ///
    /// The texts are records' states, valid JSON (payloads are checked on import, states are their
    /// merges), so values are skipped without checking them again (``JSONTextScan``); malformed
    /// text cannot make it read out of bounds, only decline or give a wrong answer.
    private mutating func scanMembers(_ object: UnsafeRawBufferPointer) -> Bool {
        let base = members.count
        guard let p = object.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        let end = object.count
        var i = JSONTextScan.skipSpace(p, 1, end)
        if i < end, p[i] == UInt8(ascii: "}") { return true }
        while i < end {
            i = JSONTextScan.skipSpace(p, i, end)
            guard i < end, p[i] == UInt8(ascii: "\"") else { return false }
            let nameEnd = JSONTextScan.skipString(p, i, end)
            guard nameEnd <= end, nameEnd - i >= 2 else { return false }
            let name = (i + 1)..<(nameEnd - 1)
            let nameBytes = TextDiff.slice(object, name)
            guard TextDiff.isPlainText(nameBytes), !TextDiff.isDigits(nameBytes) else { return false }
            i = JSONTextScan.skipSpace(p, nameEnd, end)
            guard i < end, p[i] == UInt8(ascii: ":") else { return false }
            i = JSONTextScan.skipSpace(p, i + 1, end)
            let start = i
            i = JSONTextScan.skipValue(p, i, end)
            guard i <= end, i > start else { return false }
            for k in base..<members.count where TextDiff.same(object, members[k].name, object, name) { return false }
            members.append(Member(name: name, value: start..<i))
            i = JSONTextScan.skipSpace(p, i, end)
            guard i < end else { return false }
            if p[i] == UInt8(ascii: "}") { return true }
            guard p[i] == UInt8(ascii: ",") else { return false }
            i += 1
        }
        return false
    }

    private enum Comparison { case equal, different, unknown }

    /// Compares two scalar values whose bytes differ (at most one of them an object or array).
    private static func compareScalars(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Comparison {
        let ka = kind(a), kb = kind(b)
        if ka != kb { return .different }
        switch ka {
        case .literal: return .different  // true, false, null: one spelling each
        case .string:
            if isPlainScalar(a) && isPlainScalar(b) { return .different }
            // Escapes, or text that `String` compares by canonical equivalence.
            guard let x = try? JSONParser.parse(a), let y = try? JSONParser.parse(b) else { return .unknown }
            return x == y ? .equal : .different
        case .number:
            // Different integer literals are different numbers, but for 0 and -0.
            if isInteger(a) && isInteger(b) && !isZero(a) && !isZero(b) { return .different }
            let x = JSONNumber(validatedLiteral: String(decoding: a, as: UTF8.self))
            let y = JSONNumber(validatedLiteral: String(decoding: b, as: UTF8.self))
            return x == y ? .equal : .different
        case .other: return .different  // an object or array against a scalar
        }
    }

    private enum Kind { case literal, string, number, other }

    private static func kind(_ v: UnsafeRawBufferPointer) -> Kind {
        switch v.first {
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): return .literal
        case UInt8(ascii: "{"), UInt8(ascii: "["), nil: return .other
        default: return .number
        }
    }

    /// A number, literal, or string of printable ASCII without escapes: its bytes are its compact JSON text.
    private static func isPlainScalar(_ v: UnsafeRawBufferPointer) -> Bool {
        switch kind(v) {
        case .literal, .number: return true
        case .string: return isPlainText(v)
        case .other: return false
        }
    }

    private static func isInteger(_ v: UnsafeRawBufferPointer) -> Bool {
        !v.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    private static func isZero(_ v: UnsafeRawBufferPointer) -> Bool {
        (v.count == 1 && v[0] == UInt8(ascii: "0")) || (v.count == 2 && v[0] == UInt8(ascii: "-") && v[1] == UInt8(ascii: "0"))
    }

    /// Whether every byte is printable ASCII (0x20-0x7E) other than a backslash: text that needs no
    /// escape or decoding. Eight bytes at a time.
    private static func isPlainText(_ v: UnsafeRawBufferPointer) -> Bool {
        guard let base = v.baseAddress else { return true }
        let n = v.count
        var i = 0
        while i + 8 <= n {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // A byte below 0x20, or of 0x7F and above (its top bit set after adding 1).
            let low = (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080
            let high = (w | (w &+ 0x0101_0101_0101_0101)) & 0x8080_8080_8080_8080
            // A backslash: a zero byte in w ^ 0x5C5C...
            let x = w ^ 0x5C5C_5C5C_5C5C_5C5C
            let backslash = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
            if low | high | backslash != 0 { return false }
            i += 8
        }
        while i < n {
            let b = v[i]
            if b < 0x20 || b > 0x7E || b == 0x5C { return false }
            i += 1
        }
        return true
    }

    private static func isDigits(_ v: UnsafeRawBufferPointer) -> Bool {
        !v.isEmpty && v.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// ``DiffText/isIdentifier(_:)`` for ASCII: a letter, `_` or `$`, then letters, digits, `_`, `-` or `$`.
    private static func isIdentifier(_ v: UnsafeRawBufferPointer) -> Bool {
        func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        guard let first = v.first, letter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: "$") else { return false }
        return v.allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "$") }
    }

    @inline(__always)
    private static func same(_ a: UnsafeRawBufferPointer, _ ra: Range<Int>, _ b: UnsafeRawBufferPointer, _ rb: Range<Int>) -> Bool {
        equal(slice(a, ra), slice(b, rb))
    }

    @inline(__always)
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool { a.sameBytes(as: b) }

    @inline(__always)
    private static func slice(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[range])
    }

    private static func name(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: slice(buffer, range), as: UTF8.self)
    }

}
