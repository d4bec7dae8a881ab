#if canImport(Glibc)
import Glibc
#endif

/// An event ready to be appended: its fields extracted and its data as JSON text.
public struct EventDraft: Sendable, Equatable {
    public var id: String
    public var key: String
    public var type: String
    /// When the event happened; nil means "when it is appended".
    public var eventTime: Timestamp?
    /// Importer metadata as compact JSON text, or empty.
    public var meta: [UInt8]
    /// The event data as JSON text.
    public var payload: [UInt8]

    public init(id: String, key: String, type: String, eventTime: Timestamp?, meta: [UInt8] = [], payload: [UInt8]) {
        self.id = id
        self.key = key
        self.type = type
        self.eventTime = eventTime
        self.meta = meta
        self.payload = payload
    }
}

/// What an append did.
public struct AppendReport: Sendable, Equatable {
    /// Records written.
    public var appended: Int = 0
    /// Events skipped because their id was already in the log (or earlier in the same batch).
    public var duplicates: Int = 0
    /// The offset the first appended record got (the log's end when nothing was appended).
    public var firstOffset: Int64 = 0
    /// The log's record count afterwards.
    public var nextOffset: Int64 = 0

    public init() {}
}

/// The single writer of a log directory: holds the advisory lock, recovers a torn tail on open,
/// appends framed records with their chain hash, rolls segments, keeps the derived indexes and
/// makes each append durable (fsync) before returning. A ``CheckpointBuilder`` folds what it appends
/// on a thread of its own and stores state checkpoints with the log; ``close()`` waits for it.
public final class LogWriter {
    public let directory: String
    public private(set) var meta: LogMeta
    /// Bytes of a torn tail cut when the writer opened (0 when the log was whole).
    public private(set) var recoveredBytes: Int = 0
    /// Records in the log.
    public var count: Int64 { nextOffset }

    private let lockFile: RawFile
    private let clock: @Sendable () -> Timestamp
    private var reader: LogReader
    private var nextOffset: Int64
    /// The chain hash of the last record (32 bytes, held inline).
    private var lastHash: SIMD4<UInt64>
    private var runningMax: Int64
    /// Segments sealed before this writer opened: their id indexes are read from disk.
    private let sealedAtOpen: Int

    // The active segment.
    private var activeFiles: SegmentFiles?
    /// The active segment's records file, appended to with direct I/O: an import writes gigabytes
    /// that are read back only in small parts, and copying them into fresh page-cache pages was the
    /// largest part of an import's system time (see ``DirectAppender``).
    private var activeFile: DirectAppender?
    /// Bytes of records in the active segment's file (what its appender has written).
    private var activeSize: Int { activeFile?.size ?? 0 }
    private var activeCount = 0
    private var activeIndex: [IndexEntry] = []
    private var indexFlushed = 0
    private var lastEntryPosition = 0
    private var activeKeys = HashIndex()
    private var activeIDs = HashIndex()
    private var hashesFlushed = 0
    /// CRC-32 of the flushed entries of the active key and id index files (kept in their headers).
    private var keysCRC: UInt32 = 0
    private var idsCRC: UInt32 = 0

    /// Ids of the active segment and of everything appended by this writer: hash -> offset.
    private var recentIDs = IDTable()
    /// Records encoded but not yet written, and where each starts in `pending`.
    private var pending: [UInt8] = []
    private var pendingStarts: [Int] = []
    /// The key hash of each pending record.
    private var pendingKeyHashes: [UInt64] = []
    private var pendingFirstOffset: Int64 = 0
    /// How many events ahead the id table slot is prefetched (a miss costs about as much as staging a
    /// few events).
    private static let lookAhead = 8
    /// Flush when this many bytes are pending (tests use small sizes).
    static let defaultFlushBytes = 8 << 20
    private let flushBytes: Int

