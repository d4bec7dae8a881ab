#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scanning JSON text that is known to be valid (records' payloads are checked on import; states are
/// their merges): strings are skipped with `memchr` for the closing quote, containers by counting
/// brackets, numbers and literals up to the next delimiter, without checking anything again.
/// Malformed text cannot make these read out of bounds (every index is checked against `end`), only
/// give a wrong answer; ``JSONByteReader`` is the checking scanner.
enum JSONTextScan {
    @inline(__always)
    static func skipSpace(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var i = i
        while i < end, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        return i
    }

    /// The index after the string starting at `i` (its opening quote); `end + 1` when it does not close.
    @inline(__always)
    static func skipString(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var j = i + 1
        while j < end {
            guard let q = memchr(p + j, Int32(UInt8(ascii: "\"")), end - j) else { return end + 1 }
            let quote = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - p
            // Escaped when preceded by an odd number of backslashes.
            var k = quote - 1
            while k > i && p[k] == UInt8(ascii: "\\") { k -= 1 }
            if (quote - 1 - k) % 2 == 0 { return quote + 1 }
            j = quote + 1
        }
        return end + 1
    }

    /// The index after the value starting at `i`; `end + 1` when it does not end.
    static func skipValue(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        guard i < end else { return end + 1 }
        switch p[i] {
        case UInt8(ascii: "\""):
            return skipString(p, i, end)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var j = i
            while j < end {
                switch p[j] {
                case UInt8(ascii: "\""):
                    j = skipString(p, j, end)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return j + 1 }
                default:
                    break
                }
                j += 1
            }
            return end + 1
        default:
            var j = i
            while j < end {
                let b = p[j]
                if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { break }
                j += 1
            }
            return j
        }
    }

    /// Calls `body` with the range of each element of the array at `array` (`p[array.lowerBound]` is its
    /// `[`), in order, until `body` returns false. True when every element was visited and the array
    /// scanned to its `]`; false when `body` stopped or the text does not scan.
    static func forEachElement(_ p: UnsafePointer<UInt8>, _ array: Range<Int>, _ body: (Range<Int>) -> Bool) -> Bool {
        let end = array.upperBound
        var i = skipSpace(p, array.lowerBound + 1, end)
        if i < end, p[i] == UInt8(ascii: "]") { return true }
        while i < end {
            i = skipSpace(p, i, end)
            let start = i
            i = skipValue(p, i, end)
            guard i <= end, i > start, body(start..<i) else { return false }
            i = skipSpace(p, i, end)
            guard i < end else { return false }
            if p[i] == UInt8(ascii: "]") { return true }
            guard p[i] == UInt8(ascii: ",") else { return false }
            i += 1
        }
        return false
    }
}
