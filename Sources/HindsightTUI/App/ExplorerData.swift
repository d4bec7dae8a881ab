import HindsightCore

/// What the explorer reads: a log and its replay, with small caches so that a frame reads only the
/// rows it shows and never replays from offset 0.
///
/// Used from the app loop's thread only.
public final class ExplorerData {
    public private(set) var log: LogReader
    public private(set) var replayer: Replayer
    public let rules: Rules
    /// A name for the status line (file or directory name).
    public let name: String
    private var recordCache: [Int64: Record] = [:]
    private var recordOrder: [Int64] = []
    private var histogramCache: (width: Int, count: Int64, data: [Int])?
    private var timeRangeCache: (count: Int64, range: ClosedRange<Int64>?)?

    public init(log: LogReader, rules: Rules, name: String) {
        self.log = log
        self.rules = rules
        self.name = name
        self.replayer = Replayer(log: log, rules: rules)
    }

    public var count: Int64 { log.count }

    /// The record at `offset` (cached: the list reads the same rows on every frame).
    public func record(at offset: Int64) throws -> Record {
        if let r = recordCache[offset] { return r }
        let r = try log.record(at: offset)
        recordCache[offset] = r
        recordOrder.append(offset)
        if recordOrder.count > 2048 {
            for old in recordOrder.prefix(1024) { recordCache[old] = nil }
            recordOrder.removeFirst(1024)
        }
        return r
    }

    /// Looks for appended records; returns whether the log grew.
    public func refresh() throws -> Bool {
        guard try log.refresh() else { return false }
        replayer.logDidGrow()
        histogramCache = nil
        timeRangeCache = nil
        return true
    }

    /// Replaces the log (e.g. a background import finished and its log moved into the cache).
    public func replaceLog(_ newLog: LogReader) {
        log = newLog
        replayer = Replayer(log: newLog, rules: rules)
        recordCache.removeAll()
        recordOrder.removeAll()
        histogramCache = nil
        timeRangeCache = nil
    }

    // MARK: Timeline

    /// The timeline's axis: the running-maximum event time of the first and the last record (nil when
    /// the log is empty or all events share one time; the axis is then by offset).
    public func timeRange() -> ClosedRange<Int64>? {
        if let cached = timeRangeCache, cached.count == count { return cached.range }
        var range: ClosedRange<Int64>?
        if count > 0, let first = try? record(at: 0).eventTime.microseconds,
            let last = (try? log.maxEventTime())??.microseconds, last > first
        {
            range = first...last
        }
        timeRangeCache = (count, range)
        return range
    }

    /// The time at the start of column `column` of `width` (nil on an offset axis).
    public func columnStartTime(_ column: Int, width: Int) -> Int64? {
        guard let r = timeRange(), width > 0 else { return nil }
        let span = Double(r.upperBound - r.lowerBound)
        return r.lowerBound + Int64(span * Double(column) / Double(width))
    }

    /// The last offset at or before time `t` (-1 before the first record).
    public func offset(atTime t: Int64) -> Int64 {
        (try? log.offset(atOrBefore: Timestamp(microseconds: t))).flatMap { $0 } ?? -1
    }

    /// The scrubber column of an offset.
    public func column(of offset: Int64, width: Int) -> Int {
        guard width > 0, count > 0 else { return 0 }
        if let r = timeRange() {
            let t = (try? record(at: offset).eventTime.microseconds) ?? r.lowerBound
            let clamped = min(max(t, r.lowerBound), r.upperBound)
            let c = Int(Double(clamped - r.lowerBound) / Double(r.upperBound - r.lowerBound) * Double(width))
            return min(width - 1, max(0, c))
        }
        return min(width - 1, Int(offset * Int64(width) / max(1, count)))
    }

    /// The offset a scrubber column stands for: the last record whose running-maximum time is within
    /// the column (by offset on an offset axis).
    public func offset(atColumn column: Int, width: Int) -> Int64 {
        guard count > 0, width > 0 else { return 0 }
        let c = min(max(0, column), width - 1)
        if timeRange() != nil, let end = columnStartTime(c + 1, width: width) {
            let o = c == width - 1 ? count - 1 : offset(atTime: end - 1)
            return max(0, o)
        }
        return min(count - 1, max(0, Int64(c + 1) * count / Int64(width) - 1))
    }

    /// Events per scrubber column: exact counts from time-index lookups at the column boundaries
    /// (a lookup per column, never a scan).
    public func histogram(width: Int) -> [Int] {
        if let cached = histogramCache, cached.width == width, cached.count == count { return cached.data }
        var data = [Int](repeating: 0, count: max(0, width))
        guard width > 0, count > 0 else { return data }
        if timeRange() != nil {
            var previous: Int64 = -1
            for c in 0..<width {
                let end = c == width - 1 ? count - 1 : offset(atTime: (columnStartTime(c + 1, width: width) ?? 0) - 1)
                data[c] = Int(max(0, end - previous))
                previous = max(previous, end)
            }
        } else {
            for c in 0..<width {
                data[c] = Int(Int64(c + 1) * count / Int64(width) - Int64(c) * count / Int64(width))
            }
        }
        histogramCache = (width, count, data)
        return data
    }

    // MARK: Records

    /// The state of a record after offset `offset`.
    public func state(of key: String, at offset: Int64) throws -> JSON? {
        try replayer.state(of: key, at: offset)
    }

    /// The 1-based version the record at `offset` is of its key, and how many versions the key has in all.
    public func version(at offset: Int64, key: String) throws -> (number: Int, of: Int) {
        let versions = try replayer.versions(of: key)
        return (try replayer.versionCount(of: key, at: offset), versions.count)
    }

    /// Offsets of events whose type is `type` (a scan of the log).
    public func offsets(ofType type: String) throws -> [Int64] {
        var out: [Int64] = []
        try log.forEach(from: 0) { r in
            if r.type == type { out.append(r.offset) }
            return true
        }
        return out
    }

    /// Whether a record's text (key, type, id, data) contains `needle` (ASCII case-insensitive).
    public func matches(_ r: Record, _ needle: String) -> Bool {
        let n = needle.lowercased()
        if r.key.lowercased().contains(n) || r.type.lowercased().contains(n) || r.id.lowercased().contains(n) { return true }
        return String(decoding: r.payload, as: UTF8.self).lowercased().contains(n)
    }
}
