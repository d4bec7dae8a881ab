import Foundation

/// Keeps a log's stored checkpoints (``CheckpointFile``) up to date on a thread of its own while a
/// writer appends: it folds the records the writer hands over (as the encoded bytes it just wrote) and
/// writes a full block at the start of each segment and a delta block every
/// ``CheckpointFile/deltaInterval`` records and when the writer finishes.
///
/// On start it checks the existing checkpoint files against the log (and the rules) and rebuilds,
/// from the last trusted state, every file from the first one that fails; files are replaced by
/// rename, never cut in place, so a reader that has one mapped is never hurt.
///
/// Checkpoints are derived data: a failure here never fails an append; the files are left as they are
/// (readers check them) and the next writer repairs them.
final class CheckpointBuilder: @unchecked Sendable {
    private enum Message {
        /// Encoded records of the segment based at `segment`, starting at offset `first`, and each
        /// record's key slot (as ``writerKeys()`` numbers them; empty: not given).
        case records([UInt8], first: Int64, segment: Int64, slots: [Int32])
        case finish
    }

    let directory: String
    private let digest: [UInt8]
    /// Records in the log when the writer opened (the builder reads those itself).
    private let startCount: Int64
    /// Records between two delta blocks.
    private let interval: Int64

    private let condition = NSCondition()
    private var queue: [Message] = []
    private var running = false
    /// The first error met (kept for tests; appends do not fail because of it).
    private(set) var failure: Error?
    /// Buffers handed back after folding, for the writer to fill again (large buffers passed between
    /// threads and freed by the other one make glibc's heap grow: measured 1.3 GB for a 1M-event import).
    private var spare: [[UInt8]] = []
    /// Whether the stored checkpoints were read (or rebuilt) on start, and the key slots then, for
    /// the writer (nil: the builder failed).
    private var startedUp = false
    private var startKeys: KeySlots?
    private var writerDeclined = false

    // Worker state (touched only by the worker thread, and by `finish` after it is done).
    private var st: FoldState
    private var lastBlock: Int64 = 0
    private var segmentBase: Int64?
    /// The current segment's checkpoint file, appended to with direct I/O (blocks are written once
    /// and a reader reads a few of them).
    private var file: DirectAppender?
    /// Where blocks are encoded, kept from block to block: a block is megabytes, and a fresh buffer
    /// for each would touch fresh pages every time.
    private let blockBuffer = AlignedBuffer()
    /// Where each record of the chunk being folded starts (kept for its capacity).
    private var recordStarts: [Int] = []
    /// How many records ahead the fold starts loading a record's state (twice that: where it is).
    private static let lookAhead = 4

    /// Starts a builder for a log with `count` records folded with `rules`.
    init(directory: String, rules: Rules, count: Int64, interval: Int64 = CheckpointFile.deltaInterval) {
        self.interval = max(1, interval)
        self.directory = directory
        self.digest = CheckpointFile.rulesDigest(rules)
        self.st = FoldState(fold: FastFold(rules: rules))
        self.startCount = count
        running = true
        let thread = Thread { [self] in self.work() }
        thread.stackSize = 8 << 20
        thread.name = "hindsight-checkpoints"
        thread.start()
    }

    /// An empty buffer with room for at least `capacity` bytes (a recycled one when there is).
    func buffer(capacity: Int) -> [UInt8] {
        condition.lock()
        var b = spare.popLast() ?? []
        condition.unlock()
        b.removeAll(keepingCapacity: true)
        if b.capacity < capacity { b.reserveCapacity(capacity) }
        return b
    }

    private func recycle(_ b: [UInt8]) {
        condition.lock()
        if spare.count < 4 { spare.append(b) }
        condition.unlock()
    }

    /// Hands over encoded records (a writer's flushed bytes) of the segment based at `segment`.
    /// Waits while several batches are already queued, so that memory stays bounded.
    func submit(_ bytes: [UInt8], first: Int64, segment: Int64, slots: [Int32] = []) {
        condition.lock()
        while queue.count >= 4 && running { condition.wait() }
        if running { queue.append(.records(bytes, first: first, segment: segment, slots: slots)) }
        condition.signal()
        condition.unlock()
    }

