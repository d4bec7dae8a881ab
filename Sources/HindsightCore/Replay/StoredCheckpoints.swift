#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// The state checkpoints a writer stored with a log (``CheckpointFile``), read for one set of rules.
///
/// Each segment's file is mapped and its blocks checked on first use (CRC, chaining, the rules digest
/// and the log's chain hash at each block's position); only trusted blocks are used, so a damaged,
/// stale or foreign file just means a longer fold. Readers never write: the writer repairs files.
final class StoredCheckpoints {
    private let log: LogReader
    private let digest: [UInt8]
    /// Per segment: the mapped file and its trusted chain (nil: none), once looked at.
    private var segments: [Int: (file: MappedFile, chain: CheckpointChain)?] = [:]

    /// The stored checkpoints of `log` for `rules`; nil when the log has none.
    init?(log: LogReader, rules: Rules) {
        guard log.segments.contains(where: { FileSystem.exists(CheckpointFile.path(directory: log.directory, base: $0.base)) }) else { return nil }
        self.log = log
        self.digest = CheckpointFile.rulesDigest(rules)
    }

    private func segment(_ i: Int) -> (file: MappedFile, chain: CheckpointChain)? {
        if let known = segments[i] { return known }
        var result: (MappedFile, CheckpointChain)?
        let base = log.segments[i].base
        if let file = MappedFile(path: CheckpointFile.path(directory: log.directory, base: base)) {
            let log = self.log
            let chain = CheckpointChain.read(file.bytes, base: base, logCount: log.count, rulesDigest: digest) { p in
                try? log.withRecord(at: p - 1) { Array($0.hash) }
            }
            if !chain.blocks.isEmpty { result = (file, chain) }
        }
        segments[i] = .some(result)
        return result
    }

    /// The largest stored position (records folded) at or before `end`.
    func position(atOrBefore end: Int64) -> Int64? {
        guard end > 0, var i = log.segmentIndex(for: min(end, log.count) - 1) else { return nil }
        // A position equal to a segment's base is the full block of that segment's file.
        if i + 1 < log.segments.count, log.segments[i + 1].base == end { i += 1 }
        while i >= 0 {
            if let s = segment(i), let p = s.chain.position(atOrBefore: end) { return p }
            i -= 1
        }
        return nil
    }

    /// The state of every record at a stored position (from ``position(atOrBefore:)``).
    ///
    /// The blocks are read newest first, and only the newest entry of each record is decoded; the
    /// decoding runs on both cores.
    func states(at position: Int64) -> StateMap? {
        for i in log.segments.indices.reversed() where log.segments[i].base <= position {
            guard let s = segment(i), s.chain.blocks.contains(where: { $0.header.position == position }) else { continue }
            // The newest entry of each record: (key, state) byte ranges in the mapped file.
            var seen = ByteKeySet(capacity: 1 << 16)
            var entries: [(key: UnsafeRawBufferPointer, state: UnsafeRawBufferPointer)] = []
            let ok = s.chain.forEachEntryNewestFirst(s.file.bytes, upTo: position) { key, state in
                guard seen.insert(key) else { return }
                if let state { entries.append((key, state)) }
            }
            guard ok else { return nil }
            return StoredCheckpoints.decode(entries)
        }
        return nil
    }

    /// Calls `body` with every stored entry that makes up the states at a stored position, newest
    /// first (key and state text, nil: absent), as bytes in the mapped file: the first entry of a
    /// key is its state there, older ones are to be ignored. False when there is no such position or
    /// a block does not read.
    func forEachEntryNewestFirst(at position: Int64, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void) -> Bool {
        for i in log.segments.indices.reversed() where log.segments[i].base <= position {
            guard let s = segment(i), s.chain.blocks.contains(where: { $0.header.position == position }) else { continue }
            return s.chain.forEachEntryNewestFirst(s.file.bytes, upTo: position, body)
        }
        return false
    }

    /// Parses the states (two halves at once) and builds the map; nil when one does not parse.
    private static func decode(_ entries: [(key: UnsafeRawBufferPointer, state: UnsafeRawBufferPointer)]) -> StateMap? {
        final class Halves: @unchecked Sendable {
            private var parts: [[(String, JSON)]?] = [nil, nil]
            private let lock = NSLock()
            func set(_ part: Int, _ value: [(String, JSON)]?) { lock.withLock { parts[part] = value } }
            func get(_ part: Int) -> [(String, JSON)]? { lock.withLock { parts[part] } }
        }
        let halves = Halves()
        let parts = entries.count >= 4096 ? 2 : 1
        let count = entries.count
        entries.withUnsafeBufferPointer { all in
            nonisolated(unsafe) let all = all
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                var buffers = JSONParseBuffers()
                var out: [(String, JSON)] = []
                out.reserveCapacity(count / parts + 1)
                for k in (count * part / parts)..<(count * (part + 1) / parts) {
                    guard let value = try? JSONParser.parse(all[k].state, buffers: &buffers) else {
                        halves.set(part, nil)
                        return
                    }
                    out.append((String(decoding: all[k].key, as: UTF8.self), value))
                }
                halves.set(part, out)
            }
        }
        var map = StateMap()
        for part in 0..<parts {
            guard let decoded = halves.get(part) else { return nil }
            for (key, value) in decoded { map[key] = value }
        }
        return map
    }
}

/// A set of byte strings (keys in a mapped checkpoint file) by 64-bit FNV-1a hash, confirmed by
/// comparing the bytes; it keeps pointers, so the bytes must outlive it. One slot per probe: hash,
/// pointer and length side by side.
struct ByteKeySet {
    private struct Slot {
        var hash: UInt64
        var start: UnsafeRawPointer?
        /// -1: empty.
        var count: Int
    }

    private var slots: [Slot]
    private var used = 0
    private var mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(hash: 0, start: nil, count: -1), count: size)
        mask = size - 1
    }

    /// Adds `key`; false when it was there already.
    mutating func insert(_ key: UnsafeRawBufferPointer) -> Bool {
        if (used + 1) * 2 > slots.count { grow() }
        let h = HashIndex.hash(key)
        let mask = self.mask
        let added = slots.withUnsafeMutableBufferPointer { s -> Bool in
            var i = Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
            while s[i].count >= 0 {
                if s[i].hash == h && s[i].count == key.count
                    && (key.count == 0 || ByteKeySet.same(s[i].start, key))
                {
                    return false
                }
                i = (i + 1) & mask
            }
            s[i] = Slot(hash: h, start: key.baseAddress, count: key.count)
            return true
        }
        if added { used += 1 }
        return added
    }

    @inline(__always) private static func same(_ a: UnsafeRawPointer?, _ b: UnsafeRawBufferPointer) -> Bool {
        guard let a, let bb = b.baseAddress else { return false }
        return memcmp(a, bb, b.count) == 0
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(hash: 0, start: nil, count: -1), count: old.count * 2)
        mask = slots.count - 1
        used = 0
        for s in old where s.count >= 0 { _ = insert(UnsafeRawBufferPointer(start: s.start, count: s.count)) }
    }
}
