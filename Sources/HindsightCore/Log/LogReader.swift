import Dispatch

/// What lies after the last whole record of a log.
public enum LogTail: Sendable, Equatable {
    /// The log ends with a whole record.
    case clean
    /// A torn (partly written) tail of `bytes` bytes after offset `offset - 1`, left by a crash;
    /// readers ignore it and the next writer cuts it.
    case torn(segment: String, position: Int, bytes: Int)
    /// A damaged record at `offset` followed by more data: not a crash tail. `verify` reports it.
    case damaged(segment: String, offset: Int64, reason: String)
}

/// Read-only access to a log directory. Opening reads the directory, `log.json` and the last
/// segment's index and tail; records are read on demand through the sparse indexes.
///
/// Never writes to the log. Not thread-safe: use one reader per thread.
public final class LogReader {
    public let directory: String
    public let meta: LogMeta
    /// Number of whole records readable now.
    public private(set) var count: Int64 = 0
    /// What follows the last whole record.
    public private(set) var tail: LogTail = .clean

    final class Segment {
        let files: SegmentFiles
        var file: SegmentFile?
        var index: [IndexEntry]?
        var keys: HashIndex?
        var ids: HashIndex?
        /// Sealed segments' sorted key and id indexes, read and checked once (nil: not tried yet).
        var sealedKeys: SealedHashIndex??
        var sealedIDs: SealedHashIndex??
        /// Records in the segment (for sealed segments: from the next segment's base offset).
        var count: Int = 0
        /// Bytes of whole records.
        var validSize: Int = 0
        /// Running maximum event time after the segment's last record, when known.
        var endMaxTime: Int64?
        var lastHash: ChainHash?
        /// Whether `index` was rebuilt from the records (else entries are checked as they are used).
        var indexTrusted = false
        /// Entries of `index` checked against the records (see IndexChecks.swift).
        var checkedEntries = Set<Int>()
        /// A sealed segment's offset index file, raw, for point lookups while `index` is not loaded
        /// (nil: not read yet; .some(nil): unusable). See IndexChecks.swift.
        var offsetFile: [UInt8]??

        init(files: SegmentFiles) { self.files = files }
        var base: Int64 { files.base }
    }

    var segments: [Segment] = []

    /// Opens a log directory for reading.
    public init(directory: String) throws {
        self.directory = directory
        self.meta = try LogMeta.read(directory: directory)
        try load()
    }

    private func load() throws {
        let bases = try SegmentFiles.list(directory: directory)
        segments = bases.map { Segment(files: SegmentFiles(directory: directory, base: $0)) }
        for (i, s) in segments.enumerated().dropLast() {
            s.count = Int(segments[i + 1].base - s.base)
        }
        if let last = segments.last {
            try scanTail(last)
            count = last.base + Int64(last.count)
        } else {
            count = 0
            tail = .clean
        }
    }

    /// Looks for records appended since the last call (follow mode); returns whether the log grew.
    @discardableResult
    public func refresh() throws -> Bool {
        let before = count
        let bases = try SegmentFiles.list(directory: directory)
        let known = segments.map(\.base)
        if bases != known {
            var newSegments: [Segment] = []
            for base in bases {
                if let existing = segments.first(where: { $0.base == base }) { newSegments.append(existing) } else {
                    newSegments.append(Segment(files: SegmentFiles(directory: directory, base: base)))
                }
            }
            segments = newSegments
            for (i, s) in segments.enumerated().dropLast() {
                let count = Int(segments[i + 1].base - s.base)
                if count != s.count {
                    // It was the active segment and has grown since: what was cached about its end is stale.
                    s.endMaxTime = nil
                    s.keys = nil
                    s.ids = nil
                    s.index = nil
                    s.offsetFile = nil
                    // Bytes read past its old end may have been a torn tail since cut and rewritten.
                    s.file?.invalidate()
                }
                s.count = count
                if let f = try? segmentFile(s), let size = try? f.file.size(), size > s.validSize {
                    s.validSize = size
                    f.map(upTo: size)
                }
            }
        }
        if let last = segments.last {
            last.file?.invalidate()
            try scanTail(last)
            count = last.base + Int64(last.count)
        }
        return count != before
    }

    // MARK: Segments

    func segmentFile(_ s: Segment) throws -> SegmentFile {
        if let f = s.file { return f }
        let f = try SegmentFile(files: s.files)
        s.file = f
        if s !== segments.last {
            // A sealed segment never changes: all of it is mapped (for scans).
            if s.validSize == 0 { s.validSize = try f.file.size() }
            f.map(upTo: s.validSize)
        }
        return f
    }

