/// Everything that decides which rows an export has and what they hold; made from a filter and
/// options when exporting, and from a manifest when verifying against the log.
struct ExportPlan: Sendable {
    /// The inclusive offset range (empty when `first > last`).
    var first: Int64
    var last: Int64
    var key: String?
    var type: String?
    var columns: AuditColumns
    var actor: JSONPointer?
    var summaryWidth: Int
    /// Redacts data, state, actor and summary (nil: the raw values).
    var redactor: Redactor?
    var rules: Rules

    /// The inclusive offset range a filter selects (as `hindsight events` resolves `--from` / `--to`).
    static func range(log: LogReader, rules: Rules, filter: ExportFilter) throws -> (first: Int64, last: Int64) {
        let replayer = Replayer(log: log, rules: rules)
        var first: Int64 = 0
        var last = log.count - 1
        if let from = filter.from {
            if case .time(let t) = from {
                first = try replayer.offset(at: Timestamp(microseconds: t.microseconds - 1)) + 1
            } else {
                first = max(0, try replayer.resolve(from, key: filter.key).offset)
            }
        }
        if let to = filter.to { last = try replayer.resolve(to, key: filter.key).offset }
        return (first, last)
    }
}

/// The fold state of one key while streaming: its version count and current state.
private struct KeyState {
    var version = 0
    var state: JSON?
}

/// A row as the generator makes it: typed values, written to canonical bytes without going through
/// strings (the fast path of JSON Lines exports); ``auditRow(rowHash:)`` gives the ``AuditRow``.
struct GeneratedRow: Sendable {
    var seq: Int
    var record: Record
    var version: Int
    var actor: String
    var summary: String
    var prev: ChainHash
    var data: JSON?
    var state: JSON?

    func auditRow(rowHash: String = "") -> AuditRow {
        AuditRow(seq: seq, offset: record.offset, logTime: record.logTime.iso8601, eventTime: record.eventTime.iso8601,
                 key: record.key, type: record.type, id: record.id, version: version, actor: actor, summary: summary,
                 hash: record.hash.hex, prev: prev.hex, data: data, state: state, rowHash: rowHash)
    }

    /// The same bytes as `auditRow().writeCanonical(into:columns:)`, written directly.
    func writeCanonical(into out: inout [UInt8], columns: AuditColumns, times: inout RowTimeCaches) {
        record.hash.bytes.withUnsafeBytes { hash in
            prev.bytes.withUnsafeBytes { prev in
                CanonicalBytes.row(seq: seq, offset: record.offset, logTime: record.logTime, eventTime: record.eventTime,
                                   key: record.key, type: record.type, id: record.id, version: version, actor: actor, summary: summary,
                                   hash: hash, prev: prev, into: &out, times: &times)
            }
        }
        CanonicalBytes.optionalColumns(data: data, state: state, columns: columns, into: &out)
    }
}

/// Text that a canonical row writes as a JSON string.
protocol CanonicalString {
    /// The length of its UTF-8 bytes (see ``JSONStringWriter/bound(_:)``).
    var utf8Count: Int { get }
    func writeJSONString(into out: inout ByteCursor)
}

extension String: CanonicalString {
    var utf8Count: Int { utf8.count }
    func writeJSONString(into out: inout ByteCursor) { JSONStringWriter.write(self, into: &out) }
}

extension UnsafeRawBufferPointer: CanonicalString {
    var utf8Count: Int { count }
    func writeJSONString(into out: inout ByteCursor) { JSONStringWriter.write(bytes: self, into: &out) }
}

/// UTF-8 text known to be valid (a `String`'s bytes, or a summary made of valid pieces): written
/// without checking it again.
struct ValidUTF8: CanonicalString {
    let bytes: UnsafeRawBufferPointer
    var utf8Count: Int { bytes.count }
    func writeJSONString(into out: inout ByteCursor) { JSONStringWriter.write(validUTF8: bytes, into: &out) }
}

