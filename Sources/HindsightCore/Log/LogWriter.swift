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
/// makes each append durable (fsync) before returning.
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
    private var lastHash: ChainHash
    private var runningMax: Int64
    /// Segments sealed before this writer opened: their id indexes are read from disk.
    private let sealedAtOpen: Int

    // The active segment.
    private var activeFiles: SegmentFiles?
    private var activeFile: RawFile?
    private var activeSize = 0
    private var activeCount = 0
    private var activeIndex: [IndexEntry] = []
    private var indexFlushed = 0
    private var lastEntryPosition = 0
    private var activeKeys = HashIndex()
    private var activeIDs = HashIndex()
    private var hashesFlushed = 0

    /// id hash -> offsets, for the active segment and everything appended by this writer.
    private var recentIDs: [UInt64: [Int64]] = [:]
    /// Records encoded but not yet written.
    private var pending: [UInt8] = []
    private var pendingIDs: [String] = []
    private var pendingFirstOffset: Int64 = 0

    /// Opens (and with `create`, creates) a log for appending.
    /// - Parameters:
    ///   - segmentBytes: the roll size for a new log (an existing log keeps its own).
    ///   - fields: the field mapping to record in `log.json` for a new log.
    ///   - clock: the log time of appended records.
    public init(directory: String, create: Bool = true, segmentBytes: Int? = nil, fields: FieldMapping? = nil,
                clock: @escaping @Sendable () -> Timestamp = Timestamp.now) throws {
        self.directory = directory
        self.clock = clock
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
        self.lastHash = try reader.headHash()
        self.sealedAtOpen = max(0, reader.segments.count - 1)
        if let last = reader.segments.indices.last {
            self.runningMax = try reader.endMaxTime(last)
        } else {
            self.runningMax = Int64.min
        }
        try repairSealedIndexes()
        if reader.segments.last != nil { try openActive() }
    }

    static func lockedError(_ directory: String) -> HindsightError {
        HindsightError(.locked, "\(directory) is being written by another process (its writer lock is held)",
                       hint: "wait for the other import to finish; readers may open the log meanwhile")
    }

    /// Releases the lock. Appends are already durable.
    public func close() {
        flock(lockFile.fd, LOCK_UN)
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
        activeFile = file
        activeSize = s.validSize
        activeCount = s.count
        activeIndex = try reader.sparseIndex(i)
        lastEntryPosition = Int(activeIndex.last?.position ?? 0)
        activeKeys = try reader.hashIndex(i, ids: false)
        activeIDs = try reader.hashIndex(i, ids: true)
        if activeKeys.sorted { activeKeys = HashIndex(hashes: [], offsets: [], sorted: false); try rebuildActiveHashes(s) }
        if activeIDs.sorted { activeIDs = HashIndex(hashes: [], offsets: [], sorted: false); try rebuildActiveHashes(s) }
        for (h, rel) in zip(activeIDs.hashes, activeIDs.offsets) {
            recentIDs[h, default: []].append(s.base + Int64(rel))
        }
        // Derived files: write them afresh so they match the records exactly.
        try FileSystem.writeAtomically(s.files.offsetIndex, SparseIndex.encodeOffsetEntries(activeIndex[...]))
        try FileSystem.writeAtomically(s.files.timeIndex, SparseIndex.encodeTimeEntries(activeIndex[...]))
        try FileSystem.writeAtomically(s.files.keys, activeKeys.encode())
        try FileSystem.writeAtomically(s.files.ids, activeIDs.encode())
        indexFlushed = activeIndex.count
        hashesFlushed = activeCount
    }

    /// An active segment's hash indexes in offset order (a segment sealed and then extended is rare: a crash mid-roll).
    private func rebuildActiveHashes(_ s: LogReader.Segment) throws {
        var keys = HashIndex(), ids = HashIndex()
        try reader.forEach(from: s.base, to: s.base + Int64(s.count)) { r in
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
        let h = HashIndex.hash(id)
        if let offsets = recentIDs[h] {
            for offset in offsets {
                if offset >= pendingFirstOffset {
                    if pendingIDs[Int(offset - pendingFirstOffset)] == id { return true }
                } else if try reader.record(at: offset).id == id {
                    return true
                }
            }
        }
        for i in 0..<sealedAtOpen {
            let s = reader.segments[i]
            for rel in try reader.hashIndex(i, ids: true).lookup(h) where try reader.record(at: s.base + Int64(rel)).id == id {
                return true
            }
        }
        return false
    }

    /// Appends events whose id is not yet in the log, in order, and makes them durable before returning.
    /// `progress` is called now and then with the number of drafts handled.
    public func append(_ drafts: [EventDraft], progress: ((Int) -> Void)? = nil) throws -> AppendReport {
        var report = AppendReport()
        report.firstOffset = nextOffset
        pendingFirstOffset = nextOffset
        for (n, draft) in drafts.enumerated() {
            if n & 0x3FFF == 0 { progress?(n) }
            if try contains(id: draft.id) {
                report.duplicates += 1
                continue
            }
            try stage(draft)
            report.appended += 1
        }
        try flush(sync: true)
        progress?(drafts.count)
        report.nextOffset = nextOffset
        return report
    }

    private func validate(_ draft: EventDraft) throws {
        for (name, value) in [("id", draft.id), ("key", draft.key), ("type", draft.type)] where value.utf8.count > RecordFormat.maxFieldLength {
            throw HindsightError(.badInput, "an event's \(name) is \(value.utf8.count) bytes long; the limit is \(RecordFormat.maxFieldLength)")
        }
        let size = RecordFormat.minimumRecordSize + draft.id.utf8.count + draft.key.utf8.count + draft.type.utf8.count + draft.meta.count + draft.payload.count
        if size > RecordFormat.maxRecordSize {
            throw HindsightError(.badInput, "an event (id \(TextSafety.escape(draft.id))) is \(size) bytes; the largest record is \(RecordFormat.maxRecordSize) bytes")
        }
    }

    private func stage(_ draft: EventDraft) throws {
        try validate(draft)
        let recordSize = RecordFormat.minimumRecordSize + draft.id.utf8.count + draft.key.utf8.count + draft.type.utf8.count + draft.meta.count + draft.payload.count
        let segmentEnd = activeSize + pending.count
        if activeFile == nil || (segmentEnd > 0 && segmentEnd + recordSize > meta.segmentBytes) {
            try roll()
        }
        let position = activeSize + pending.count
        let logTime = clock()
        let eventTime = draft.eventTime ?? logTime
        runningMax = max(runningMax, eventTime.microseconds)
        let offset = nextOffset
        let rel = UInt32(offset - (activeFiles?.base ?? 0))
        lastHash = draft.payload.withUnsafeBytes { payload in
            RecordFormat.encode(offset: offset, logTime: logTime, eventTime: eventTime, id: draft.id, key: draft.key, type: draft.type,
                                meta: draft.meta, payload: payload, previous: lastHash, into: &pending)
        }
        if activeIndex.isEmpty || position - lastEntryPosition >= SparseIndex.interval {
            activeIndex.append(IndexEntry(relativeOffset: rel, position: UInt32(position), maxTime: runningMax))
            lastEntryPosition = position
        }
        let idHash = HashIndex.hash(draft.id)
        activeKeys.append(hash: HashIndex.hash(draft.key), relativeOffset: rel)
        activeIDs.append(hash: idHash, relativeOffset: rel)
        recentIDs[idHash, default: []].append(offset)
        pendingIDs.append(draft.id)
        nextOffset += 1
        activeCount += 1
        if pending.count >= 8 << 20 { try flush(sync: false) }
    }

    /// Writes pending records and the new index entries; with `sync`, makes them durable.
    private func flush(sync: Bool) throws {
        guard let file = activeFile, let files = activeFiles else { return }
        if !pending.isEmpty {
            try file.write(pending, at: activeSize)
            activeSize += pending.count
            pending.removeAll(keepingCapacity: true)
            pendingIDs.removeAll(keepingCapacity: true)
            pendingFirstOffset = nextOffset
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
            for (path, index) in [(files.keys, activeKeys), (files.ids, activeIDs)] {
                let f = try RawFile.openForWriting(path, create: true)
                var bytes: [UInt8] = []
                bytes.reserveCapacity((activeCount - hashesFlushed) * HashIndex.entrySize)
                for k in hashesFlushed..<activeCount {
                    RecordFormat.appendLE(index.hashes[k], &bytes)
                    RecordFormat.appendLE(index.offsets[k], &bytes)
                }
                try f.write(bytes, at: HashIndex.headerSize + hashesFlushed * HashIndex.entrySize)
                try f.write(HashIndex.header(count: activeCount, sorted: false), at: 0)
            }
            hashesFlushed = activeCount
        }
        try reader.refresh()
    }

    /// Seals the active segment (sorted hash indexes) and starts a new one at the next offset.
    private func roll() throws {
        if let files = activeFiles {
            try flush(sync: true)
            try FileSystem.writeAtomically(files.keys, activeKeys.sortedCopy().encode())
            try FileSystem.writeAtomically(files.ids, activeIDs.sortedCopy().encode())
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
        activeFile = file
        activeSize = 0
        activeCount = 0
        activeIndex = []
        indexFlushed = 0
        lastEntryPosition = 0
        activeKeys = HashIndex()
        activeIDs = HashIndex()
        hashesFlushed = 0
        pendingFirstOffset = nextOffset
    }

    /// Stores rules with the log so that later commands fold with them.
    public func storeRules(_ rules: JSON?) throws {
        guard meta.rules != rules else { return }
        meta.rules = rules
        try meta.write(directory: directory)
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
