#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// The state checkpoints a writer stored with a log (``CheckpointFile``), read for one set of rules.
///
/// Each segment's file is mapped and its blocks' headers checked on first use (chaining, the rules
/// digest and the log's chain hash at each block's position); a block's CRC is checked the first time
/// its entries are used, on another thread while they are read. Only trusted blocks are used, so a
/// damaged, stale or foreign file just means a longer fold. Readers never write: the writer repairs files.
final class StoredCheckpoints {
    /// One segment's mapped file, its chain (header-checked), and how many of its first blocks have a
    /// checked CRC.
    private struct Stored {
        let file: MappedFile
        var chain: CheckpointChain
        var verified = 0
    }

    private let log: LogReader
    private let digest: [UInt8]
    /// Per segment: the mapped file and its chain (nil: none), once looked at.
    private var segments: [Int: Stored?] = [:]

    /// Blocks to check at least this large (in all) are checked on another thread while the entries are read.
    let overlapBytes: Int

    /// The stored checkpoints of `log` for `rules`; nil when the log has none.
    init?(log: LogReader, rules: Rules, overlapBytes: Int = 1 << 20) {
        guard log.segments.contains(where: { FileSystem.exists(CheckpointFile.path(directory: log.directory, base: $0.base)) }) else { return nil }
        self.log = log
        self.digest = CheckpointFile.rulesDigest(rules)
        self.overlapBytes = overlapBytes
    }

    private func segment(_ i: Int) -> Stored? {
        if let known = segments[i] { return known }
        var result: Stored?
        let base = log.segments[i].base
        if let file = MappedFile(path: CheckpointFile.path(directory: log.directory, base: base)) {
            let log = self.log
            let chain = CheckpointChain.read(file.bytes, base: base, logCount: log.count, rulesDigest: digest, checksums: false) { p in
                try? log.withRecord(at: p - 1) { Array($0.hash) }
            }
            if !chain.blocks.isEmpty { result = Stored(file: file, chain: chain) }
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

    /// The state of every record at the largest stored position at or before `end`, and that position.
    ///
    /// The blocks are read newest first, and only the newest entry of each record is decoded; the
    /// decoding runs on both cores.
    func states(atOrBefore end: Int64) -> (position: Int64, states: StateMap)? {
        var entries: [(key: UnsafeRawBufferPointer, state: UnsafeRawBufferPointer)] = []
        var seen = ByteKeySet(capacity: 1 << 16)
        let found = forEachEntryNewestFirst(atOrBefore: end, reset: {
            entries = []
            seen = ByteKeySet(capacity: 1 << 16)
        }) { key, state in
            guard seen.insert(key) else { return }
            if let state { entries.append((key, state)) }
        }
        guard let found, let map = StoredCheckpoints.decode(entries) else { return nil }
        return (found, map)
    }

    /// Calls `body` with every stored entry that makes up the states at the largest stored position at
    /// or before `end`, newest first (key and state text, nil: absent), as bytes in the mapped file: the
    /// first entry of a key is its state there, older ones are to be ignored. Returns that position (nil:
    /// none). When a block turns out damaged, `reset` is called (forget the entries seen so far) and
    /// the next earlier position is tried.
    func forEachEntryNewestFirst(atOrBefore end: Int64, reset: () -> Void,
                                 _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void) -> Int64? {
        while let position = position(atOrBefore: end) {
            if read(at: position, { chain, file in chain.forEachEntryNewestFirst(file, upTo: position, body) }) { return position }
            reset()
        }
        return nil
    }

    /// The state of every record at the largest stored position at or before `end` as entries in the
    /// mapped files, sorted by key (absent records included), and that position; nil when there is none.
    /// Blocks in key order (as writers store them) are merged (``SortedBlocks``); older files, whose
    /// blocks are not, give the newest entry of each key by a table, sorted after.
    func sortedEntries(atOrBefore end: Int64) -> (position: Int64, entries: [StoredEntry])? {
        while let position = position(atOrBefore: end) {
            var entries: [StoredEntry] = []
            let read = read(at: position) { chain, file in
                let blocks = chain.blocks.reversed().filter { $0.header.position <= position }
                if blocks.allSatisfy(\.header.sorted),
                    let merged = try? SortedBlocks.merge(blocks.map { (UnsafeRawBufferPointer(rebasing: file[$0.offset..<($0.offset + $0.header.length)]), $0.header) })
                {
                    entries = merged
                    return true
                }
                // Entries out of order (or that do not frame: then the reading below fails too).
                var seen = ByteKeySet(capacity: blocks.last?.header.entries ?? 1024)
                let framed = chain.forEachEntryNewestFirst(file, upTo: position) { key, state in
                    if seen.insert(key) { entries.append(StoredEntry(key: key, state: state)) }
                }
                entries.sort { KeyOrder.less($0.prefix, $0.key, $1.prefix, $1.key) }
                return framed
            }
            // A block that failed is gone from the chain: the next round tries the position before it.
            if read { return (position, entries) }
        }
        return nil
    }

    /// The segment whose checkpoint file has a block at `position` (the later one when two do).
    private func segmentIndex(holding position: Int64) -> Int? {
        log.segments.indices.last { log.segments[$0].base <= position && segment($0)?.chain.blockIndex(at: position) != nil }
    }

    /// Reads the entries at a stored position, checking the CRCs of the blocks it uses that were not
    /// checked yet (on another thread when they are large, while the entries are read). False when a
    /// block fails: the chain is cut before it, so the position is gone.
    private func read(at position: Int64, _ body: (CheckpointChain, UnsafeRawBufferPointer) -> Bool) -> Bool {
        guard let i = segmentIndex(holding: position),
            let s = segment(i), let k = s.chain.blockIndex(at: position)
        else { return false }
        let unchecked = min(s.verified, k + 1)..<(k + 1)
        let bytes = unchecked.reduce(0) { $0 + s.chain.blocks[$1].header.length }
        var failed: Int?
        var parsed = true
        if bytes >= overlapBytes {
            final class Result: @unchecked Sendable { var failed: Int? }
            let result = Result()
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) let file = s.file.bytes
            let chain = s.chain
            DispatchQueue.global().async {
                result.failed = unchecked.first { !chain.checksumHolds($0, in: file) }
                done.signal()
            }
            parsed = body(s.chain, s.file.bytes)
            done.wait()
            failed = result.failed
        } else {
            failed = unchecked.first { !s.chain.checksumHolds($0, in: s.file.bytes) }
            if failed == nil { parsed = body(s.chain, s.file.bytes) }
        }
        // A block whose entries do not fit it (a writer's bug, as its CRC held) is cut as a damaged one is.
        if failed == nil && !parsed { failed = k }
        var updated = s
        if let failed {
            updated.chain.blocks.removeSubrange(failed...)
            updated.verified = min(updated.verified, failed)
        } else {
            updated.verified = max(updated.verified, k + 1)
        }
        segments[i] = .some(updated.chain.blocks.isEmpty ? nil : updated)
        return failed == nil
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