    /// The position of the segment holding `offset`.
    func segmentIndex(for offset: Int64) -> Int? {
        var lo = 0, hi = segments.count - 1
        var found: Int?
        while lo <= hi {
            let mid = (lo + hi) / 2
            if segments[mid].base <= offset { found = mid; lo = mid + 1 } else { hi = mid - 1 }
        }
        return found
    }

    /// The sparse index of a segment, loaded and checked, or rebuilt from its records.
    func sparseIndex(_ i: Int) throws -> [IndexEntry] {
        let s = segments[i]
        if let index = s.index { return index }
        let f = try segmentFile(s)
        let size = try f.file.size()
        if let entries = loadIndexFiles(s, segmentSize: size), try spotCheck(entries, in: s, f: f, size: size) {
            s.index = entries
            s.indexTrusted = false
            s.checkedEntries = []
            return entries
        }
        return try replaceIndexWithRebuilt(i)
    }

    private func loadIndexFiles(_ s: Segment, segmentSize: Int) -> [IndexEntry]? {
        guard let offsets = try? FileSystem.readAll(s.files.offsetIndex), let times = try? FileSystem.readAll(s.files.timeIndex) else { return nil }
        guard let entries = SparseIndex.decode(offsetFile: offsets, timeFile: times, segmentSize: segmentSize) else { return nil }
        if segmentSize > 0 && entries.isEmpty { return nil }
        return entries
    }

    /// The record at the last entry must decode with the offset the entry names.
    private func spotCheck(_ entries: [IndexEntry], in s: Segment, f: SegmentFile, size: Int) throws -> Bool {
        guard let last = entries.last else { return size == 0 }
        if s !== segments.last, Int64(last.relativeOffset) >= Int64(s.count) { return false }
        let decoded = try f.decode(at: Int(last.position), expectedOffset: s.base + Int64(last.relativeOffset), limit: size, verifyChecksum: false)
        if case .record = decoded { return true }
        return false
    }

    /// Rebuilds a segment's sparse index by walking its record frames.
    func rebuildIndex(_ i: Int) throws -> [IndexEntry] {
        let s = segments[i]
        let f = try segmentFile(s)
        var maxTime = i == 0 ? Int64.min : try endMaxTime(i - 1)
        let size = try f.file.size()
        var entries: [IndexEntry] = []
        var position = 0
        var rel: Int64 = 0
        var lastEntryPosition = -SparseIndex.interval
        while position < size {
            let frame: (Int, Int64)? = try f.withView(at: position, expectedOffset: s.base + rel, limit: size, verifyChecksum: false, scan: true) { d in
                if case .record(let v) = d { return (v.size, v.eventTime) } else { return nil }
            }
            guard let (recordSize, eventTime) = frame else { break }
            maxTime = max(maxTime, eventTime)
            if position - lastEntryPosition >= SparseIndex.interval {
                entries.append(IndexEntry(relativeOffset: UInt32(rel), position: UInt32(position), maxTime: maxTime))
                lastEntryPosition = position
            }
            position += recordSize
            rel += 1
        }
        return entries
    }

    /// The running maximum event time after segment `i`'s last record.
    func endMaxTime(_ i: Int) throws -> Int64 {
        let s = segments[i]
        if let t = s.endMaxTime { return t }
        guard let last = try checkedEntry(i, { $0.isEmpty ? nil : $0.count - 1 }) else {
            let t = i == 0 ? Int64.min : try endMaxTime(i - 1)
            s.endMaxTime = t
            return t
        }
        var maxTime = last.maxTime
        let f = try segmentFile(s)
        let limit = s === segments.last ? s.validSize : try f.file.size()
        var position = Int(last.position)
        var rel = Int64(last.relativeOffset)
        while position < limit {
            let frame: (Int, Int64)? = try f.withView(at: position, expectedOffset: s.base + rel, limit: limit, verifyChecksum: false) { d in
                if case .record(let v) = d { return (v.size, v.eventTime) } else { return nil }
            }
            guard let (size, eventTime) = frame else { break }
            maxTime = max(maxTime, eventTime)
            position += size
            rel += 1
        }
        s.endMaxTime = maxTime
        return maxTime
    }