    /// Writes the last delta, makes the files durable and stops the thread; waits for it.
    func finish() {
        condition.lock()
        if running && !queue.contains(where: { if case .finish = $0 { return true } else { return false } }) {
            queue.append(.finish)
            condition.broadcast()
        }
        while running { condition.wait() }
        condition.unlock()
    }

    private func next() -> Message {
        condition.lock()
        while queue.isEmpty { condition.wait() }
        let m = queue.removeFirst()
        condition.broadcast()
        condition.unlock()
        return m
    }

    /// The key slots as the builder numbers them once it has started (with `wait`, waits for that):
    /// a writer that keeps a copy, numbering new keys in the order it appends them, can hand each
    /// record's slot over with it, and the builder need not look keys up itself. Asked for once, before
    /// the first records are handed over. Nil when the builder failed, or has not started and `wait`
    /// is false (then it keeps no copy for later).
    func writerKeys(wait: Bool) -> KeySlots? {
        condition.lock()
        defer { condition.unlock() }
        while wait && !startedUp && running { condition.wait() }
        guard startedUp else {
            writerDeclined = true
            return nil
        }
        let keys = startKeys
        startKeys = nil
        return keys
    }

    private func stop() {
        condition.lock()
        running = false
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Worker

    private func work() {
        var healthy = true
        do {
            try startUp()
        } catch {
            failure = error
            healthy = false
        }
        condition.lock()
        startedUp = true
        startKeys = healthy && !writerDeclined ? st.keys : nil
        condition.broadcast()
        condition.unlock()
        while true {
            let message = next()
            guard healthy else {
                if case .finish = message { break }
                continue
            }
            do {
                switch message {
                case .records(let bytes, let first, let segment, let slots):
                    try foldChunk(bytes, first: first, segment: segment, slots: slots)
                    recycle(bytes)
                case .finish:
                    try writeDelta(&st)
                    try file?.sync()
                }
            } catch {
                failure = error
                healthy = false
            }
            if case .finish = message { break }
        }
        file = nil
        stop()
    }

    /// Folds a chunk of encoded records.
    private func foldChunk(_ bytes: [UInt8], first: Int64, segment: Int64, slots: [Int32]) throws {
        // Work on a local copy of the state (no exclusivity checks per access); put it back after.
        var state = FoldState(fold: st.fold)
        swap(&state, &st)
        defer { swap(&state, &st) }
        guard first == state.position else {
            throw HindsightError(.io, "checkpoints: expected records from offset \(state.position), got \(first)")
        }
        var starts = recordStarts
        recordStarts = []
        defer { recordStarts = starts }
        try bytes.withUnsafeBytes { raw in
            // Where each record starts, so that the fold can look ahead: a record's state is somewhere
            // in a buffer of tens of megabytes, and loading it is started a few records before it is merged.
            starts.removeAll(keepingCapacity: true)
            var p = 0
            while p + 4 <= raw.count {
                guard let size = RecordFormat.frameSize(UnsafeRawBufferPointer(rebasing: raw[p...])), p + size <= raw.count else {
                    throw HindsightError(.io, "checkpoints: a handed-over record does not frame")
                }
                starts.append(p)
                p += size
            }
            starts.append(p)
            let n = starts.count - 1
            let given = slots.count == n
            try starts.withUnsafeBufferPointer { at in
                try slots.withUnsafeBufferPointer { slot in
                    let d = CheckpointBuilder.lookAhead
                    for r in 0..<n {
                        if segmentBase != segment { try startSegment(segment, &state) }
                        let view = RecordView(UnsafeRawBufferPointer(rebasing: raw[at[r]..<at[r + 1]]))
                        if given {
                            // The slot's entry two steps ahead, its text (and key) one step ahead.
                            if r + 2 * d < n { state.prefetchSlot(Int(slot[r + 2 * d])) }
                            if r + d < n { state.prefetchText(Int(slot[r + d])) }
                            state.apply(view, slot: state.slot(view.key, given: Int(slot[r])))
                        } else {
                            state.apply(view, slot: state.slot(view.key))
                        }
                        if state.position - lastBlock >= interval { try writeDelta(&state) }
                    }
                }
            }
        }
    }

    /// Ends the current segment's file (a delta at the segment's end) and starts the next one with a
    /// full block.
    private func startSegment(_ base: Int64, _ state: inout FoldState) throws {
        try writeDelta(&state)
        try file?.sync()
        guard base == state.position else {
            throw HindsightError(.io, "checkpoints: a segment starts at \(base) but \(state.position) records were folded")
        }
        segmentBase = base
        let present = (0..<state.slotCount).filter { state.isPresent($0) }
        try state.withBlock(full: true, previous: base, slots: present, digest: digest, buffer: blockBuffer) { block in
            try replaceFile(base: base, with: block)
        }
        lastBlock = base
        state.endBlock()
    }

    /// Writes a delta block for the records changed since the last block (if any were folded).
    private func writeDelta(_ state: inout FoldState) throws {
        guard let file, state.position > lastBlock else { return }
        try state.withBlock(full: false, previous: lastBlock, slots: state.changed, digest: digest, buffer: blockBuffer) { block in
            try file.append(block)
        }
        lastBlock = state.position
        state.endBlock()
    }

    /// Writes `bytes` as the new checkpoint file of a segment (a temporary file renamed into place) and
    /// keeps it open for appending.
    private func replaceFile(base: Int64, with bytes: UnsafeRawBufferPointer) throws {
        let path = CheckpointFile.path(directory: directory, base: base)
        let tmp = path + ".tmp"
        let f = try RawFile.openForWriting(tmp, create: true)
        try f.truncate(to: 0)
        let appender = DirectAppender(file: f, size: 0)
        try appender.append(bytes)
        try FileSystem.rename(tmp, path)
        file = appender
    }

    // MARK: Start-up: check what is stored, rebuild what fails

    private func startUp() throws {
        guard startCount > 0 else { return }
        let log = try LogReader(directory: directory)
        let bases = log.segments.map(\.base)
        let count = min(startCount, log.count)
        // The trusted chain of each segment's file, in order, until the first that fails; the last one
        // trusted is kept.
        var trusted: (base: Int64, chain: CheckpointChain, bytes: [UInt8])?
        for (i, base) in bases.enumerated() {
            let path = CheckpointFile.path(directory: directory, base: base)
            guard let bytes = try? FileSystem.readAll(path) else { break }
            let chain = bytes.withUnsafeBytes { raw in
                CheckpointChain.read(raw, base: base, logCount: count, rulesDigest: digest) { p in
                    try? log.withRecord(at: p - 1) { Array($0.hash) }
                }
            }
            guard let last = chain.blocks.last?.header.position else { break }
            let end = i + 1 < bases.count ? bases[i + 1] : count
            let isLast = i == bases.count - 1
            trusted = (base, chain, bytes)
            if !isLast && last != end { break }
        }
        // Start from the last trusted state.
        var from: Int64 = 0
        var hash = [UInt8](repeating: 0, count: 32)
        var keepLastFile = false
        if let t = trusted, let lastBlock = t.chain.blocks.last {
            from = lastBlock.header.position
            hash = lastBlock.header.recordHash
            t.bytes.withUnsafeBytes { raw in
                _ = t.chain.forEachEntryNewestFirst(raw, upTo: from) { key, state in
                    guard !st.hasSlot(key) else { return }
                    st.load(key, state)
                }
            }
            keepLastFile = true
            segmentBase = t.base
            // Keep the file's trusted blocks (a copy renamed into place: readers may have it mapped).
            let valid = Array(t.bytes[0..<t.chain.validLength])
            if valid.count == t.bytes.count {
                file = try DirectAppender(file: RawFile.openForWriting(CheckpointFile.path(directory: directory, base: t.base), create: false),
                                          size: valid.count)
            } else {
                try valid.withUnsafeBytes { try replaceFile(base: t.base, with: $0) }
            }
        }
        st.position = from
        lastBlock = from
        st.lastHash = hash
        if !keepLastFile { segmentBase = nil }
        // Fold the records after it, segment by segment, writing blocks as during appends.
        guard from < count else { return }
        var offset = from
        while offset < count {
            guard let i = log.segmentIndex(for: offset) else { break }
            let base = bases[i]
            let end = min(count, i + 1 < bases.count ? bases[i + 1] : count)
            var state = FoldState(fold: st.fold)
            swap(&state, &st)
            defer { swap(&state, &st) }
            try log.forEachView(from: offset, to: end) { view in
                if self.segmentBase != base { try self.startSegment(base, &state) }
                state.apply(view)
                if state.position - self.lastBlock >= self.interval { try self.writeDelta(&state) }
                return true
            }
            offset = end
        }
        // The end of what was there when the writer opened.
        try writeDelta(&st)
    }
}

/// The checkpoint builder's fold: one slot per record (key) with its state, and the slots changed
/// since the last block. With the default rule (merge every event) states are JSON text kept in one
/// buffer (a ``TextArena``), so that folding an event allocates nothing.
private struct FoldState {
    let fold: FastFold
    /// Whether states are kept as text (every event is a root merge: the default rule).
    let raw: Bool
    var keys = KeySlots()
    /// Text states (the default rule).
    var texts = TextArena()
    /// Tree states (other rules).
    var slotTree: [JSON?] = []
    /// The block generation in which each slot last changed.
    var slotChanged: [Int] = []
    /// Slots changed since the last block.
    var changed: [Int] = []
    /// The slots in key order (those there were at the last block), and each one's place in it.
    private var keyOrder: [Int32] = []
    private var orderPrefixes: [KeyOrder.Prefix] = []
    private var rank: [Int32] = []
    var generation = 1
    /// Records folded.
    var position: Int64 = 0
    /// The chain hash of record `position - 1`.
    var lastHash = [UInt8](repeating: 0, count: 32)
    var buffers = JSONParseBuffers()
    var issues: [String] = []