    private var checkpoints: CheckpointBuilder?
    /// The sorted key and id indexes of a segment just sealed, being written (nil: none).
    private var sealing: Background<Error?>?
    /// The checkpoint builder's key slots, numbered on here as records are handed over (nil: not
    /// asked for yet, or the builder failed), so that each batch goes with its records' slots.
    private var keySlots: KeySlots?
    private var keySlotsAsked = false
    private let checkpointInterval: Int64

    /// Opens (and with `create`, creates) a log for appending.
    /// - Parameters:
    ///   - segmentBytes: the roll size for a new log (an existing log keeps its own).
    ///   - fields: the field mapping to record in `log.json` for a new log.
    ///   - clock: the log time of appended records.
    public convenience init(directory: String, create: Bool = true, segmentBytes: Int? = nil, fields: FieldMapping? = nil,
                            clock: @escaping @Sendable () -> Timestamp = Timestamp.now) throws {
        try self.init(directory: directory, create: create, segmentBytes: segmentBytes, fields: fields, clock: clock,
                      checkpointInterval: CheckpointFile.deltaInterval)
    }

    /// Opens a log for appending, storing a checkpoint delta every `checkpointInterval` records (tests
    /// use small intervals).
    init(directory: String, create: Bool = true, segmentBytes: Int? = nil, fields: FieldMapping? = nil,
         clock: @escaping @Sendable () -> Timestamp = Timestamp.now, checkpointInterval: Int64,
         flushBytes: Int = LogWriter.defaultFlushBytes) throws {
        self.flushBytes = max(1, flushBytes)
        self.directory = directory
        self.clock = clock
        self.checkpointInterval = max(1, checkpointInterval)
        if !FileSystem.exists(directory + "/" + LogMeta.fileName) {
            if FileSystem.isDirectory(directory) {
                let entries = try FileSystem.list(directory).filter { $0 != ".lock" && !$0.hasPrefix(".") }
                if !entries.isEmpty {
                    throw HindsightError(.badInput, "\(directory) is not empty and is not a hindsight log",
                                         hint: "choose a new directory for --log")
                }
            } else if !create {
                throw HindsightError(.notFound, "\(directory): no such log directory", hint: "check the path")
            }
            try FileSystem.makeDirectory(directory)
            let newMeta = LogMeta(segmentBytes: segmentBytes ?? LogMeta.defaultSegmentBytes, fields: fields ?? FieldMapping(), created: clock())
            // Lock before writing log.json so that two creators do not race.
            let lock = try RawFile.openForWriting(directory + "/.lock", create: true)
            guard try lock.tryLockExclusive() else { throw LogWriter.lockedError(directory) }
            if !FileSystem.exists(directory + "/" + LogMeta.fileName) { try newMeta.write(directory: directory) }
            self.lockFile = lock
        } else {
            let lock = try RawFile.openForWriting(directory + "/.lock", create: true)
            guard try lock.tryLockExclusive() else { throw LogWriter.lockedError(directory) }
            self.lockFile = lock
        }
        self.meta = try LogMeta.read(directory: directory)
        var reader = try LogReader(directory: directory)
        switch reader.tail {
        case .clean: break
        case .damaged(let segment, let offset, let reason):
            throw HindsightError(.corrupt, "\(segment): the record at offset \(offset) is damaged (\(reason)) and valid records follow it; the writer will not cut them",
                                 hint: "run hindsight verify \(directory) and restore the segment from a backup")
        case .torn(let segment, let position, let bytes):
            let file = try RawFile.openForWriting(segment, create: false)
            try file.truncate(to: position)
            try file.sync()
            recoveredBytes = bytes
            reader = try LogReader(directory: directory)
        }
        self.reader = reader
        self.nextOffset = reader.count
        self.lastHash = try reader.headHash().bytes.withUnsafeBytes { $0.loadUnaligned(as: SIMD4<UInt64>.self) }
        self.sealedAtOpen = max(0, reader.segments.count - 1)
        if let last = reader.segments.indices.last {
            self.runningMax = try reader.endMaxTime(last)
        } else {
            self.runningMax = Int64.min
        }
        try repairSealedIndexes()
        if reader.segments.last != nil { try openActive() }
        startCheckpoints()
    }