    /// Finds the end of the last segment's whole records, scanning from its last index entry.
    private func scanTail(_ s: Segment) throws {
        let i = segments.count - 1
        let f = try segmentFile(s)
        let size = try f.file.size()
        s.index = nil
        s.indexTrusted = false
        s.checkedEntries = []
        s.endMaxTime = nil
        s.keys = nil
        s.ids = nil
        var entries = (try? sparseIndex(i)) ?? []
        // The index may point into a torn tail; keep only entries whose record frame decodes.
        while let last = entries.last {
            if case .record = try f.decode(at: Int(last.position), expectedOffset: s.base + Int64(last.relativeOffset), limit: size, verifyChecksum: false) { break }
            entries.removeLast()
        }
        // The entry the scan starts from must hold (its running maximum too): else rebuild the index.
        if !s.indexTrusted, !entries.isEmpty, try !entryHolds(i, entries, entries.count - 1, limit: size) {
            entries = try rebuildIndex(i)
            s.indexTrusted = true
        }
        s.index = entries
        var position = Int(entries.last?.position ?? 0)
        var rel = Int64(entries.last?.relativeOffset ?? 0)
        var maxTime: Int64
        if let t = entries.last?.maxTime { maxTime = t } else { maxTime = i == 0 ? Int64.min : try endMaxTime(i - 1) }
        var lastHash: ChainHash?
        var lastEntryPosition = position
        var damage: LogTail?
        tail = .clean
        scan: while position < size {
            let decoded = try f.decode(at: position, expectedOffset: s.base + rel, limit: size, scan: true)
            switch decoded {
            case .record(let r, let recordSize):
                maxTime = max(maxTime, r.eventTime.microseconds)
                if position - lastEntryPosition >= SparseIndex.interval {
                    s.index?.append(IndexEntry(relativeOffset: UInt32(rel), position: UInt32(position), maxTime: maxTime))
                    lastEntryPosition = position
                }
                lastHash = r.hash
                position += recordSize
                rel += 1
            case .incomplete:
                // A length that runs past the end with a valid record after it is damage, not a torn tail.
                if try f.validRecordFollows(position, offset: s.base + rel, size: size) {
                    damage = damage ?? .damaged(segment: s.files.log, offset: s.base + rel, reason: "length field runs past the end of the segment")
                } else {
                    tail = .torn(segment: s.files.log, position: position, bytes: size - position)
                }
                break scan
            case .newerVersion(let v):
                throw HindsightError(.unsupported, "\(s.files.log): record at offset \(s.base + rel) has format version \(v), written by a newer hindsight",
                                     hint: "upgrade hindsight to read this log")
            case .corrupt(let reason):
                // Damage with valid records after it is not a crash tail: keep the record (reading it
                // fails clearly) and go on; otherwise it is a torn tail.
                if try followedByValidRecord(f, at: position, offset: s.base + rel, size: size), let frame = try f.frameSize(at: position, limit: size) {
                    if damage == nil { damage = .damaged(segment: s.files.log, offset: s.base + rel, reason: reason) }
                    position += frame
                    rel += 1
                } else if try f.validRecordFollows(position, offset: s.base + rel, size: size) {
                    // Valid records follow but cannot be framed from here (a damaged length): damage.
                    if damage == nil { damage = .damaged(segment: s.files.log, offset: s.base + rel, reason: reason) }
                    break scan
                } else {
                    tail = .torn(segment: s.files.log, position: position, bytes: size - position)
                    break scan
                }
            }
        }
        // Damage with valid records after it is reported even when a torn tail follows: a writer must
        // not cut the tail and append after a damaged record.
        if let damage { tail = damage }
        if s.index?.isEmpty ?? true, position > 0 {
            s.index = [IndexEntry(relativeOffset: 0, position: 0, maxTime: maxTime)]
        }
        s.validSize = position
        s.count = Int(rel)
        s.endMaxTime = maxTime
        s.lastHash = lastHash
        // Whole records are never cut (a writer only cuts a torn tail after them): map them.
        f.map(upTo: position)
    }

    /// Whether the frame at `position` (which failed its check) is followed by a valid record: then the
    /// damage is inside the log, not a torn tail.
    private func followedByValidRecord(_ f: SegmentFile, at position: Int, offset: Int64, size: Int) throws -> Bool {
        guard let frame = try f.frameSize(at: position, limit: size), position + frame < size else { return false }
        if case .record = try f.decode(at: position + frame, expectedOffset: offset + 1, limit: size) { return true }
        return false
    }