    init(fold: FastFold) {
        self.fold = fold
        self.raw = fold.allMerge
    }

    var slotCount: Int { keys.count }

    /// The slot of a record, made when it is new.
    @inline(__always)
    mutating func slot(_ key: UnsafeRawBufferPointer) -> Int {
        let (s, new) = keys.slot(key, hash: HashIndex.hash(key))
        if new {
            texts.addSlot()
            if !raw { slotTree.append(nil) }
            slotChanged.append(0)
        }
        return s
    }

    /// The slot of a record whose slot the writer gave (checked against the key: a wrong one is
    /// looked up instead).
    @inline(__always)
    mutating func slot(_ key: UnsafeRawBufferPointer, given: Int) -> Int {
        if given < keys.count, keys.withKey(given, { $0.sameBytes(as: key) }) { return given }
        return slot(key)
    }

    /// Starts loading where a slot's text and key are (a merge two steps ahead).
    @inline(__always)
    func prefetchSlot(_ s: Int) {
        guard s < keys.count else { return }
        texts.prefetchSlot(s)
        keys.prefetchSlot(s)
    }

    /// Starts loading a slot's text and key (a merge a step ahead).
    @inline(__always)
    func prefetchText(_ s: Int) {
        guard s < keys.count else { return }
        texts.prefetch(s)
        keys.prefetchKey(s)
    }