    deinit {
        _ = sealing?.wait()
        checkpoints?.finish()
    }

    static func lockedError(_ directory: String) -> HindsightError {
        HindsightError(.locked, "\(directory) is being written by another process (its writer lock is held)",
                       hint: "wait for the other import to finish; readers may open the log meanwhile")
    }

    /// Waits for the stored checkpoints to catch up, then releases the lock. Appends are already durable.
    public func close() {
        try? finishSealing()
        checkpoints?.finish()
        checkpoints = nil
        flock(lockFile.fd, LOCK_UN)
    }

    /// The rules the log is read with by default: those stored with it, else merge everything.
    private var foldRules: Rules? {
        guard let stored = meta.rules else { return Rules.mergeAll }
        return try? Rules(json: stored)
    }

    private func startCheckpoints() {
        guard let rules = foldRules else { return }
        checkpoints = CheckpointBuilder(directory: directory, rules: rules, count: nextOffset, interval: checkpointInterval)
    }

    /// Waits for the checkpoint builder (tests use it); the first error it met, if any.
    func finishCheckpoints() -> Error? {
        let error = checkpoints?.failure
        checkpoints?.finish()
        let failure = checkpoints?.failure ?? error
        checkpoints = nil
        return failure
    }

    // MARK: Opening

    /// Rewrites any missing or failing index of a sealed segment.
    private func repairSealedIndexes() throws {
        for i in 0..<sealedAtOpen {
            let s = reader.segments[i]
            let files = s.files
            let size = (try? RawFile.openForReading(files.log).size()) ?? 0
            let offsets = (try? FileSystem.readAll(files.offsetIndex)) ?? []
            let times = (try? FileSystem.readAll(files.timeIndex)) ?? []
            if SparseIndex.decode(offsetFile: offsets, timeFile: times, segmentSize: size)?.isEmpty ?? true {
                let entries = try reader.rebuildIndex(i)
                try FileSystem.writeAtomically(files.offsetIndex, SparseIndex.encodeOffsetEntries(entries[...]))
                try FileSystem.writeAtomically(files.timeIndex, SparseIndex.encodeTimeEntries(entries[...]))
            }
            for ids in [false, true] {
                let path = ids ? files.ids : files.keys
                let header = (try? RawFile.openForReading(path)).flatMap { try? $0.read(0..<HashIndex.headerSize) } ?? []
                let ok = header.count == HashIndex.headerSize && Array(header[0..<4]) == HashIndex.magic && header[5] & 1 == 1
                    && header.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self))) } == s.count
                if !ok {
                    s.keys = nil
                    s.ids = nil
                    let index = try reader.hashIndex(i, ids: ids).sortedCopy()
                    try FileSystem.writeAtomically(path, index.encode())
                }
            }
        }
    }

    /// Loads the last segment as the active one and rewrites its indexes to match its records.
    private func openActive() throws {
        let i = reader.segments.count - 1
        let s = reader.segments[i]
        activeFiles = s.files
        let file = try RawFile.openForWriting(s.files.log, create: false)
        activeFile = DirectAppender(file: file, size: s.validSize)
        activeCount = s.count
        activeIndex = try reader.sparseIndex(i)
        lastEntryPosition = Int(activeIndex.last?.position ?? 0)
        activeKeys = try reader.hashIndex(i, ids: false)
        activeIDs = try reader.hashIndex(i, ids: true)
        if activeKeys.sorted || activeIDs.sorted { try rebuildActiveHashes(s) }
        for (h, rel) in zip(activeIDs.hashes, activeIDs.offsets) {
            recentIDs.insert(hash: h, offset: s.base + Int64(rel))
        }
        // Derived files: write them afresh so they match the records exactly.
        try FileSystem.writeAtomically(s.files.offsetIndex, SparseIndex.encodeOffsetEntries(activeIndex[...]))
        try FileSystem.writeAtomically(s.files.timeIndex, SparseIndex.encodeTimeEntries(activeIndex[...]))
        try FileSystem.writeAtomically(s.files.keys, activeKeys.encode())
        try FileSystem.writeAtomically(s.files.ids, activeIDs.encode())
        indexFlushed = activeIndex.count
        hashesFlushed = activeCount
        keysCRC = LogWriter.entriesCRC(activeKeys)
        idsCRC = LogWriter.entriesCRC(activeIDs)
        pendingFirstOffset = nextOffset
    }

    private static func entriesCRC(_ index: HashIndex) -> UInt32 {
        index.encode().withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[HashIndex.headerSize..<(HashIndex.headerSize + index.count * HashIndex.entrySize)])) }
    }

    /// An active segment's hash indexes in offset order (a segment sealed and then extended is rare: a crash mid-roll).
    private func rebuildActiveHashes(_ s: LogReader.Segment) throws {
        var keys = HashIndex(), ids = HashIndex()
        try reader.forEachView(from: s.base, to: s.base + Int64(s.count)) { r in
            keys.append(hash: HashIndex.hash(r.key), relativeOffset: UInt32(r.offset - s.base))
            ids.append(hash: HashIndex.hash(r.id), relativeOffset: UInt32(r.offset - s.base))
            return true
        }
        activeKeys = keys
        activeIDs = ids
    }

    // MARK: Appending

    /// Whether an event with this id is in the log or pending.
    public func contains(id: String) throws -> Bool {
        var id = id
        return try id.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            return try contains(id: bytes, hash: HashIndex.hash(bytes))
        }
    }

    /// Whether an event with this id (UTF-8 bytes, and their hash) is in the log or pending.
    private func contains(id: UnsafeRawBufferPointer, hash h: UInt64) throws -> Bool {
        if try recentIDs.contains(hash: h, where: { try recordHasID($0, id) }) { return true }
        return try sealedAtOpenContains(id: id, hash: h)
    }

    /// Whether the record at `offset` (appended by this writer, or pending) has this id.
    private func recordHasID(_ offset: Int64, _ id: UnsafeRawBufferPointer) throws -> Bool {
        if offset >= pendingFirstOffset {
            return pendingID(offset).elementsEqual(id)
        }
        return try reader.field(at: offset, ids: true, equals: id)
    }

    /// Whether a segment sealed before this writer opened holds this id.
    private func sealedAtOpenContains(id: UnsafeRawBufferPointer, hash h: UInt64) throws -> Bool {
        for i in 0..<sealedAtOpen {
            let s = reader.segments[i]
            for rel in try reader.candidates(i, hash: h, ids: true) where try reader.field(at: s.base + Int64(rel), ids: true, equals: id) {
                return true
            }
        }
        return false
    }

    /// The id bytes of a pending (encoded, not yet written) record.
    private func pendingID(_ offset: Int64) -> [UInt8] {
        let start = pendingStarts[Int(offset - pendingFirstOffset)]
        return pending.withUnsafeBytes { raw in
            let n = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 10, as: UInt16.self)))
            return Array(raw[(start + RecordFormat.headerSize)..<(start + RecordFormat.headerSize + n)])
        }
    }

    /// Appends events whose id is not yet in the log, in order, and makes them durable before returning.
    /// `progress` is called now and then with the number of drafts handled.
    public func append(_ drafts: [EventDraft], progress: ((Int) -> Void)? = nil) throws -> AppendReport {
        try append(batch: drafts, progress: progress)
    }

    /// Appends a batch of events (see ``append(_:progress:)``).
    func append(batch: some AppendBatch, progress: ((Int) -> Void)? = nil) throws -> AppendReport {
        var report = AppendReport()
        report.firstOffset = nextOffset
        pendingFirstOffset = nextOffset
        let n = batch.count
        for i in 0..<n {
            if i & 0x3FFF == 0 { progress?(i) }
            if i + LogWriter.lookAhead < n { recentIDs.prefetch(hash: batch.idHash(i + LogWriter.lookAhead)) }
            let appended = try batch.withEvent(i) { fields in try stage(fields) }
            if appended { report.appended += 1 } else { report.duplicates += 1 }
        }
        try flush(sync: true)
        try finishSealing()
        progress?(n)
        report.nextOffset = nextOffset
        return report
    }

    /// Makes room in the writer's table of ids for `count` more events (an import that knows how many
    /// it will append), so that the table is not rehashed as it grows.
    public func reserve(events count: Int) {
        recentIDs.reserve(recentIDs.count + count)
    }

    /// Appends chunks of events until `next` returns nil, syncing once at the end (a long import).
    func append(chunks next: () throws -> CompactEvents?, progress: ((Int) -> Void)? = nil) throws -> AppendReport {
        var report = AppendReport()
        report.firstOffset = nextOffset
        pendingFirstOffset = nextOffset
        var handled = 0
        while let batch = try next() {
            progress?(handled)
            let n = batch.count
            for i in 0..<n {
                if i + LogWriter.lookAhead < n { recentIDs.prefetch(hash: batch.idHash(i + LogWriter.lookAhead)) }
                let appended = try batch.withEvent(i) { fields in try stage(fields) }
                if appended { report.appended += 1 } else { report.duplicates += 1 }
            }
            handled += batch.count
        }
        try flush(sync: true)
        try finishSealing()
        progress?(handled)
        report.nextOffset = nextOffset
        return report
    }

    private func validate(_ e: EventFields) throws {
        for (name, value) in [("id", e.id), ("key", e.key), ("type", e.type)] where value.count > RecordFormat.maxFieldLength {
            throw HindsightError(.badInput, "an event's \(name) is \(value.count) bytes long; the limit is \(RecordFormat.maxFieldLength)")
        }
        let size = RecordFormat.size(idCount: e.id.count, keyCount: e.key.count, typeCount: e.type.count, metaCount: e.meta.count, payloadCount: e.payload.count)
        if size > RecordFormat.maxRecordSize {
            throw HindsightError(.badInput, "an event (id \(TextSafety.escape(String(decoding: e.id, as: UTF8.self)))) is \(size) bytes; the largest record is \(RecordFormat.maxRecordSize) bytes")
        }
    }

    /// Encodes one event unless its id is already in the log; returns whether it was appended.
    private func stage(_ e: EventFields) throws -> Bool {
        let recordSize = RecordFormat.size(idCount: e.id.count, keyCount: e.key.count, typeCount: e.type.count, metaCount: e.meta.count, payloadCount: e.payload.count)
        if e.id.count > RecordFormat.maxFieldLength || e.key.count > RecordFormat.maxFieldLength || e.type.count > RecordFormat.maxFieldLength
            || recordSize > RecordFormat.maxRecordSize
        {
            try validate(e)
        }
        let idHash = e.idHash
        // One probe of the table finds the id or the slot it goes in (nothing else is inserted before it).
        let (seen, idSlot) = try recentIDs.find(hash: idHash) { try recordHasID($0, e.id) }
        if seen { return false }
        if sealedAtOpen > 0, try sealedAtOpenContains(id: e.id, hash: idHash) { return false }
        var start = pending.count
        let segmentEnd = activeSize + start
        if activeFile == nil || (segmentEnd > 0 && segmentEnd + recordSize > meta.segmentBytes) {
            try roll()
            start = pending.count
        }
        let position = activeSize + start
        let logTime = clock().microseconds
        let eventTime = e.eventTime ?? logTime
        let maxTime = max(runningMax, eventTime)
        runningMax = maxTime
        let offset = nextOffset
        let rel = UInt32(offset - (activeFiles?.base ?? 0))
        if pending.capacity < start + recordSize {
            let want = max(flushBytes + (1 << 20), (start + recordSize) * 2)
            if start == 0, let checkpoints { pending = checkpoints.buffer(capacity: want) } else { pending.reserveCapacity(want) }
        }
        // Encoded in place with the previous hash held in a local (one access to each stored property).
        var hash = lastHash
        pending.append(contentsOf: repeatElement(0, count: recordSize))
        pending.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            let at = base + start
            RecordFormat.encodeBody(at: at, offset: offset, logTime: logTime, eventTime: eventTime,
                                              id: e.id, key: e.key, type: e.type, meta: e.meta, payload: e.payload)
            withUnsafeBytes(of: hash) { previous in
                if let p = previous.baseAddress { RecordFormat.seal(at, size: recordSize, previous: p) }
            }
            hash = UnsafeRawPointer(at + (recordSize - RecordFormat.hashSize)).loadUnaligned(as: SIMD4<UInt64>.self)
        }
        lastHash = hash
        if activeIndex.isEmpty || position - lastEntryPosition >= SparseIndex.interval {
            activeIndex.append(IndexEntry(relativeOffset: rel, position: UInt32(position), maxTime: maxTime))
            lastEntryPosition = position
        }
        activeKeys.append(hash: e.keyHash, relativeOffset: rel)
        activeIDs.append(hash: idHash, relativeOffset: rel)
        recentIDs.insert(hash: idHash, offset: offset, at: idSlot)
        pendingStarts.append(start)
        pendingKeyHashes.append(e.keyHash)
        nextOffset += 1
        activeCount += 1
        if pending.count >= flushBytes { try flush(sync: false) }
        return true
    }

    /// Writes pending records and the new index entries; with `sync`, makes them durable. The written
    /// records go to the checkpoint builder.
    private func flush(sync: Bool) throws {
        guard let file = activeFile, let files = activeFiles else { return }
        if !pending.isEmpty {
            try file.append(pending)
            let written = pending
            let first = pendingFirstOffset
            // A long append (a flush before the end) can wait for the builder to start; a short one does not.
            let slots = checkpoints == nil ? [] : pendingKeySlots(wait: !sync)
            pending = []
            pendingStarts.removeAll(keepingCapacity: true)
            pendingKeyHashes.removeAll(keepingCapacity: true)
            pendingFirstOffset = nextOffset
            checkpoints?.submit(written, first: first, segment: files.base, slots: slots)
        }
        if sync { try file.sync() }
        if indexFlushed < activeIndex.count {
            let offsetIndex = try RawFile.openForWriting(files.offsetIndex, create: true)
            try offsetIndex.write(SparseIndex.encodeOffsetEntries(activeIndex[indexFlushed...]), at: indexFlushed * SparseIndex.offsetEntrySize)
            let timeIndex = try RawFile.openForWriting(files.timeIndex, create: true)
            try timeIndex.write(SparseIndex.encodeTimeEntries(activeIndex[indexFlushed...]), at: indexFlushed * SparseIndex.timeEntrySize)
            indexFlushed = activeIndex.count
        }
        if hashesFlushed < activeCount {
            for (path, index, isIDs) in [(files.keys, activeKeys, false), (files.ids, activeIDs, true)] {
                let f = try RawFile.openForWriting(path, create: true)
                var bytes: [UInt8] = []
                bytes.reserveCapacity((activeCount - hashesFlushed) * HashIndex.entrySize)
                for k in hashesFlushed..<activeCount {
                    RecordFormat.appendLE(index.hashes[k], &bytes)
                    RecordFormat.appendLE(index.offsets[k], &bytes)
                }
                try f.write(bytes, at: HashIndex.headerSize + hashesFlushed * HashIndex.entrySize)
                let crc = bytes.withUnsafeBytes { CRC32.update(isIDs ? idsCRC : keysCRC, $0) }
                if isIDs { idsCRC = crc } else { keysCRC = crc }
                try f.write(HashIndex.header(count: activeCount, sorted: false, crc: crc), at: 0)
            }
            hashesFlushed = activeCount
        }
        try reader.refresh()
    }

    /// The checkpoint builder's slot of each pending record's key (empty when the builder has none).
    private func pendingKeySlots(wait: Bool) -> [Int32] {
        if !keySlotsAsked {
            keySlotsAsked = true
            keySlots = checkpoints?.writerKeys(wait: wait)
        }
        guard var keys = keySlots else { return [] }
        keySlots = nil
        defer { keySlots = keys }
        var out: [Int32] = []
        let n = pendingStarts.count
        pending.withUnsafeBytes { raw in
            pendingKeyHashes.withUnsafeBufferPointer { hashes in
                pendingStarts.withUnsafeBufferPointer { starts in
                    keys.slots(count: n, hashes: hashes, key: { i in
                        let end = i + 1 < n ? starts[i + 1] : raw.count
                        return RecordView(UnsafeRawBufferPointer(rebasing: raw[starts[i]..<end])).key
                    }, into: &out)
                }
            }
        }
        return out
    }

    /// Seals the active segment (sorted hash indexes) and starts a new one at the next offset.
    private func roll() throws {
        if let files = activeFiles {
            try flush(sync: true)
            // The sealed segment's sorted indexes are written on another core while appending goes on
            // (readers meanwhile use the unsorted ones, which are whole); waited for before the next
            // roll and before an append returns.
            try finishSealing()
            let keys = activeKeys, ids = activeIDs
            sealing = Background {
                do {
                    try FileSystem.writeAtomically(files.keys, keys.sortedCopy().encode())
                    try FileSystem.writeAtomically(files.ids, ids.sortedCopy().encode())
                    return nil
                } catch {
                    return error
                }
            }
        }
        let files = SegmentFiles(directory: directory, base: nextOffset)
        let file = try RawFile.openForWriting(files.log, create: true)
        try file.truncate(to: 0)
        for path in [files.offsetIndex, files.timeIndex] {
            try RawFile.openForWriting(path, create: true).truncate(to: 0)
        }
        try FileSystem.writeAtomically(files.keys, HashIndex().encode())
        try FileSystem.writeAtomically(files.ids, HashIndex().encode())
        FileSystem.syncDirectory(directory)
        activeFiles = files
        activeFile = DirectAppender(file: file, size: 0)
        activeCount = 0
        activeIndex = []
        indexFlushed = 0
        lastEntryPosition = 0
        activeKeys = HashIndex()
        activeIDs = HashIndex()
        hashesFlushed = 0
        keysCRC = 0
        idsCRC = 0
        pendingFirstOffset = nextOffset
    }

    /// Waits for the sorted indexes of the last sealed segment to be written; throws what failed.
    private func finishSealing() throws {
        guard let work = sealing else { return }
        sealing = nil
        if let error = work.wait() { throw error }
    }

    /// Stores rules with the log so that later commands fold with them. Stored checkpoints are
    /// rebuilt for the new rules.
    public func storeRules(_ rules: JSON?) throws {
        guard meta.rules != rules else { return }
        checkpoints?.finish()
        checkpoints = nil
        meta.rules = rules
        try meta.write(directory: directory)
        startCheckpoints()
    }

    /// Records the field mapping used by an import.
    public func storeFields(_ fields: FieldMapping) throws {
        guard meta.fields != fields else { return }
        meta.fields = fields
        try meta.write(directory: directory)
    }
}

extension Timestamp {
    /// The current wall-clock time.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }
}