    // MARK: Reading records

    /// The byte position of `offset` in its segment, found through the sparse index.
    func locate(_ offset: Int64) throws -> (segment: Int, position: Int) {
        guard offset >= 0, offset < count, let i = segmentIndex(for: offset) else {
            throw HindsightError(.notFound, "offset \(offset) is not in the log (it has \(count) records: 0...\(max(0, count - 1)))")
        }
        let s = segments[i]
        let f = try segmentFile(s)
        let rel = offset - s.base
        let entry = try locatingEntry(i, relativeOffset: UInt32(rel))
        var position = Int(entry?.position ?? 0)
        var current = Int64(entry?.relativeOffset ?? 0)
        let limit = limitOf(s, f)
        while current < rel {
            guard let size = try f.frameSize(at: position, limit: limit) else {
                throw HindsightError(.corrupt, "\(s.files.log): cannot frame the record at offset \(s.base + current) (byte \(position))",
                                     hint: "run hindsight verify on the log")
            }
            position += size
            current += 1
        }
        return (i, position)
    }

    private func limitOf(_ s: Segment, _ f: SegmentFile) -> Int {
        s.validSize
    }

    /// The record at `offset`.
    /// - Complexity: one index lookup plus at most one index interval of frames.
    public func record(at offset: Int64) throws -> Record {
        let (i, position) = try locate(offset)
        let s = segments[i]
        let f = try segmentFile(s)
        return try decodeChecked(f, s, at: position, offset: offset).0
    }

    /// Calls `body` with a view of the (checked) record at `offset`, valid only inside `body`.
    func withRecord<R>(at offset: Int64, _ body: (RecordView) throws -> R) throws -> R {
        let (i, position) = try locate(offset)
        let s = segments[i]
        let f = try segmentFile(s)
        let result: R? = try f.withView(at: position, expectedOffset: offset, limit: limitOf(s, f)) { decoded in
            guard case .record(let view) = decoded else { return nil }
            return try body(view)
        }
        if let result { return result }
        _ = try decodeChecked(f, s, at: position, offset: offset)  // throws the clear error
        throw HindsightError(.corrupt, "\(s.files.log): the record at offset \(offset) cannot be read", hint: "run hindsight verify on the log")
    }

    private func decodeChecked(_ f: SegmentFile, _ s: Segment, at position: Int, offset: Int64, limit: Int? = nil) throws -> (Record, Int) {
        switch try f.decode(at: position, expectedOffset: offset, limit: limit ?? limitOf(s, f)) {
        case .record(let r, let size): return (r, size)
        case .incomplete:
            throw HindsightError(.corrupt, "\(s.files.log): the record at offset \(offset) is cut short", hint: "run hindsight verify on the log")
        case .corrupt(let reason):
            throw HindsightError(.corrupt, "\(s.files.log): the record at offset \(offset) is damaged (\(reason))", hint: "run hindsight verify on the log")
        case .newerVersion(let v):
            throw HindsightError(.unsupported, "\(s.files.log): the record at offset \(offset) has format version \(v), written by a newer hindsight",
                                 hint: "upgrade hindsight to read this log")
        }
    }

    /// Calls `body` with each record from `start` up to (not including) `end`, in order; stops early when
    /// `body` returns false.
    public func forEach(from start: Int64, to end: Int64? = nil, _ body: (Record) throws -> Bool) throws {
        try forEachView(from: start, to: end) { view in try body(view.record()) }
    }

    /// Calls `body` with a view of each record from `start` up to (not including) `end`, in order (each
    /// checked: framing, offset and, with `verifyChecksum`, its CRC); stops early when `body` returns false.
    /// Views are valid only inside `body`. Mapped pages already passed are handed back as the scan goes,
    /// so that a scan over a large log keeps a small resident set.
    func forEachView(from start: Int64, to end: Int64? = nil, verifyChecksum: Bool = true, _ body: (RecordView) throws -> Bool) throws {
        let stop = min(end ?? count, count)
        guard start < stop else { return }
        var (i, position) = try locate(max(0, start))
        var offset = max(0, start)
        let releaseEvery = 16 << 20
        while offset < stop {
            let s = segments[i]
            let f = try segmentFile(s)
            let limit = limitOf(s, f)
            let segmentEnd = min(stop, s.base + Int64(s.count))
            var nextRelease = position + releaseEvery
            while offset < segmentEnd {
                let (size, goOn): (Int, Bool) = try f.withView(at: position, expectedOffset: offset, limit: limit, verifyChecksum: verifyChecksum, scan: true) { decoded in
                    guard case .record(let view) = decoded else { return (0, true) }
                    return (view.size, try body(view))
                }
                if size == 0 { _ = try decodeChecked(f, s, at: position, offset: offset) }  // throws the clear error
                if !goOn { return }
                position += size
                offset += 1
                if position >= nextRelease {
                    f.release(below: position)
                    nextRelease = position + releaseEvery
                }
            }
            if stop - start > 100_000 { f.release(below: position) }
            i += 1
            position = 0
            if i >= segments.count { break }
        }
    }

