/// One record's state at a stored checkpoint position: its key and state text (absent: deleted), as
/// bytes in the mapped checkpoint file (which must stay mapped while this is used), with the key's
/// prefix for comparisons.
struct StoredEntry {
    var prefix: KeyOrder.Prefix
    var keyStart: UnsafeRawPointer?
    var stateStart: UnsafeRawPointer?
    var keyCount: Int32
    /// -1: the record is absent.
    var stateCount: Int32

    var key: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: keyStart, count: Int(keyCount)) }
    var state: UnsafeRawBufferPointer? { stateCount < 0 ? nil : UnsafeRawBufferPointer(start: stateStart, count: Int(stateCount)) }

    init(prefix: KeyOrder.Prefix, keyStart: UnsafeRawPointer?, stateStart: UnsafeRawPointer?, keyCount: Int32, stateCount: Int32) {
        self.prefix = prefix
        self.keyStart = keyStart
        self.stateStart = stateStart
        self.keyCount = keyCount
        self.stateCount = stateCount
    }

    /// An entry for `key` and `state` (nil: absent), each shorter than 2 GiB.
    init(key: UnsafeRawBufferPointer, state: UnsafeRawBufferPointer?) {
        self.init(prefix: KeyOrder.Prefix(key), keyStart: key.baseAddress, stateStart: state?.baseAddress,
                  keyCount: Int32(clamping: key.count), stateCount: state.map { Int32(clamping: $0.count) } ?? -1)
    }
}

/// The merge of a checkpoint chain's blocks whose entries are in key order (the writer sorts them):
/// the state at a position is the newest entry of each key over the blocks back to the full one,
/// found by a k-way merge in key order instead of a hash lookup per entry and a sort afterwards.
enum SortedBlocks {
    enum Failure: Error {
        /// An entry does not fit its block.
        case framing
        /// A block's entries are not in strictly increasing key order.
        case order
    }

    /// Some of one block's entries: `count` entries in the bytes `start ..< end` of the block at `base`.
    private struct Run {
        let base: UnsafeRawPointer
        var start: Int
        var end: Int
        var count: Int
        /// Newer blocks have lower ranks: of entries with the same key, the lowest rank's wins.
        let rank: Int
    }

    /// The entry at `p` (before `end`) of the block at `base`, and where the next one starts.
    @inline(__always)
    private static func entry(_ base: UnsafeRawPointer, at p: Int, end: Int) throws(Failure) -> (StoredEntry, next: Int) {
        guard let e = CheckpointFile.entry(base, at: p, end: end) else { throw .framing }
        let key = UnsafeRawBufferPointer(start: base + e.keyAt, count: e.keyCount)
        return (StoredEntry(prefix: KeyOrder.Prefix(key), keyStart: base + e.keyAt, stateStart: base + e.stateAt,
                            keyCount: Int32(e.keyCount), stateCount: Int32(e.stateCount)),
                e.next)
    }

    /// A cursor over a run's entries.
    private struct Cursor {
        var run: Run
        var p: Int
        var left: Int
        var current: StoredEntry

        /// A cursor at the run's first entry; nil when it has none.
        init?(_ run: Run) throws(Failure) {
            guard run.count > 0 else {
                guard run.start == run.end else { throw .framing }
                return nil
            }
            (current, p) = try SortedBlocks.entry(run.base, at: run.start, end: run.end)
            self.run = run
            left = run.count - 1
        }

        /// Reads the next entry; false when the run has none left. Throws when an entry does not
        /// fit the block or is not after the one before it.
        @inline(__always)
        mutating func advance() throws(Failure) -> Bool {
            guard left > 0 else {
                guard p == run.end else { throw .framing }
                return false
            }
            left -= 1
            let (entry, next) = try SortedBlocks.entry(run.base, at: p, end: run.end)
            if KeyOrder.compare(current.prefix, current.key, entry.prefix, entry.key) >= 0 { throw .order }
            current = entry
            p = next
            return true
        }
    }