    /// Whether a record already has a slot.
    func hasSlot(_ key: UnsafeRawBufferPointer) -> Bool {
        keys.find(key, hash: HashIndex.hash(key)) != nil
    }

    /// Sets a record's state from a stored block (JSON text, nil: absent).
    mutating func load(_ key: UnsafeRawBufferPointer, _ state: UnsafeRawBufferPointer?) {
        let s = slot(key)
        if raw {
            texts.set(s, state)
        } else {
            slotTree[s] = state.flatMap { try? JSONParser.parse($0, buffers: &buffers) }
        }
    }

    /// A slot's text state (valid inside `body`; nil: absent).
    @inline(__always)
    func withText<R>(_ s: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        try texts.withText(s, body)
    }

    func isPresent(_ s: Int) -> Bool { raw ? texts.isPresent(s) : slotTree[s] != nil }

    @inline(__always)
    mutating func apply(_ view: RecordView) {
        apply(view, slot: slot(view.key))
    }

    /// Folds a record into slot `s` (its key's slot: given by the writer, or ``slot(_:given:)``).
    @inline(__always)
    mutating func apply(_ view: RecordView, slot given: Int) {
        let s = given
        if slotChanged[s] != generation {
            slotChanged[s] = generation
            changed.append(s)
        }
        if raw {
            texts.merge(s, view.payload)
        } else {
            var state = slotTree[s]
            slotTree[s] = nil
            fold.apply(view, to: &state, buffers: &buffers, issues: &issues)
            slotTree[s] = state
            issues.removeAll(keepingCapacity: true)
        }
        position += 1
        if let base = view.hash.baseAddress { lastHash.withUnsafeMutableBytes { $0.baseAddress?.copyMemory(from: base, byteCount: 32) } }
    }