    /// The records `start ..< end`.
    public func records(_ range: Range<Int64>) throws -> [Record] {
        var out: [Record] = []
        out.reserveCapacity(Int(min(Int64(100_000), Int64(range.count))))
        try forEach(from: range.lowerBound, to: range.upperBound) { out.append($0); return true }
        return out
    }

    /// The hash naming the whole history: the last record's chain hash (32 zero bytes for an empty log).
    public func headHash() throws -> ChainHash {
        guard count > 0 else { return .genesis }
        return try record(at: count - 1).hash
    }

    // MARK: Time

    /// The largest event time in the log (the running maximum after the last record); nil when empty.
    public func maxEventTime() throws -> Timestamp? {
        guard count > 0, let last = segments.indices.last else { return nil }
        return Timestamp(microseconds: try endMaxTime(last))
    }

    /// The last offset whose running-maximum event time is at or before `time` (as Kafka's
    /// offsetsForTimes); nil when even the first record is later ("before the first event").
    /// - Complexity: a binary search over segments and index entries, then at most one index interval of records.
    public func offset(atOrBefore time: Timestamp) throws -> Int64? {
        let t = time.microseconds
        guard count > 0 else { return nil }
        // The last segment whose first record's running max is <= t.
        var lo = 0, hi = segments.count - 1
        var seg: Int?
        while lo <= hi {
            let mid = (lo + hi) / 2
            // Entries are checked against the records before they are trusted (IndexChecks.swift).
            if let first = try checkedEntry(mid, { $0.isEmpty ? nil : 0 }), first.maxTime <= t {
                seg = mid
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        guard let i = seg else { return nil }
        let s = segments[i]
        guard let entry = try checkedEntry(i, { SparseIndex.floorPosition($0, time: t) }) else { return nil }
        var answer = s.base + Int64(entry.relativeOffset)
        var maxTime = entry.maxTime
        let f = try segmentFile(s)
        let limit = limitOf(s, f)
        var position = Int(entry.position)
        var offset = answer
        // Step past the entry's own record, then forward while the running max stays <= t.
        if let size = try f.frameSize(at: position, limit: limit) {
            position += size
            offset += 1
        }
        while offset < s.base + Int64(s.count) {
            let frame: (Int, Int64)? = try f.withView(at: position, expectedOffset: offset, limit: limit, verifyChecksum: false) { d in
                if case .record(let v) = d { return (v.size, v.eventTime) } else { return nil }
            }
            guard let (size, eventTime) = frame else { break }
            maxTime = max(maxTime, eventTime)
            if maxTime > t { break }
            answer = offset
            position += size
            offset += 1
        }
        return answer
    }

    // MARK: Keys and ids

    /// A segment's key or id hash index: loaded and checked, else rebuilt from its records (in memory).
    func hashIndex(_ i: Int, ids: Bool) throws -> HashIndex {
        let s = segments[i]
        if let cached = ids ? s.ids : s.keys { return cached }
        let isLast = s === segments.last
        var index: HashIndex?
        if let bytes = try? FileSystem.readAll(ids ? s.files.ids : s.files.keys),
            let decoded = HashIndex.decode(bytes, maxRelativeOffset: s.count > 0 ? UInt32(s.count - 1) : 0)
        {
            if decoded.count == s.count || (isLast && !decoded.sorted && decoded.count <= s.count) { index = decoded }
        }
        var result = index ?? HashIndex()
        if result.count < s.count {
            // Index the records the file does not cover (all of them when it was missing or bad).
            if result.sorted { result = HashIndex() }
            let from = s.base + Int64(result.count)
            try forEachView(from: from, to: s.base + Int64(s.count)) { r in
                result.append(hash: HashIndex.hash(ids ? r.id : r.key), relativeOffset: UInt32(r.offset - s.base))
                return true
            }
        }
        if ids { s.ids = result } else { s.keys = result }
        return result
    }

    /// The offsets of the records with this key, ascending (the versions of the record).
    public func offsets(forKey key: String) throws -> [Int64] {
        try offsets(matching: key, ids: false)
    }

    /// The offset of the record with this id, if any.
    public func offset(forID id: String) throws -> Int64? {
        try offsets(matching: id, ids: true).first
    }

    private func offsets(matching value: String, ids: Bool) throws -> [Int64] {
        let h = HashIndex.hash(value)
        loadSealedIndexes(ids: ids)
        var out: [Int64] = []
        var value = value
        try value.withUTF8 { utf8 in
            let wanted = UnsafeRawBufferPointer(utf8)
            for i in segments.indices {
                for rel in try candidates(i, hash: h, ids: ids) {
                    let offset = segments[i].base + Int64(rel)
                    guard offset < count else { continue }
                    if try field(at: offset, ids: ids, equals: wanted) { out.append(offset) }
                }
            }
        }
        return out
    }

    /// Opens and checks the sealed segments' key (or id) index files not looked at yet, on both cores
    /// when there are several (a file without a block directory is checked whole: see ``SealedHashIndex``).
    private func loadSealedIndexes(ids: Bool) {
        let sealed = segments.dropLast().filter { (ids ? $0.sealedIDs : $0.sealedKeys) == nil && (ids ? $0.ids : $0.keys) == nil }
        guard sealed.count >= 4 else { return }
        final class Slots: @unchecked Sendable {
            var indexes: [SealedHashIndex?]
            init(_ n: Int) { indexes = Array(repeating: nil, count: n) }
        }
        let jobs = sealed.map { (path: ids ? $0.files.ids : $0.files.keys, count: $0.count) }
        let slots = Slots(jobs.count)
        let parts = 2
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            // Each part fills its own slots (every `parts`-th file).
            for k in stride(from: part, to: jobs.count, by: parts) {
                let index = SealedHashIndex(path: jobs[k].path, count: jobs[k].count)
                slots.indexes[k] = index
            }
        }
        for (k, s) in sealed.enumerated() {
            if ids { s.sealedIDs = .some(slots.indexes[k]) } else { s.sealedKeys = .some(slots.indexes[k]) }
        }
    }

    /// Relative offsets in segment `i` whose key (or id) hash is `hash`: candidates to confirm.
    func candidates(_ i: Int, hash: UInt64, ids: Bool) throws -> [UInt32] {
        let s = segments[i]
        if let cached = ids ? s.ids : s.keys { return cached.lookup(hash) }
        if s !== segments.last {
            let sealed: SealedHashIndex?
            if let known = ids ? s.sealedIDs : s.sealedKeys {
                sealed = known
            } else {
                sealed = SealedHashIndex(path: ids ? s.files.ids : s.files.keys, count: s.count)
                if ids { s.sealedIDs = .some(sealed) } else { s.sealedKeys = .some(sealed) }
            }
            if let sealed {
                if let found = try sealed.lookup(hash) { return found }
                // The file changed since it was opened: stop using it (the records give the index).
                if ids { s.sealedIDs = .some(nil) } else { s.sealedKeys = .some(nil) }
            }
        }
        return try hashIndex(i, ids: ids).lookup(hash)
    }

    /// Whether the record at `offset` has this key (or id): its frame and offset are checked, its
    /// checksum is not (reading the record for its data checks that).
    func field(at offset: Int64, ids: Bool, equals wanted: UnsafeRawBufferPointer) throws -> Bool {
        let (i, position) = try locate(offset)
        let s = segments[i]
        let f = try segmentFile(s)
        let found: Bool? = try f.withView(at: position, expectedOffset: offset, limit: limitOf(s, f), verifyChecksum: false) { decoded in
            guard case .record(let view) = decoded else { return nil }
            return ids ? view.idEquals(wanted) : view.keyEquals(wanted)
        }
        if let found { return found }
        return (ids ? try record(at: offset).id : try record(at: offset).key).utf8.elementsEqual(wanted)
    }

    /// Distinct keys with their record counts, in order of first appearance (a full scan).
    public func keyCounts() throws -> [(key: String, count: Int)] {
        var order: [String] = []
        var counts: [String: Int] = [:]
        try forEachView(from: 0) { r in
            let key = r.keyString
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
            return true
        }
        return order.map { ($0, counts[$0] ?? 0) }
    }
}