extension CanonicalBytes {
    /// The most bytes ``row(seq:offset:logTime:eventTime:key:type:id:version:actor:summary:hash:prev:into:times:)``
    /// writes besides its five strings: the member names and punctuation (the pieces below and the
    /// closing quote), three integers (20 each), two times (``ISOTimeCache/bound``) and two 32-byte
    /// hashes in hex.
    static let rowFixedBound: Int = {
        let c = CanonicalBytes.self
        let names = [c.seq, c.offset, c.logTime, c.eventTime, c.key, c.type, c.id, c.version, c.actor, c.summary, c.hash, c.prev]
        return names.reduce(1) { $0 + $1.utf8CodeUnitCount } + 3 * 20 + 2 * ISOTimeCache.bound + 2 * 64
    }()

    /// A row's canonical content up to its optional columns (see docs/AUDIT.md): the one writer of
    /// these bytes, from strings (``GeneratedRow``) or from a record's bytes (the text fold). Written
    /// through one cursor with room for the longest row these fields can make.
    static func row<Field: CanonicalString, Text: CanonicalString>(
        seq: Int, offset: Int64, logTime: Timestamp, eventTime: Timestamp, key: Field, type: Field, id: Field, version: Int,
        actor: Text, summary: Text, hash: UnsafeRawBufferPointer, prev: UnsafeRawBufferPointer,
        into out: inout [UInt8], times: inout RowTimeCaches
    ) {
        let strings = key.utf8Count + type.utf8Count + id.utf8Count + actor.utf8Count + summary.utf8Count
        let bound = rowFixedBound + JSONStringWriter.bound(strings) + 4 * JSONStringWriter.bound(0)
        out.append(atMost: bound) { out in
            out.put(CanonicalBytes.seq)
            out.put(decimal: Int64(seq))
            out.put(CanonicalBytes.offset)
            out.put(decimal: offset)
            out.put(CanonicalBytes.logTime)
            times.log.write(logTime, into: &out)
            out.put(CanonicalBytes.eventTime)
            times.event.write(eventTime, into: &out)
            out.put(CanonicalBytes.key)
            key.writeJSONString(into: &out)
            out.put(CanonicalBytes.type)
            type.writeJSONString(into: &out)
            out.put(CanonicalBytes.id)
            id.writeJSONString(into: &out)
            out.put(CanonicalBytes.version)
            out.put(decimal: Int64(version))
            out.put(CanonicalBytes.actor)
            actor.writeJSONString(into: &out)
            out.put(CanonicalBytes.summary)
            summary.writeJSONString(into: &out)
            out.put(CanonicalBytes.hash)
            out.put(hex: hash)
            out.put(CanonicalBytes.prev)
            out.put(hex: prev)
            out.put(UInt8(ascii: "\""))
        }
    }

