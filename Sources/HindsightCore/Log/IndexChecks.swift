/// Checks of what a derived index says against the records themselves (issue 7).
///
/// The sparse offset and time indexes carry no checksum: a damaged entry can pass the load-time
/// sanity checks (sizes, monotonic entries). Readers therefore check each entry they rely on, lazily,
/// when a record is read: an entry's position must hold a record carrying the entry's offset, and an
/// entry's running-maximum time must follow from the entry before it (or the previous segment's end)
/// and the records in between. An entry that fails means the index files are damaged or stale: the
/// segment's index is rebuilt from its records, in memory, and used from then on.
extension LogReader {
    /// Whether the index entry `e` names a record boundary: the record there carries the entry's offset.
    func positionHolds(_ s: Segment, _ f: SegmentFile, _ e: (relativeOffset: UInt32, position: UInt32), limit: Int) throws -> Bool {
        try f.withView(at: Int(e.position), expectedOffset: s.base + Int64(e.relativeOffset), limit: limit, verifyChecksum: false) { d in
            if case .record = d { return true }
            return false
        }
    }

    /// Whether entry `k` of `index` (segment `i`'s) holds: walking the records from the entry before it
    /// (or from the segment's start and the previous segment's running maximum) lands exactly on the
    /// entry's position with the entry's running maximum. Costs at most one index interval of frames.
    func entryHolds(_ i: Int, _ index: [IndexEntry], _ k: Int, limit: Int) throws -> Bool {
        let s = segments[i]
        let f = try segmentFile(s)
        let e = index[k]
        var position: Int
        var rel: Int64
        var maxTime: Int64
        if k == 0 {
            guard e.relativeOffset == 0, e.position == 0 else { return false }
            position = 0
            rel = 0
            maxTime = i == 0 ? Int64.min : try endMaxTime(i - 1)
        } else {
            let p = index[k - 1]
            position = Int(p.position)
            rel = Int64(p.relativeOffset)
            maxTime = p.maxTime
        }
        let target = Int64(e.relativeOffset)
        while rel <= target && position <= Int(e.position) {
            let frame: (Int, Int64)? = try f.withView(at: position, expectedOffset: s.base + rel, limit: limit, verifyChecksum: false) { d in
                if case .record(let v) = d { return (v.size, v.eventTime) } else { return nil }
            }
            guard let (size, eventTime) = frame else { return false }
            maxTime = max(maxTime, eventTime)
            if rel == target { return position == Int(e.position) && maxTime == e.maxTime }
            position += size
            rel += 1
        }
        return false
    }

    /// Replaces segment `i`'s index with one rebuilt from its records (trusted from then on).
    func replaceIndexWithRebuilt(_ i: Int) throws -> [IndexEntry] {
        let s = segments[i]
        let rebuilt = try rebuildIndex(i)
        s.index = rebuilt
        s.indexTrusted = true
        s.checkedEntries = []
        return rebuilt
    }

    /// The entry of segment `i`'s sparse index that `pick` chooses, checked against the records
    /// (``entryHolds(_:_:_:limit:)``); when it fails, the index is rebuilt and `pick` chooses again.
    func checkedEntry(_ i: Int, _ pick: ([IndexEntry]) -> Int?) throws -> IndexEntry? {
        let s = segments[i]
        let index = try sparseIndex(i)
        guard let k = pick(index) else { return nil }
        if s.indexTrusted || s.checkedEntries.contains(k) { return index[k] }
        let f = try segmentFile(s)
        if try entryHolds(i, index, k, limit: s === segments.last ? s.validSize : try f.file.size()) {
            s.checkedEntries.insert(k)
            return index[k]
        }
        let rebuilt = try replaceIndexWithRebuilt(i)
        return pick(rebuilt).map { rebuilt[$0] }
    }

    /// The floor entry for `relativeOffset` in segment `i` (its relative offset and byte position), whose
    /// position is checked to hold the record it names (the index is rebuilt when it does not).
    ///
    /// A sealed segment whose index is not loaded is asked through its offset index file's raw bytes
    /// (``SparseIndex/floorEntry(raw:relativeOffset:segmentSize:)``, read once): a process that reads one
    /// record's versions then reads no time index and decodes no whole index.
    func locatingEntry(_ i: Int, relativeOffset: UInt32) throws -> (relativeOffset: UInt32, position: UInt32)? {
        let s = segments[i]
        let f = try segmentFile(s)
        if s.index == nil, s !== segments.last {
            if s.offsetFile == nil { s.offsetFile = .some(SparseIndex.offsetFile(s.files.offsetIndex)) }
            if let raw = s.offsetFile ?? nil,
                let entry = SparseIndex.floorEntry(raw: raw, relativeOffset: relativeOffset, segmentSize: s.validSize),
                try positionHolds(s, f, entry, limit: s.validSize) {
                return entry
            }
        }
        guard let entry = SparseIndex.floorEntry(try sparseIndex(i), relativeOffset: relativeOffset) else { return nil }
        if try s.indexTrusted || positionHolds(s, f, (entry.relativeOffset, entry.position), limit: s.validSize) {
            return (entry.relativeOffset, entry.position)
        }
        return SparseIndex.floorEntry(try replaceIndexWithRebuilt(i), relativeOffset: relativeOffset).map { ($0.relativeOffset, $0.position) }
    }
}

extension SparseIndex {
    /// The position in `entries` of the last entry at or before `relativeOffset`.
    static func floorPosition(_ entries: [IndexEntry], relativeOffset: UInt32) -> Int? {
        var lo = 0, hi = entries.count - 1
        var found: Int?
        while lo <= hi {
            let mid = (lo + hi) / 2
            if entries[mid].relativeOffset <= relativeOffset {
                found = mid
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        return found
    }

    /// The position in `entries` of the last entry whose running-maximum time is at or before `time`.
    static func floorPosition(_ entries: [IndexEntry], time: Int64) -> Int? {
        var lo = 0, hi = entries.count - 1
        var found: Int?
        while lo <= hi {
            let mid = (lo + hi) / 2
            if entries[mid].maxTime <= time {
                found = mid
                lo = mid + 1
            } else {
                hi = mid - 1
            }
        }
        return found
    }
}
