#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif
import CFastCRC
import Crypto
import CZlib

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the same value zlib's `crc32` computes.
///
/// Where the CPU has carry-less multiplication (x86-64 PCLMULQDQ), buffers of 64 bytes and more are
/// folded 64 bytes at a time (``CFastCRC``; measured ~10x zlib on large buffers) and the last bytes
/// go through the tables. Elsewhere: records are a few hundred bytes, where zlib's per-call setup
/// dominates (measured 0.3 µs for a 230-byte record against 0.06 µs per 230 bytes in one large call);
/// slicing-by-8 in Swift handles short buffers several times faster, and large buffers go to zlib.
enum CRC32 {
    /// Eight 256-entry tables, flattened: `tables[k * 256 + b]`.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let previous = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// Buffers at least this long go to zlib, which is faster on long runs (without folding).
    static let zlibThreshold = 4096

    /// Whether this CPU folds (then buffers of at least 64 bytes do).
    static let folds = hindsight_crc32_fold_available() != 0

    /// The CRC of `bytes`, continuing from `crc` (0 to start), as zlib's `crc32(crc, bytes, count)`.
    @inline(__always)
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        if bytes.count >= 64 && folds {
            let folded = bytes.count & ~15
            let c = hindsight_crc32_fold(crc, base.assumingMemoryBound(to: UInt8.self), folded)
            guard folded < bytes.count else { return c }
            return tables.withUnsafeBufferPointer { t in slicing(c, base + folded, bytes.count - folded, t) }
        }
        return tablesOrZlib(crc, bytes)
    }

    /// ``update(_:_:)`` without folding: the tables, or zlib for long buffers (and the reference the
    /// tests compare folding with).
    static func tablesOrZlib(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        if bytes.count >= zlibThreshold { return zlib(crc, base, bytes.count) }
        return tables.withUnsafeBufferPointer { t in slicing(crc, base, bytes.count, t) }
    }

    /// The CRC of `bytes` from the start.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }

    private static func zlib(_ crc: UInt32, _ base: UnsafeRawPointer, _ count: Int) -> UInt32 {
        var c = UInt(crc)
        var p = base.assumingMemoryBound(to: UInt8.self)
        var remaining = count
        while remaining > 0 {
            let n = min(remaining, 1 << 30)
            c = CZlib.crc32(c, p, UInt32(n))
            p += n
            remaining -= n
        }
        return UInt32(truncatingIfNeeded: c)
    }

    @inline(__always)
    private static func slicing(_ start: UInt32, _ base: UnsafeRawPointer, _ count: Int, _ t: UnsafeBufferPointer<UInt32>) -> UInt32 {
        var crc = ~start
        var p = base
        var n = count
        while n >= 8 {
            let one = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ crc
            let two = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            crc = t[7 * 256 + Int(one & 0xFF)] ^ t[6 * 256 + Int((one >> 8) & 0xFF)]
                ^ t[5 * 256 + Int((one >> 16) & 0xFF)] ^ t[4 * 256 + Int(one >> 24)]
                ^ t[3 * 256 + Int(two & 0xFF)] ^ t[2 * 256 + Int((two >> 8) & 0xFF)]
                ^ t[1 * 256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
            p += 8
            n -= 8
        }
        while n > 0 {
            crc = t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
            p += 1
            n -= 1
        }
        return ~crc
    }
}

/// The chain hash `SHA256(previous hash ‖ body)` without per-record allocations.
///
/// swift-crypto's `SHA256` value allocates its context and its digest on every use (measured 0.73 µs
/// per chained 230-byte record, of which the hashing itself is ~0.2 µs); where BoringSSL (which
/// swift-crypto builds on Linux) can be called directly, a context on the stack does the same work
/// in ~0.26 µs. Elsewhere it falls back to swift-crypto.
enum ChainHashing {
    /// Writes `SHA256(previous ‖ body)` (32 bytes) to `out`.
    @inline(__always)
    static func hash(previous: UnsafeRawPointer, body: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
        #if canImport(CCryptoBoringSSL)
        var context = SHA256_CTX()
        CCryptoBoringSSL_SHA256_Init(&context)
        CCryptoBoringSSL_SHA256_Update(&context, previous, 32)
        if let base = body.baseAddress { CCryptoBoringSSL_SHA256_Update(&context, base, body.count) }
        CCryptoBoringSSL_SHA256_Final(out.assumingMemoryBound(to: UInt8.self), &context)
        #else
        var hasher = SHA256()
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: previous, count: 32))
        hasher.update(bufferPointer: body)
        let digest = hasher.finalize()
        digest.withUnsafeBytes { d in
            if let base = d.baseAddress { out.copyMemory(from: base, byteCount: min(32, d.count)) }
        }
        #endif
    }

    /// Writes `SHA256(body)` (32 bytes) to `out`.
    @inline(__always)
    static func hash(_ body: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
        #if canImport(CCryptoBoringSSL)
        var context = SHA256_CTX()
        CCryptoBoringSSL_SHA256_Init(&context)
        if let base = body.baseAddress { CCryptoBoringSSL_SHA256_Update(&context, base, body.count) }
        CCryptoBoringSSL_SHA256_Final(out.assumingMemoryBound(to: UInt8.self), &context)
        #else
        SHA256.hash(data: body).withUnsafeBytes { d in
            if let base = d.baseAddress { out.copyMemory(from: base, byteCount: min(32, d.count)) }
        }
        #endif
    }

    /// Appends `SHA256(body)` (32 bytes) to `out`.
    @inline(__always)
    static func append(hashOf body: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 32))
        out.withUnsafeMutableBytes { o in
            if let base = o.baseAddress { hash(body, into: base + start) }
        }
    }

    /// `SHA256(previous ‖ body)` as a `ChainHash`.
    static func hash(previous: ChainHash, body: UnsafeRawBufferPointer) -> ChainHash {
        var out = [UInt8](repeating: 0, count: 32)
        previous.bytes.withUnsafeBytes { p in
            out.withUnsafeMutableBytes { o in
                if let pb = p.baseAddress, let ob = o.baseAddress { hash(previous: pb, body: body, into: ob) }
            }
        }
        return ChainHash(bytes: out)
    }
}
