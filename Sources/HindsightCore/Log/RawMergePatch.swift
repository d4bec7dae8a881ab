#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RFC 7396 JSON Merge Patch applied to JSON *text*: the result's text is written directly, without
/// building document trees. It parses to the same value as `MergePatch.apply` on the parsed inputs
/// (members keep their position, new ones follow in patch order, `null` members delete, a non-object
/// patch replaces, a repeated member name counts once with its last value), though the text may
/// differ in insignificant ways (whitespace and escapes inside values are kept as written).
///
/// The checkpoint builder folds the default rule (merge every event) this way: the state it stores is
/// the text this produces, so writing a checkpoint costs a copy instead of a serialization.
/// Both inputs must be valid JSON (records' payloads are checked on import; states are produced here).
/// Reuse one merger: its member stack keeps its capacity between calls.
struct RawMergePatch {
    /// One object member: where its name (inside the quotes) and its value are.
    private struct Member {
        var name: Range<Int>
        var value: Range<Int>
        var escaped: Bool
        /// Set on a patch member once a target member with its name was merged.
        var used: Bool
    }

    /// Members of the objects being merged, all levels (each level works above a base index).
    private var stack: [Member] = []

    init() {}

    /// Writes to `out` the text of `patch` merged into `target` (nil: no state yet).
    static func merge(_ patch: UnsafeRawBufferPointer, into target: UnsafeRawBufferPointer?, out: inout [UInt8]) {
        var merger = RawMergePatch()
        merger.merge(patch, into: target, out: &out)
    }

    /// Writes to `out` the text of `patch` merged into `target` (nil: no state yet).
    mutating func merge(_ patch: UnsafeRawBufferPointer, into target: UnsafeRawBufferPointer?, out: inout [UInt8]) {
        let p = RawMergePatch.trim(patch)
        guard p.first == UInt8(ascii: "{") else {
            out.append(contentsOf: p)
            return
        }
        var t: UnsafeRawBufferPointer?
        if let target {
            let trimmed = RawMergePatch.trim(target)
            if trimmed.first == UInt8(ascii: "{") { t = trimmed }
        }
        mergeObjects(p, t, &out)
    }

    private mutating func mergeObjects(_ patch: UnsafeRawBufferPointer, _ target: UnsafeRawBufferPointer?, _ out: inout [UInt8]) {
        let patchBase = stack.count
        collectMembers(patch)
        let targetBase = stack.count
        if let target { collectMembers(target) }
        let targetEnd = stack.count
        out.append(UInt8(ascii: "{"))
        var first = true
        if let target {
            for t in targetBase..<targetEnd {
                let m = stack[t]
                var patched: Int?
                for j in patchBase..<targetBase where RawMergePatch.sameName(target, m, patch, stack[j]) {
                    patched = j
                    break
                }
                guard let j = patched else {
                    RawMergePatch.writeName(target, m, &first, &out)
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: target[m.value]))
                    continue
                }
                stack[j].used = true
                let value = UnsafeRawBufferPointer(rebasing: patch[stack[j].value])
                switch value.first {
                case UInt8(ascii: "n"):
                    continue  // null: delete
                case UInt8(ascii: "{"):
                    RawMergePatch.writeName(target, m, &first, &out)
                    let old = UnsafeRawBufferPointer(rebasing: target[m.value])
                    mergeObjects(value, old.first == UInt8(ascii: "{") ? old : nil, &out)
                default:
                    RawMergePatch.writeName(target, m, &first, &out)
                    out.append(contentsOf: value)
                }
            }
        }
        for j in patchBase..<targetBase where !stack[j].used {
            let pm = stack[j]
            let value = UnsafeRawBufferPointer(rebasing: patch[pm.value])
            switch value.first {
            case UInt8(ascii: "n"):
                continue
            case UInt8(ascii: "{"):
                RawMergePatch.writeName(patch, pm, &first, &out)
                mergeObjects(value, nil, &out)
            default:
                RawMergePatch.writeName(patch, pm, &first, &out)
                out.append(contentsOf: value)
            }
        }
        out.append(UInt8(ascii: "}"))
        stack.removeSubrange(patchBase...)
    }

    @inline(__always)
    private static func writeName(_ buffer: UnsafeRawBufferPointer, _ m: Member, _ first: inout Bool, _ out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(m.name.lowerBound - 1)..<(m.name.upperBound + 1)]))
        out.append(UInt8(ascii: ":"))
    }

    /// Whether two members have the same name (comparing decoded names when either has escapes).
    @inline(__always)
    private static func sameName(_ a: UnsafeRawBufferPointer, _ ma: Member, _ b: UnsafeRawBufferPointer, _ mb: Member) -> Bool {
        if !ma.escaped && !mb.escaped {
            guard ma.name.count == mb.name.count else { return false }
            guard let pa = a.baseAddress, let pb = b.baseAddress else { return ma.name.isEmpty }
            return memcmp(pa + ma.name.lowerBound, pb + mb.name.lowerBound, ma.name.count) == 0
        }
        return decodedName(a, ma) == decodedName(b, mb)
    }

    private static func decodedName(_ buffer: UnsafeRawBufferPointer, _ m: Member) -> String {
        let quoted = UnsafeRawBufferPointer(rebasing: buffer[(m.name.lowerBound - 1)..<(m.name.upperBound + 1)])
        if case .string(let s)? = try? JSONParser.parse(quoted) { return s }
        return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[m.name]), as: UTF8.self)
    }

    /// Pushes the members of a (valid) object; a repeated name is kept once: at its first position,
    /// with its last value. Scans with ``JSONTextScan`` (the text is valid).
    private mutating func collectMembers(_ object: UnsafeRawBufferPointer) {
        let base = stack.count
        guard let p = object.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let end = object.count
        var i = JSONTextScan.skipSpace(p, 1, end)
        guard i < end, p[i] != UInt8(ascii: "}") else { return }
        while i < end {
            i = JSONTextScan.skipSpace(p, i, end)
            guard i < end, p[i] == UInt8(ascii: "\"") else { break }
            let nameEnd = JSONTextScan.skipString(p, i, end)
            guard nameEnd <= end else { break }
            let name = (i + 1)..<(nameEnd - 1)
            let escaped = memchr(p + name.lowerBound, Int32(UInt8(ascii: "\\")), name.count) != nil
            i = JSONTextScan.skipSpace(p, nameEnd, end)
            guard i < end, p[i] == UInt8(ascii: ":") else { break }
            i = JSONTextScan.skipSpace(p, i + 1, end)
            let start = i
            i = JSONTextScan.skipValue(p, i, end)
            guard i <= end, i > start else { break }
            let m = Member(name: name, value: start..<i, escaped: escaped, used: false)
            var repeated = false
            for k in base..<stack.count where RawMergePatch.sameName(object, stack[k], object, m) {
                stack[k].value = m.value
                repeated = true
                break
            }
            if !repeated { stack.append(m) }
            i = JSONTextScan.skipSpace(p, i, end)
            guard i < end, p[i] == UInt8(ascii: ",") else { break }
            i += 1
        }
    }

    /// `bytes` without leading and trailing JSON whitespace.
    static func trim(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var s = 0, e = bytes.count
        while s < e, bytes[s] == 0x20 || bytes[s] == 0x0A || bytes[s] == 0x0D || bytes[s] == 0x09 { s += 1 }
        while e > s, bytes[e - 1] == 0x20 || bytes[e - 1] == 0x0A || bytes[e - 1] == 0x0D || bytes[e - 1] == 0x09 { e -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[s..<e])
    }
}
