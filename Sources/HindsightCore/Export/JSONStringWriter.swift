/// Writes JSON string literals byte for byte as ``JSONSerializer/writeString(_:into:)`` does, but over
/// the UTF-8 bytes: runs of text that need no escape are copied whole, and only the few lead bytes
/// that can start a terminal-unsafe scalar are decoded. Audit rows are mostly such text.
///
/// Each writer comes in two forms: appending to an array, and through a ``ByteCursor`` whose room
/// holds at least ``bound(_:)`` bytes for the text's UTF-8 length.
enum JSONStringWriter {
    private static let hexDigits: StaticString = "0123456789abcdef"

    /// The most bytes a string of `utf8Count` UTF-8 bytes can take written: its quotes, and six bytes
    /// for each byte (a control byte becomes `\u00XX`; repaired and unsafe scalars take no more).
    @inline(__always)
    static func bound(_ utf8Count: Int) -> Int { 6 * utf8Count + 2 }

    /// Appends `s` as a quoted, escaped, terminal-safe JSON string.
    static func write(_ s: String, into out: inout [UInt8]) {
        out.append(atMost: bound(s.utf8.count)) { write(s, into: &$0) }
    }

    static func write(_ s: String, into out: inout ByteCursor) {
        var s = s
        s.withUTF8 { write(utf8: $0, into: &out) }
    }

    /// Appends UTF-8 text as `write(String(decoding: bytes, as: UTF8.self))` does (invalid UTF-8 is repaired).
    static func write(bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.append(atMost: bound(bytes.count)) { write(bytes: bytes, into: &$0) }
    }

    static func write(bytes: UnsafeRawBufferPointer, into out: inout ByteCursor) {
        let utf8 = bytes.bindMemory(to: UInt8.self)
        if utf8.contains(where: { $0 >= 0x80 }) && String(validating: utf8, as: UTF8.self) == nil {
            write(String(decoding: utf8, as: UTF8.self), into: &out)
        } else {
            write(utf8: utf8, into: &out)
        }
    }

    /// Appends text the program made from valid UTF-8 pieces, as ``write(bytes:into:)`` would, without
    /// checking it again.
    static func write(validUTF8 bytes: UnsafeRawBufferPointer, into out: inout ByteCursor) {
        write(utf8: bytes.bindMemory(to: UInt8.self), into: &out)
    }

    /// Appends valid UTF-8 text as a quoted, escaped, terminal-safe JSON string.
    private static func write(utf8 bytes: UnsafeBufferPointer<UInt8>, into out: inout ByteCursor) {
        out.put(UInt8(ascii: "\""))
        let n = bytes.count
        var run = 0
        var i = 0
        func flush(_ end: Int) {
            if end > run { out.put(UnsafeBufferPointer(rebasing: bytes[run..<end])) }
        }
        while i < n {
            // Eight bytes at a time while they are printable ASCII other than `"` and `\`.
            if let base = bytes.baseAddress {
                while i + 8 <= n && isPlain(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) { i += 8 }
                if i == n { break }
            }
            let b = bytes[i]
            if b >= 0x20 && b < 0x7F {
                if b != 0x22 && b != 0x5C { i += 1; continue }
                flush(i)
                out.put(0x5C)
                out.put(b)
                i += 1
                run = i
                continue
            }
            if b < 0x80 {
                // C0 controls and DEL.
                flush(i)
                escape(UInt32(b), into: &out)
                i += 1
                run = i
                continue
            }
            // A multi-byte scalar (the string is valid UTF-8).
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            guard b == 0xC2 || b == 0xD8 || b == 0xE2 || b == 0xEF, i + length <= n else { i += length; continue }
            var v = UInt32(b) & (length == 2 ? 0x1F : 0x0F)
            for k in 1..<length { v = v << 6 | (UInt32(bytes[i + k]) & 0x3F) }
            if isTerminalUnsafeScalar(v) {
                flush(i)
                escape(v, into: &out)
                i += length
                run = i
            } else {
                i += length
            }
        }
        flush(n)
        out.put(UInt8(ascii: "\""))
    }

    /// Whether eight bytes are all printable ASCII (0x20-0x7E) other than `"` and `\`.
    @inline(__always)
    private static func isPlain(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        let low = (w &- 0x20 &* ones) & ~w & tops
        let high = (w | (w &+ ones)) & tops
        let q = w ^ (0x22 &* ones), bs = w ^ (0x5C &* ones)
        let quote = (q &- ones) & ~q & tops
        let backslash = (bs &- ones) & ~bs & tops
        return low | high | quote | backslash == 0
    }

    /// The escape `JSONSerializer` writes for a control or unsafe scalar.
    private static func escape(_ v: UInt32, into out: inout ByteCursor) {
        out.put(0x5C)
        switch v {
        case 0x0A: out.put(UInt8(ascii: "n"))
        case 0x0D: out.put(UInt8(ascii: "r"))
        case 0x09: out.put(UInt8(ascii: "t"))
        case 0x08: out.put(UInt8(ascii: "b"))
        case 0x0C: out.put(UInt8(ascii: "f"))
        default:
            out.put(UInt8(ascii: "u"))
            let digits = hexDigits.utf8Start
            out.put(digits[Int((v >> 12) & 0xF)])
            out.put(digits[Int((v >> 8) & 0xF)])
            out.put(digits[Int((v >> 4) & 0xF)])
            out.put(digits[Int(v & 0xF)])
        }
    }
}