    mutating func endBlock() {
        generation += 1
        changed.removeAll(keepingCapacity: true)
    }

    /// The given slots (each once) in key order. The order of all keys is kept from block to block
    /// (only keys new since the last block are sorted, then merged in), so a block's slots are put in
    /// order by their ranks; past ``rankedKeys`` keys each block's slots are sorted by key instead.
    mutating func inKeyOrder(_ slots: [Int]) -> [Int] {
        guard keys.count <= FoldState.rankedKeys else { return keys.sortedByKey(slots).map(\.slot) }
        rankNewKeys()
        if slots.count * 16 < keyOrder.count {
            return slots.map { rank[$0] }.sorted().map { Int(keyOrder[Int($0)]) }
        }
        // Many of the keys: mark their ranks, then read the marks in order.
        var marks = [UInt64](repeating: 0, count: (keyOrder.count + 63) / 64)
        for s in slots {
            let r = Int(rank[s])
            marks[r >> 6] |= 1 << UInt64(r & 63)
        }
        var out: [Int] = []
        out.reserveCapacity(slots.count)
        for (w, word) in marks.enumerated() {
            var bits = word
            while bits != 0 {
                out.append(Int(keyOrder[w << 6 | bits.trailingZeroBitCount]))
                bits &= bits - 1
            }
        }
        return out
    }

    /// Keys up to which the builder keeps every key's rank in key order.
    static let rankedKeys = 4_000_000

    /// Brings `keyOrder` and `rank` up to the slots added since the last call: sorts those and puts
    /// each in its place (found by a binary search over the prefixes of the keys in order).
    private mutating func rankNewKeys() {
        let n = keys.count, old = keyOrder.count
        guard old < n else { return }
        let added = keys.sortedByKey(old..<n)
        var merged: [Int32] = [], mergedPrefixes: [KeyOrder.Prefix] = []
        merged.reserveCapacity(n)
        mergedPrefixes.reserveCapacity(n)
        var i = 0
        var firstMoved = old
        for a in added {
            // The first key in order (from i) that does not sort before the added one.
            var lo = i, hi = old
            keys.withKey(a.slot) { ka in
                while lo < hi {
                    let mid = (lo + hi) / 2
                    let p = orderPrefixes[mid]
                    let before = p.high != a.prefix.high ? p.high < a.prefix.high
                        : p.low != a.prefix.low ? p.low < a.prefix.low
                        : keys.withKey(Int(keyOrder[mid])) { KeyOrder.compare(p, $0, a.prefix, ka) < 0 }
                    if before { lo = mid + 1 } else { hi = mid }
                }
            }
            firstMoved = min(firstMoved, lo)
            merged.append(contentsOf: keyOrder[i..<lo])
            mergedPrefixes.append(contentsOf: orderPrefixes[i..<lo])
            merged.append(Int32(a.slot))
            mergedPrefixes.append(a.prefix)
            i = lo
        }
        merged.append(contentsOf: keyOrder[i...])
        mergedPrefixes.append(contentsOf: orderPrefixes[i...])
        keyOrder = merged
        orderPrefixes = mergedPrefixes
        rank.append(contentsOf: repeatElement(0, count: n - old))
        for r in firstMoved..<n { rank[Int(keyOrder[r])] = Int32(r) }
    }