    /// Whether cursor `a`'s entry comes out before `b`'s: the smaller key, and of equal keys the newer block's.
    @inline(__always)
    private static func before(_ a: Cursor, _ b: Cursor) -> Bool {
        let c = KeyOrder.compare(a.current.prefix, a.current.key, b.current.prefix, b.current.key)
        return c != 0 ? c < 0 : a.run.rank < b.run.rank
    }

    /// The newest entry of each key over `blocks` (whole blocks with their headers, newest first), in
    /// key order; absent records are kept (as entries with no state). Throws when a block's entries
    /// do not frame or are not in key order.
    static func merge(_ blocks: [(bytes: UnsafeRawBufferPointer, header: CheckpointFile.Header)]) throws(Failure) -> [StoredEntry] {
        var runs: [Run] = []
        for (rank, (bytes, header)) in blocks.enumerated() {
            guard let base = bytes.baseAddress, bytes.count >= header.length, header.length >= CheckpointFile.headerSize + 4 else { throw .framing }
            runs.append(Run(base: base, start: CheckpointFile.headerSize, end: header.length - 4, count: header.entries, rank: rank))
        }
        return try merge(runs)
    }

    /// The merge of `runs` (newest first): the last, oldest one (the full block: most of the keys) is
    /// walked beside a binary min-heap of the others' cursors by (key, rank), so most entries cost
    /// one comparison.
    private static func merge(_ runs: [Run]) throws(Failure) -> [StoredEntry] {
        guard let oldest = runs.last else { return [] }
        var cursors: [Cursor] = []
        for run in runs.dropLast() { if let cursor = try Cursor(run) { cursors.append(cursor) } }
        var heap = Array(cursors.indices)
        func siftDown(_ start: Int) {
            var i = start
            let n = heap.count
            while true {
                let l = 2 * i + 1
                guard l < n else { return }
                var m = l
                if l + 1 < n, before(cursors[heap[l + 1]], cursors[heap[l]]) { m = l + 1 }
                guard before(cursors[heap[m]], cursors[heap[i]]) else { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        var out: [StoredEntry] = []
        out.reserveCapacity(min(runs.reduce(0) { $0 + $1.count }, oldest.count * 5 / 4 + 1024))
        var full = try Cursor(oldest)
        while let top = heap.first.map({ cursors[$0].current }) {
            if var f = full {
                let c = KeyOrder.compare(top.prefix, top.key, f.current.prefix, f.current.key)
                if c >= 0 {
                    if c > 0 { out.append(f.current) }
                    full = try f.advance() ? f : nil
                    if c > 0 { continue }
                }
            }
            // A newer block's entry, unless a still newer one of its key came out already.
            if let last = out.last, KeyOrder.compare(last.prefix, last.key, top.prefix, top.key) == 0 {
            } else {
                out.append(top)
            }
            if try cursors[heap[0]].advance() {
                siftDown(0)
            } else {
                heap.swapAt(0, heap.count - 1)
                heap.removeLast()
                siftDown(0)
            }
        }
        if var f = full {
            repeat { out.append(f.current) } while try f.advance()
        }
        return out
    }

    /// The index of the entry with key `key` (prefix `prefix`) in `entries` (sorted by key), if any.
    static func find(_ key: UnsafeRawBufferPointer, prefix: KeyOrder.Prefix, in entries: UnsafeBufferPointer<StoredEntry>) -> Int? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = KeyOrder.compare(entries[mid].prefix, entries[mid].key, prefix, key)
            if c == 0 { return mid }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }
}

/// The records after a stored position, kept as their data grouped by key rather than folded: a
/// record's state is made where it is written, by merging its events' data onto its stored state
/// (found by walking both lists in key order), so nothing is looked up per event and the merges are
/// shared between the threads that write the two halves of the output.
struct TailPatches {
    private var keys = KeySlots()
    private var bytes: [UInt8] = []
    /// Per event: where its data starts in `bytes` (it ends where the next one starts).
    private var starts: [Int] = []
    /// Per event: the next event of the same key (-1: none).
    private var next: [Int32] = []
    /// Per key slot: its first and last event.
    private var first: [Int32] = []
    private var last: [Int32] = []
    /// The slots in key order (after ``sort()``).
    private(set) var order: [KeyOrder.Keyed] = []

    /// Makes room for `events` events with about `bytes` bytes of data.
    mutating func reserve(events: Int, bytes n: Int) {
        keys.reserve(events, keyBytes: events * 16)
        starts.reserveCapacity(events)
        next.reserveCapacity(events)
        bytes.reserveCapacity(n)
    }

    /// Adds an event's data (a merge patch) for `key`.
    mutating func add(_ key: UnsafeRawBufferPointer, _ patch: UnsafeRawBufferPointer) {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        let i = Int32(starts.count)
        starts.append(bytes.count)
        bytes.append(contentsOf: patch)
        next.append(-1)
        if new {
            first.append(i)
            last.append(i)
        } else {
            next[Int(last[s])] = i
            last[s] = i
        }
    }

    /// Bytes of data held (every event's patch).
    var dataBytes: Int { bytes.count }

    /// Sorts the keys (call once, after the last ``add(_:_:)``).
    mutating func sort() { order = keys.sortedByKey(0..<keys.count) }

    func withKey<R>(_ s: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try keys.withKey(s, body) }

    /// Writes slot `s`'s state to `out` (cleared first): its events' data merged in order onto `base`
    /// (nil: absent), with `spare` as a second buffer.
    func state(_ s: Int, onto base: UnsafeRawBufferPointer?, merger: inout RawMergePatch, out: inout [UInt8], spare: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        bytes.withUnsafeBytes { all in
            var i = Int(first[s])
            let patch = { (i: Int) in UnsafeRawBufferPointer(rebasing: all[starts[i]..<(i + 1 < starts.count ? starts[i + 1] : all.count)]) }
            merger.merge(patch(i), into: base, out: &out)
            i = Int(next[i])
            while i >= 0 {
                spare.removeAll(keepingCapacity: true)
                out.withUnsafeBytes { merger.merge(patch(i), into: $0, out: &spare) }
                swap(&out, &spare)
                i = Int(next[i])
            }
        }
    }
}

/// Every record's state as JSON text at one offset, in key order: the states at a stored checkpoint
/// (`base`, sorted, absent ones included) overlaid by the records after it (`tail`): their data by key,
/// merged as states are written, or (a long run of records) already folded.
struct StateTexts {
    enum Tail {
        case patches(TailPatches)
        /// Folded states (starting from the stored ones) and their slots in key order.
        case folded(TextStates, [KeyOrder.Keyed])
    }

    var base: [StoredEntry]
    var tail: Tail

    /// A place in both lists: everything before it sorts before everything after it.
    struct Cut {
        var base: Int
        var tail: Int
    }

    var tailOrder: [KeyOrder.Keyed] {
        switch tail {
        case .patches(let p): p.order
        case .folded(_, let order): order
        }
    }

    var start: Cut { Cut(base: 0, tail: 0) }
    var end: Cut { Cut(base: base.count, tail: tailOrder.count) }

    /// Entries in all (absent ones and overlaid stored ones included).
    var entryCount: Int { base.count + tailOrder.count }

    @inline(__always)
    private func withTailKey<R>(_ s: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch tail {
        case .patches(let p): try p.withKey(s, body)
        case .folded(let texts, _): try texts.withKey(s, body)
        }
    }

    /// A cut about halfway through the keys.
    var middle: Cut {
        let order = tailOrder
        guard !base.isEmpty else { return Cut(base: 0, tail: order.count / 2) }
        let b = base.count / 2
        let pivot = base[b]
        // The first tail slot whose key is not before the pivot's.
        var lo = 0, hi = order.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let before = withTailKey(order[mid].slot) { KeyOrder.compare(order[mid].prefix, $0, pivot.prefix, pivot.key) < 0 }
            if before { lo = mid + 1 } else { hi = mid }
        }
        return Cut(base: b, tail: lo)
    }

    /// About how many bytes ``appendMembers(from:to:first:into:chunk:flush:)`` writes from `from` to
    /// `to`, rounded up (a key written twice over, as escapes, can make it more): a buffer reserved
    /// this large is allocated once and its unused end never touched, where growing it by doubling
    /// would touch (and copy) about twice the bytes, fresh memory each time.
    func estimatedBytes(from: Cut, to: Cut) -> Int {
        var n = 16
        for i in from.base..<max(from.base, to.base) { n += Int(base[i].keyCount) + max(0, Int(base[i].stateCount)) + 8 }
        let order = tailOrder
        for k in from.tail..<max(from.tail, to.tail) {
            switch tail {
            case .patches(let p): n += p.withKey(order[k].slot) { $0.count } + 8
            case .folded(let texts, _): n += texts.withEntry(order[k].slot) { $0.count + ($1?.count ?? 0) + 8 }
            }
        }
        // A record's state after its tail events is at most its stored state and all its patches.
        if case .patches(let p) = tail, from.tail < to.tail { n += p.dataBytes }
        return n + n / 16
    }

    /// Calls `body` with the key and state text of each present record from `from` to `to`, in key
    /// order (the tail's state wins over the stored one of the same key).
    func forEach(from: Cut, to: Cut, _ body: (_ key: UnsafeRawBufferPointer, _ state: UnsafeRawBufferPointer) throws -> Void) rethrows {
        switch tail {
        case .patches(let patches):
            var merger = RawMergePatch()
            var out: [UInt8] = [], spare: [UInt8] = []
            try walk(from: from, to: to, order: patches.order, key: { patches.withKey($0, $1) }) { slot, stored in
                patches.state(slot, onto: stored, merger: &merger, out: &out, spare: &spare)
                try patches.withKey(slot) { key in try out.withUnsafeBytes { try body(key, $0) } }
            } stored: { try body($0, $1) }
        case .folded(let texts, let order):
            try walk(from: from, to: to, order: order, key: { texts.withKey($0, $1) }) { slot, _ in
                try texts.withEntry(slot) { key, text in if let text { try body(key, text) } }
            } stored: { try body($0, $1) }
        }
    }

    /// The merge of the stored entries and the tail's slots (`order`, keys by `key`) from `from` to
    /// `to`: `tailEntry` for a tail slot (with the stored state of its key, if any), `stored` for a
    /// present stored record that the tail does not change.
    @inline(__always)
    private func walk(from: Cut, to: Cut, order: [KeyOrder.Keyed], key: (Int, (UnsafeRawBufferPointer) -> Int) -> Int,
                      tailEntry: (_ slot: Int, _ stored: UnsafeRawBufferPointer?) throws -> Void,
                      stored: (_ key: UnsafeRawBufferPointer, _ state: UnsafeRawBufferPointer) throws -> Void) rethrows {
        try base.withUnsafeBufferPointer { base in
            try order.withUnsafeBufferPointer { order in
                var i = from.base, j = from.tail
                while j < to.tail {
                    let entry = order[j]
                    // The stored records before the tail's next key, then that key.
                    var c = 1
                    while i < to.base {
                        let e = base[i]
                        c = key(entry.slot) { KeyOrder.compare(e.prefix, e.key, entry.prefix, $0) }
                        if c >= 0 { break }
                        if let state = e.state { try stored(e.key, state) }
                        i += 1
                    }
                    if i < to.base && c == 0 {
                        try tailEntry(entry.slot, base[i].state)
                        i += 1
                    } else {
                        try tailEntry(entry.slot, nil)
                    }
                    j += 1
                }
                while i < to.base {
                    if let state = base[i].state { try stored(base[i].key, state) }
                    i += 1
                }
            }
        }
    }

    /// Appends the present records from `from` to `to` as members of a JSON object (`"key":state`,
    /// comma-separated; a leading comma unless `first`), calling `flush` whenever `out` holds `chunk`
    /// bytes or more. Returns whether nothing was appended (so the next member is still the first).
    func appendMembers(from: Cut, to: Cut, first: Bool, into out: inout [UInt8], chunk: Int,
                       flush: (inout [UInt8]) throws -> Void) rethrows -> Bool {
        var first = first
        try forEach(from: from, to: to) { key, state in
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONStringWriter.write(bytes: key, into: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: state)
            if out.count >= chunk { try flush(&out) }
        }
        return first
    }
}
