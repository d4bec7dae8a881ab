/// A watch path resolved on a state's JSON *text*: the steps are followed by scanning the text, and
/// only the values the path reaches are parsed. A scan over millions of events evaluates its
/// expression this way instead of keeping every state as a tree.
///
/// The answer is the one ``WatchPath/values(in:)`` gives on the parsed text: member names compare as
/// `String`s do (escapes decoded, canonical equivalence) and a repeated name means its last value, as
/// the parser keeps it. Where the text does not scan, or a step would need the parser's merging of
/// repeated names (`[*]` over an object), the whole text is parsed and the tree answers.
extension WatchPath {
    func values(inText text: UnsafeRawBufferPointer?) -> [JSON] {
        guard let text else { return [] }
        guard let reached = TextPathWalk.reach(steps, in: text) else { return values(in: try? JSONParser.parse(text)) }
        var out: [JSON] = []
        out.reserveCapacity(reached.count)
        for range in reached {
            guard let value = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: text[range])) else {
                return values(in: try? JSONParser.parse(text))
            }
            out.append(value)
        }
        return out
    }
}

/// The scanning behind ``WatchPath/values(inText:)``.
enum TextPathWalk {
    /// The ranges of the values `steps` reach in `text`, in the order the tree walk gives them; nil
    /// when the text must be parsed instead.
    static func reach(_ steps: [WatchPath.Step], in text: UnsafeRawBufferPointer) -> [Range<Int>]? {
        guard let p = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let end = text.count
        let start = JSONTextScan.skipSpace(p, 0, end)
        var stop = end
        while stop > start, p[stop - 1] == 0x20 || p[stop - 1] == 0x0A || p[stop - 1] == 0x0D || p[stop - 1] == 0x09 { stop -= 1 }
        guard start < stop else { return nil }
        // Member names only (`owner.name`, the common path): at most one value at each step.
        if let one = reachMembers(steps, in: p, start..<stop) { return one.map { [$0] } ?? [] }
        var current = [start..<stop]
        for step in steps {
            var next: [Range<Int>] = []
            for value in current {
                switch (step, p[value.lowerBound]) {
                case (.member(let name), UInt8(ascii: "{")):
                    guard let found = member(name, in: p, value) else { return nil }
                    if let found { next.append(found) }
                case (.index(let i), UInt8(ascii: "[")):
                    guard let elements = elements(in: p, value) else { return nil }
                    let j = i < 0 ? elements.count + i : i
                    if j >= 0 && j < elements.count { next.append(elements[j]) }
                case (.all, UInt8(ascii: "[")):
                    guard let elements = elements(in: p, value) else { return nil }
                    next.append(contentsOf: elements)
                case (.all, UInt8(ascii: "{")):
                    return nil  // the values of an object with repeated names depend on the parser's merge
                default:
                    break
                }
            }
            current = next
            if current.isEmpty { break }
        }
        return current
    }

    /// The value a path of member names only reaches (`.some(nil)`: none); nil when a step is not a
    /// member name or the text does not scan.
    private static func reachMembers(_ steps: [WatchPath.Step], in p: UnsafePointer<UInt8>, _ whole: Range<Int>) -> Range<Int>?? {
        var value = whole
        for step in steps {
            guard case .member(let name) = step else { return nil }
            guard p[value.lowerBound] == UInt8(ascii: "{") else { return .some(nil) }
            guard let found = member(name, in: p, value) else { return nil }
            guard let found else { return .some(nil) }
            value = found
        }
        return .some(value)
    }

    /// The value of the last member named `name` in the object at `object` (`.some(nil)`: no such
    /// member); nil when the object does not scan.
    private static func member(_ name: String, in p: UnsafePointer<UInt8>, _ object: Range<Int>) -> Range<Int>?? {
        let end = object.upperBound
        var found: Range<Int>?
        var i = JSONTextScan.skipSpace(p, object.lowerBound + 1, end)
        if i < end, p[i] == UInt8(ascii: "}") { return .some(nil) }
        var target = name
        return target.withUTF8 { wanted -> Range<Int>?? in
            let plainWanted = isPlainASCII(wanted)
            while i < end {
                i = JSONTextScan.skipSpace(p, i, end)
                guard i < end, p[i] == UInt8(ascii: "\"") else { return nil }
                let nameEnd = JSONTextScan.skipString(p, i, end)
                guard nameEnd <= end, nameEnd - i >= 2 else { return nil }
                let nameStart = i
                let bytes = UnsafeBufferPointer(start: p + i + 1, count: nameEnd - i - 2)
                i = JSONTextScan.skipSpace(p, nameEnd, end)
                guard i < end, p[i] == UInt8(ascii: ":") else { return nil }
                i = JSONTextScan.skipSpace(p, i + 1, end)
                let valueStart = i
                i = JSONTextScan.skipValue(p, i, end)
                guard i <= end, i > valueStart else { return nil }
                let same: Bool
                if plainWanted && isPlainASCII(bytes) {
                    same = bytes.count == wanted.count && bytes.elementsEqual(wanted)
                } else {
                    // Escapes or non-ASCII text: compare as the parser's `String` keys compare.
                    let quoted = UnsafeRawBufferPointer(start: p + nameStart, count: nameEnd - nameStart)
                    guard case .string(let decoded)? = try? JSONParser.parse(quoted) else { return nil }
                    same = decoded == name
                }
                if same { found = valueStart..<i }
                i = JSONTextScan.skipSpace(p, i, end)
                guard i < end else { return nil }
                if p[i] == UInt8(ascii: "}") { return .some(found) }
                guard p[i] == UInt8(ascii: ",") else { return nil }
                i += 1
            }
            return nil
        }
    }

    /// The elements' ranges of the array at `array`; nil when it does not scan.
    private static func elements(in p: UnsafePointer<UInt8>, _ array: Range<Int>) -> [Range<Int>]? {
        var out: [Range<Int>] = []
        return JSONTextScan.forEachElement(p, array) { out.append($0); return true } ? out : nil
    }

    /// Printable ASCII without a backslash: bytes that are the name itself, and that only the same
    /// bytes equal as a `String`.
    private static func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }
    }
}