    /// The optional `data` and `state` columns and the closing brace.
    static func optionalColumns(data: JSON?, state: JSON?, columns: AuditColumns, into out: inout [UInt8]) {
        if columns.includeData {
            out.append(static: CanonicalBytes.data)
            CanonicalJSON.write(data ?? .null, into: &out)
        }
        if columns.includeState {
            out.append(static: CanonicalBytes.state)
            CanonicalJSON.write(state ?? .null, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// Pieces of a row's canonical text.
enum CanonicalBytes {
    static let seq: StaticString = "{\"seq\":"
    static let offset: StaticString = ",\"offset\":"
    static let logTime: StaticString = ",\"logTime\":\""
    static let eventTime: StaticString = "\",\"eventTime\":\""
    static let key: StaticString = "\",\"key\":"
    static let type: StaticString = ",\"type\":"
    static let id: StaticString = ",\"id\":"
    static let version: StaticString = ",\"version\":"
    static let actor: StaticString = ",\"actor\":"
    static let summary: StaticString = ",\"summary\":"
    static let hash: StaticString = ",\"hash\":\""
    static let prev: StaticString = "\",\"prev\":\""
    static let data: StaticString = ",\"data\":"
    static let state: StaticString = ",\"state\":"

    /// Decimal digits of `v`.
    @inline(__always) static func int(_ v: Int64, into out: inout [UInt8]) {
        out.append(atMost: 20) { $0.put(decimal: v) }
    }

    /// 64 lower-case hex digits of a 32-byte hash.
    @inline(__always) static func hex(_ h: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.append(atMost: 2 * h.count) { $0.put(hex: h) }
    }
}

/// One time cache for log times and one for event times.
struct RowTimeCaches {
    var log = ISOTimeCache()
    var event = ISOTimeCache()
}

/// Writes `Timestamp.iso8601` text byte by byte, remembering the date part of the last day.
struct ISOTimeCache {
    /// The longest text it writes: `Timestamp.iso8601` of any time (at most 32 bytes, for years of six
    /// digits and a sign), with room to spare.
    static let bound = 40

    private var day = Int64.min
    /// "YYYY-MM-DDT" of `day`, in the first 11 bytes.
    private var date: (UInt64, UInt64) = (0, 0)

    @inline(__always) private static func two(_ v: Int64, into out: inout ByteCursor) {
        out.put(UInt8(ascii: "0") + UInt8(v / 10))
        out.put(UInt8(ascii: "0") + UInt8(v % 10))
    }

    /// Writes the same text as `t.iso8601`.
    mutating func write(_ t: Timestamp, into out: inout ByteCursor) {
        var secs = t.microseconds / 1_000_000
        var frac = t.microseconds % 1_000_000
        if frac < 0 { frac += 1_000_000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        if days != day {
            let (y, _, _) = Timestamp.civil(fromDays: days)
            guard y >= 0 && y <= 9999 else {
                var text = t.iso8601  // outside the years the fast path writes
                text.withUTF8 { out.put($0) }
                return
            }
            // "YYYY-MM-DDT", as Timestamp.iso8601 writes it.
            let text = Timestamp(microseconds: days * 86_400_000_000).iso8601.utf8.prefix(11)
            withUnsafeMutableBytes(of: &date) { raw in
                for (i, b) in text.enumerated() { raw[i] = b }
            }
            day = days
        }
        withUnsafeBytes(of: &date) { out.put(UnsafeRawBufferPointer(rebasing: $0[0..<11])) }
        ISOTimeCache.two(rem / 3600, into: &out)
        out.put(UInt8(ascii: ":"))
        ISOTimeCache.two(rem % 3600 / 60, into: &out)
        out.put(UInt8(ascii: ":"))
        ISOTimeCache.two(rem % 60, into: &out)
        if frac != 0 {
            out.put(UInt8(ascii: "."))
            let (value, width) = frac % 1000 == 0 ? (frac / 1000, 3) : (frac, 6)
            var divisor: Int64 = width == 3 ? 100 : 100_000
            while divisor > 0 {
                out.put(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        out.put(UInt8(ascii: "Z"))
    }
}

/// What a row was made from, unredacted (the verifier compares redacted exports with it).
struct RowSource {
    var before: JSON?
    var after: JSON?
    var data: JSON
}

/// One record to make a row of: the fold's output, before any redaction or rendering.
struct RowJob: Sendable {
    var seq: Int
    var record: Record
    /// The chain hash of the record before it in the log.
    var prev: ChainHash
    var version: Int
    var before: JSON?
    var after: JSON?
    var data: JSON
}

extension ExportPlan {
    /// Makes a row from a folded record: redaction, the summary of the change, the actor.
    /// Independent of every other row, so rows can be made on several threads.
    func render(_ job: RowJob) -> GeneratedRow {
        var shownData = job.data
        var shownBefore = job.before
        var shownAfter = job.after
        if let redactor {
            if columns.includeData || actor != nil { shownData = redactor.redact(job.data) }
            shownBefore = job.before.map(redactor.redact)
            shownAfter = job.after.map(redactor.redact)
        }
        let changes = StructuralDiff.changes(from: shownBefore, to: shownAfter)
        let summary = DiffText.summary(changes, in: shownAfter, maxWidth: summaryWidth)
        var actorText = ""
        if let actor, let v = actor.resolve(in: shownData) {
            actorText = v.stringValue ?? JSONSerializer.compact(v)
        }
        return GeneratedRow(seq: job.seq, record: job.record, version: job.version, actor: actorText, summary: summary, prev: job.prev,
                            data: columns.includeData ? shownData : nil,
                            state: columns.includeState ? (shownAfter ?? .null) : nil)
    }
}

/// Streams the rows of an export in order, folding the log once.
///
/// Without a key filter every record from offset 0 to the end of the range is folded (versions and
/// states need the records before the range too); with one, only that key's records (found through
/// the key index). Memory is O(number of keys): one version count and one current state per key.
struct RowGenerator {
    let log: LogReader
    let plan: ExportPlan
    /// Also hand the unredacted values to the body (for verification).
    var wantsSource = false

    /// Calls `body` with each row in order (seq 1, 2, ...); stops when it returns false.
    /// Returns the number of rows.
    @discardableResult
    func run(progress: ((Int64, Int64) -> Void)? = nil, _ body: (inout GeneratedRow, RowSource?) throws -> Bool) throws -> Int {
        try jobs(progress: progress) { job in
            var row = plan.render(job)
            return try body(&row, wantsSource ? RowSource(before: job.before, after: job.after, data: job.data) : nil)
        }
    }

    /// Folds the log and calls `body` with each record that makes a row, in order; stops when it returns false.
    /// Returns the number of rows.
    @discardableResult
    func jobs(progress: ((Int64, Int64) -> Void)? = nil, _ body: (RowJob) throws -> Bool) throws -> Int {
        let last = min(plan.last, log.count - 1)
        guard plan.first <= last else { return 0 }
        var seq = 0
        var issues: [String] = []
        var stop = false

        func step(_ r: Record, prev: ChainHash, entry: inout KeyState) throws {
            let data = r.data()
            let before = entry.state
            issues.removeAll(keepingCapacity: true)
            let after = Fold.apply(plan.rules, type: r.type, data: data, to: before, issues: &issues)
            entry.version += 1
            entry.state = after
            guard r.offset >= plan.first, plan.type == nil || r.type == plan.type else { return }
            seq += 1
            if try !body(RowJob(seq: seq, record: r, prev: prev, version: entry.version, before: before, after: after, data: data)) { stop = true }
        }

        if let key = plan.key {
            let offsets = try log.offsets(forKey: key).filter { $0 <= last }
            var entry = KeyState()
            for (i, offset) in offsets.enumerated() {
                let r = try log.record(at: offset)
                let prev = offset == 0 ? ChainHash.genesis : try log.record(at: offset - 1).hash
                try step(r, prev: prev, entry: &entry)
                if stop { break }
                if i & 0xFFF == 0 { progress?(Int64(i), Int64(offsets.count)) }
            }
            progress?(Int64(offsets.count), Int64(offsets.count))
        } else {
            var states: [String: KeyState] = [:]
            var prev = ChainHash.genesis
            let total = last + 1
            try log.forEach(from: 0, to: last + 1) { r in
                try step(r, prev: prev, entry: &states[r.key, default: KeyState()])
                prev = r.hash
                if r.offset & 0xFFFF == 0 { progress?(r.offset, total) }
                return !stop
            }
            progress?(total, total)
        }
        return seq
    }
}

extension Array where Element == UInt8 {
    /// Appends a static string's UTF-8 bytes (no allocation, no reference counting).
    @inline(__always)
    mutating func append(static s: StaticString) {
        append(contentsOf: UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}