    /// A block of the given slots' states at `position`, in key order (so that a reader can merge
    /// blocks instead of looking every entry up).
    /// The block is encoded in `buffer` (text states) and valid inside `body`.
    mutating func withBlock<R>(full: Bool, previous: Int64, slots unsorted: [Int], digest: [UInt8], buffer: AlignedBuffer,
                               _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let slots = inKeyOrder(unsorted)
        guard raw else {
            return try encodeTrees(full: full, previous: previous, sortedSlots: slots, digest: digest).withUnsafeBytes(body)
        }
        // States are text already: size the block, then copy.
        var size = CheckpointFile.headerSize + 4
        for s in slots { size += 8 + keys.withKey(s) { $0.count } + texts.byteCount(s) }
        guard buffer.reserve(size), let out = buffer.pointer else {
            throw HindsightError(.io, "checkpoints: cannot allocate \(size) bytes for a block")
        }
        let count = encodeTexts(at: out, size: size, full: full, previous: previous, sortedSlots: slots, digest: digest)
        return try body(UnsafeRawBufferPointer(start: out, count: count))
    }

    /// A block of the given slots' tree states (rules other than the default).
    private func encodeTrees(full: Bool, previous: Int64, sortedSlots slots: [Int], digest: [UInt8]) -> [UInt8] {
        var block: [UInt8] = []
        let entries = slots.lazy.map { s -> (String, [UInt8]?) in
            let key = keys.withKey(s) { String(decoding: $0, as: UTF8.self) }
            guard let state = slotTree[s] else { return (key, nil) }
            var out: [UInt8] = []
            JSONSerializer.write(state, into: &out, indent: nil, level: 0)
            return (key, out)
        }
        CheckpointFile.encode(full: full, sorted: true, position: position, previous: previous, recordHash: lastHash, rulesDigest: digest,
                              entries: entries, into: &block)
        return block
    }

    /// Writes a block of the given slots' text states at `out` (room for `size` bytes, as the
    /// entries add up); returns its length.
    private func encodeTexts(at out: UnsafeMutableRawPointer, size: Int, full: Bool, previous: Int64, sortedSlots slots: [Int],
                             digest: [UInt8]) -> Int {
        CheckpointFile.writeHeader(at: out, full: full, sorted: true, length: size, position: position, previous: previous,
                                   recordHash: lastHash, rulesDigest: digest, entries: slots.count)
        var p = CheckpointFile.headerSize
        for s in slots {
            keys.withKey(s) { k in
                out.storeBytes(of: UInt32(k.count).littleEndian, toByteOffset: p, as: UInt32.self)
                if let kb = k.baseAddress { (out + p + 4).copyMemory(from: kb, byteCount: k.count) }
                p += 4 + k.count
            }
            withText(s) { text in
                if let text {
                    out.storeBytes(of: UInt32(text.count).littleEndian, toByteOffset: p, as: UInt32.self)
                    if let b = text.baseAddress { (out + p + 4).copyMemory(from: b, byteCount: text.count) }
                    p += 4 + text.count
                } else {
                    out.storeBytes(of: CheckpointFile.absent.littleEndian, toByteOffset: p, as: UInt32.self)
                    p += 4
                }
            }
        }
        let crc = CRC32.checksum(UnsafeRawBufferPointer(start: out, count: p))
        out.storeBytes(of: crc.littleEndian, toByteOffset: p, as: UInt32.self)
        return p + 4
    }
}
