#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The order of records' keys wherever states are listed or stored sorted: by their UTF-8 bytes
/// (the order of `String`'s `<`), a shorter key before a longer one it starts.
///
/// A key's first 16 bytes as two big-endian numbers (``Prefix``, zero-padded) settle most comparisons
/// with two integer compares; equal prefixes (keys longer than 16 bytes, or keys that differ only in
/// trailing zero bytes or in length) compare the whole keys.
enum KeyOrder {
    /// A slot (of ``KeySlots``) with its key's prefix: what a sort of slots by key moves around.
    struct Keyed {
        var prefix: Prefix
        var slot: Int
    }

    struct Prefix: Equatable {
        var high: UInt64
        var low: UInt64

        init(_ key: UnsafeRawBufferPointer) {
            high = KeyOrder.word(key, from: 0)
            low = KeyOrder.word(key, from: 8)
        }
    }

    /// Up to 8 bytes of `p` from `start` as a big-endian number, zero-padded on the right.
    @inline(__always)
    static func word(_ p: UnsafeRawBufferPointer, from start: Int) -> UInt64 {
        if p.count >= start + 8 { return UInt64(bigEndian: p.loadUnaligned(fromByteOffset: start, as: UInt64.self)) }
        var v: UInt64 = 0
        let n = max(0, p.count - start)
        for i in 0..<8 { v = (v << 8) | UInt64(i < n ? p[start + i] : 0) }
        return v
    }

    /// Whether key `a` (with prefix `pa`) sorts before key `b` (with prefix `pb`).
    @inline(__always)
    static func less(_ pa: Prefix, _ a: UnsafeRawBufferPointer, _ pb: Prefix, _ b: UnsafeRawBufferPointer) -> Bool {
        if pa.high != pb.high { return pa.high < pb.high }
        if pa.low != pb.low { return pa.low < pb.low }
        return compare(pa, a, pb, b) < 0
    }

    /// <0, 0 or >0 as key `a` sorts before, with or after key `b` (prefixes given).
    @inline(__always)
    static func compare(_ pa: Prefix, _ a: UnsafeRawBufferPointer, _ pb: Prefix, _ b: UnsafeRawBufferPointer) -> Int {
        if pa.high != pb.high { return pa.high < pb.high ? -1 : 1 }
        if pa.low != pb.low { return pa.low < pb.low ? -1 : 1 }
        // Keys of at most 16 bytes are all in their prefixes: equal prefixes leave only the lengths.
        if a.count <= 16 && b.count <= 16 { return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1) }
        return compareBytes(a, b)
    }

    /// The whole keys' byte order: <0, 0 or >0.
    static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let c = memcmp(pa, pb, n)
            if c != 0 { return Int(c) }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}
