import Crypto
import Dispatch
import Foundation

/// The input formats `import` understands.
public enum InputFormat: String, CaseIterable, Sendable {
    /// Decide from the first event.
    case auto
    /// JSON Lines (or a JSON array) of events, fields found through the field mapping.
    case jsonl
    /// CloudEvents 1.0 JSON: one event, a batch array, or JSON Lines of events.
    case cloudevents
    /// `kcat -J` envelopes: topic, partition, offset, ts, key, payload.
    case kcat
}

/// How to read an input.
public struct ImportOptions: Sendable {
    public var fields: FieldMapping
    /// Which mapping members the user set explicitly (`key`, `type`, `id`, `time`, `data`).
    public var explicitFields: Set<String>
    public var format: InputFormat
    /// Skip invalid events (and list them) instead of refusing the whole input.
    public var skipInvalid: Bool

    public init(fields: FieldMapping = FieldMapping(), explicitFields: Set<String> = [], format: InputFormat = .auto, skipInvalid: Bool = false) {
        self.fields = fields
        self.explicitFields = explicitFields
        self.format = format
        self.skipInvalid = skipInvalid
    }
}

extension ImportOptions {
    /// `base` with the explicitly given fields of these options put over it.
    public func overriding(_ base: FieldMapping) -> FieldMapping {
        var merged = base
        if explicitFields.contains("key") { merged.key = fields.key }
        if explicitFields.contains("type") { merged.type = fields.type }
        if explicitFields.contains("id") { merged.id = fields.id }
        if explicitFields.contains("time") { merged.time = fields.time }
        if explicitFields.contains("data") { merged.data = fields.data }
        return merged
    }
}

/// An input event that could not be imported.
public struct InvalidEvent: Sendable, Equatable {
    /// Where: `line 12` or `element 3`.
    public var location: String
    public var reason: String
}

/// The events read from an input.
public struct ParsedInput: Sendable {
    /// How the events are held.
    enum Storage: Sendable {
        /// As drafts (CloudEvents, kcat -J, or events built by hand).
        case drafts([EventDraft])
        /// Compactly: strings and ranges of the input (JSON Lines).
        case compact(CompactEvents)
        /// Checked but not kept: read again, in chunks, when appended.
        case deferred(EventReader)
        /// Compactly, in parts read in parallel (a whole JSON Lines input).
        case parts([CompactEvents])
    }

    var storage: Storage = .drafts([])
    public var invalid: [InvalidEvent] = []
    /// The format used (the detected one for `auto`).
    public var format: InputFormat = .jsonl
    /// How many valid events there are.
    public private(set) var count = 0

    public init() {}

    init(storage: Storage, count: Int, invalid: [InvalidEvent] = [], format: InputFormat) {
        self.storage = storage
        self.count = count
        self.invalid = invalid
        self.format = format
    }

    /// The valid events as drafts (materialized on demand: appending does not need them).
    public var drafts: [EventDraft] {
        switch storage {
        case .drafts(let d): return d
        case .compact(let c): return c.drafts()
        case .parts(let parts): return parts.flatMap { $0.drafts() }
        case .deferred(var reader):
            var out: [EventDraft] = []
            while !reader.isAtEnd, let chunk = try? reader.read(limit: 1 << 16) { out.append(contentsOf: chunk.drafts) }
            return out
        }
    }

    mutating func append(_ draft: EventDraft) {
        if case .drafts(var d) = storage {
            storage = .drafts([])
            d.append(draft)
            storage = .drafts(d)
        } else {
            var d = drafts
            d.append(draft)
            storage = .drafts(d)
        }
        count += 1
    }
}

/// Reads an input's events in chunks (so that a long import can append, and be browsed, as it goes).
public struct EventReader: Sendable {
    /// One event's bytes in the input: line `number` (JSONL) or element `number` (a JSON array/document).
    struct Unit: Sendable {
        var number: Int
        var range: Range<Int>
    }

    public let input: InputData
    public let options: ImportOptions
    let units: [Unit]
    let isDocument: Bool
    var next = 0
    /// The unit after the last one this reader reads (a part of the input, for parallel checking).
    var end: Int
    var format: InputFormat
    /// Events without an id get a content hash; the n-th identical one gets "#n" so that repeats
    /// inside one input are all kept while a re-import of the same input appends nothing.
    var derivedSeen: [String: Int] = [:]
    /// An invalid event found by the previous `read`, thrown by the next one (so the valid events
    /// before it are returned first).
    var deferredError: HindsightError?
    /// Field paths compiled once for JSON Lines events.
    let extractor: GenericExtractor
    /// Whether repeated derived ids get their `#n` here (a reader of part of the input leaves it to
    /// the caller, who sees the parts in order).
    var suffixDerivedIDs = true
    /// For a reader of part of a JSON Lines input: where the part starts. Its units are numbered from
    /// 1 there, and the lines before it are counted only when a location is needed (an invalid event).
    var partStart: Int?
    /// The lines before `partStart`, once counted.
    var linesBefore: Int?
    /// For a reader of part of a JSON Lines input: its lines, split as they are read (then `units` is
    /// empty), and about how many there are.
    private var lines: LineCursor?
    private(set) var estimatedCount = 0

    /// Splits the input into events (lines, or the elements of a JSON array, or one JSON document).
    public init(_ input: InputData, options: ImportOptions) throws {
        self.input = input
        self.options = options
        self.format = options.format
        self.extractor = GenericExtractor(options.fields)
        guard let first = input.firstSignificantByte else {
            units = []
            isDocument = false
            end = 0
            return
        }
        let lines = EventReader.lineUnits(input, from: input.contentStart, to: input.bytes.count, last: true, separator: input.lineSeparator)
        if first == UInt8(ascii: "[") || (first == UInt8(ascii: "{") && !lines.isEmpty && !EventImporter.isCompleteValue(input, lines[0].range)) {
            units = try EventImporter.documentUnits(input).enumerated().map { Unit(number: $0.offset + 1, range: $0.element) }
            isDocument = true
        } else {
            units = lines
            isDocument = false
        }
        end = units.count
    }

    /// A reader of the JSON Lines events on the lines that start in `range` (with `last`, also at its
    /// end), which must start where a line starts: one of the parts of an input checked on several
    /// cores. Only this part's lines are split.
    init(jsonLines input: InputData, options: ImportOptions, range: Range<Int>, last: Bool, separator: UInt8) {
        self.input = input
        self.options = options
        self.format = .jsonl
        self.extractor = GenericExtractor(options.fields)
        // The lines are split as they are read (no array of them: 240 MB at 10M events).
        units = []
        lines = LineCursor(at: range.lowerBound, to: range.upperBound, last: last, separator: separator)
        estimatedCount = input.estimatedLineCount(from: range.lowerBound, to: range.upperBound, separator: separator)
        isDocument = false
        end = 0
        partStart = range.lowerBound == input.contentStart ? nil : range.lowerBound
    }

    /// The next unit to read, nil at the end.
    @inline(__always)
    private mutating func nextUnit() -> Unit? {
        if lines != nil {
            guard let (number, range) = lines?.next(in: input) else { return nil }
            return Unit(number: number, range: range)
        }
        guard next < end else { return nil }
        next += 1
        return units[next - 1]
    }

    /// The non-blank lines that start in `from..<to` (see ``InputData/forEachLine(from:to:last:separator:_:)``),
    /// numbered from 1 at `from`.
    static func lineUnits(_ input: InputData, from: Int, to: Int, last: Bool, separator: UInt8) -> [Unit] {
        var units: [Unit] = []
        units.reserveCapacity(input.estimatedLineCount(from: from, to: to, separator: separator))
        input.forEachLine(from: from, to: to, last: last, separator: separator) { number, range in
            units.append(Unit(number: number, range: range))
            return true
        }
        return units
    }

    /// Events in the input.
    public var count: Int { units.count }
    /// Whether every event has been read.
    public var isAtEnd: Bool { (lines.map(\.isAtEnd) ?? (next >= end)) && deferredError == nil }
    /// Input bytes read so far.
    public var bytesRead: Int {
        if let lines { return min(lines.position, input.bytes.count) }
        return next < units.count ? units[next].range.lowerBound : input.bytes.count
    }
    /// The format in use (the detected one once an event was read).
    public var detectedFormat: InputFormat { format == .auto ? .jsonl : format }

    /// Where a unit is, for messages: `line 12`, `element 3` or `event 1`.
    mutating func location(_ unit: Unit) -> String {
        if isDocument { return units.count == 1 ? "event 1" : "element \(unit.number)" }
        guard let partStart else { return "line \(unit.number)" }
        let before = linesBefore ?? input.lineCount(from: input.contentStart, to: partStart, separator: input.lineSeparator)
        linesBefore = before
        return "line \(before + unit.number)"
    }

    /// Decides the format from the first event (when it is `auto`) without reading anything.
    mutating func detectFormat() {
        guard format == .auto, let unit = units.first else { return }
        input.bytes.withUnsafeBytes { raw in
            if let detected = try? EventImporter.detect(UnsafeRawBufferPointer(rebasing: raw[unit.range])) { format = detected }
        }
    }

    /// Reads up to `limit` more events. Without `skipInvalid`, an invalid event throws an error
    /// naming the input, the line (or element) and the reason.
    public mutating func read(limit: Int = Int.max) throws -> ParsedInput {
        try read(limit: limit, keep: true)
    }

    /// Reads up to `limit` more events; with `keep` false they are only checked (and counted).
    mutating func read(limit: Int, keep: Bool) throws -> ParsedInput {
        var drafts: [EventDraft] = []
        var compact = CompactEvents(bytes: input.bytes)
        if keep { compact.reserve(min(end, next + max(0, limit)) - next) }
        var invalid: [InvalidEvent] = []
        let valid = try read(limit: limit, keep: keep, into: &compact, drafts: &drafts, invalid: &invalid)
        let storage: ParsedInput.Storage = !keep ? .drafts([]) : (format == .cloudevents || format == .kcat ? .drafts(drafts) : .compact(compact))
        return ParsedInput(storage: storage, count: valid, invalid: invalid, format: detectedFormat)
    }

    /// Reads up to `limit` more events, appending JSON Lines events to `compact` and the others to
    /// `drafts` (with `keep`), and invalid ones (with `skipInvalid`) to `invalid`; returns how many
    /// were valid.
    mutating func read(limit: Int, keep: Bool, into compact: inout CompactEvents, drafts: inout [EventDraft],
                       invalid: inout [InvalidEvent]) throws -> Int {
        if let deferredError {
            self.deferredError = nil
            next = end
            if let l = lines { lines = LineCursor(at: l.to + 1, to: l.to, last: l.last, separator: l.separator) }
            throw deferredError
        }
        guard limit > 0 else { return 0 }
        var taken = 0
        var valid = 0
        var found = [Range<Int>?](repeating: nil, count: extractor.paths.components.count)
        try input.bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            while taken < limit, let unit = nextUnit() {
                taken += 1
                let bytes = UnsafeRawBufferPointer(rebasing: raw[unit.range])
                do {
                    if format == .auto { format = try EventImporter.detect(bytes) }
                    switch format {
                    case .auto, .jsonl:
                        var event = try extractor.extract(bytes, found: &found)
                        if suffixDerivedIDs && event.derivedID, case .text(let id) = event.id {
                            let n = derivedSeen[id, default: 0] + 1
                            derivedSeen[id] = n
                            if n > 1 { event.id = .text(id + "#\(n)") }
                        }
                        if keep {
                            let at = unit.range.lowerBound
                            compact.append(id: event.id.shifted(by: at), key: event.key.shifted(by: at), type: event.type.shifted(by: at),
                                           time: event.time, payload: (event.payload.lowerBound + at)..<(event.payload.upperBound + at),
                                           derivedID: event.derivedID && !suffixDerivedIDs)
                        }
                    case .cloudevents:
                        let d = try EventImporter.cloudEvent(bytes, options)
                        if keep { drafts.append(d) }
                    case .kcat:
                        let d = try EventImporter.kcat(bytes, options)
                        if keep { drafts.append(d) }
                    }
                    valid += 1
                } catch let error as HindsightError {
                    guard options.skipInvalid else {
                        let located = HindsightError(.badInput, "\(input.name): \(location(unit)): \(error.message)",
                                                     hint: error.hint ?? "fix it, or pass --skip-invalid to import the valid events and list the bad ones")
                        if valid == 0 { throw located }
                        deferredError = located
                        return
                    }
                    invalid.append(InvalidEvent(location: location(unit), reason: error.message))
                }
            }
        }
        return valid
    }
}

/// One JSON Lines event's fields, found through the field mapping (`.input` ranges are of the event's bytes).
struct GenericEvent {
    var id: FieldText
    var key: FieldText
    var type: FieldText
    /// Whether the id was derived from the event's bytes (it has none).
    var derivedID: Bool
    /// Microseconds since the epoch, when the event has a time.
    var time: Int64?
    /// The data's bytes within the event.
    var payload: Range<Int>
}

/// Finds the key, type, id, time and data of JSON Lines events through a field mapping compiled once,
/// validating each event as it goes (no document tree is built for the fields it reads).
struct GenericExtractor: Sendable {
    let fields: FieldMapping
    /// key, type, id, data (or `data`), then the time candidates.
    let paths: MemberPaths

    init(_ fields: FieldMapping) {
        self.fields = fields
        var p: [[String]] = [fields.key.components, fields.type.components, fields.id.components, fields.data?.components ?? ["data"]]
        p.append(contentsOf: fields.time.map(\.components))
        paths = MemberPaths(Array(p.prefix(64)))
    }

    /// The event's fields; errors say what is wrong (without the line, which the caller adds).
    func extract(_ bytes: UnsafeRawBufferPointer, found: inout [Range<Int>?]) throws -> GenericEvent {
        guard let first = bytes.first else { throw HindsightError(.badInput, "empty event") }
        do {
            try JSONParser.locate(bytes, paths: paths, found: &found)
        } catch {
            throw HindsightError(.badInput, "invalid JSON at column \(error.offset + 1): \(error.reason)")
        }
        guard first == UInt8(ascii: "{") else {
            let kind = (try? JSONParser.parse(bytes))?.kindName ?? "value"
            throw HindsightError(.badInput, "an event must be a JSON object, found \(kind == "object" ? "value" : kind)")
        }
        guard let keyRange = found[0], let key = GenericExtractor.scalarField(bytes, keyRange) else {
            throw HindsightError(.badInput, "no key at \"\(fields.key.text)\"",
                                 hint: "name the entity field with --key-field PATH (e.g. --key-field repo.name), or fix the event")
        }
        let type = found[1].flatMap { GenericExtractor.scalarField(bytes, $0) } ?? .text("")
        let given = found[2].flatMap { GenericExtractor.scalarField(bytes, $0) }
        let id = given ?? .text(EventImporter.derivedID(bytes))
        var time: Int64?
        for (k, path) in fields.time.enumerated() where 4 + k < found.count {
            guard let r = found[4 + k] else { continue }
            let value = UnsafeRawBufferPointer(rebasing: bytes[r])
            if value.first == UInt8(ascii: "n") { continue }  // null
            if let t = GenericExtractor.fastTime(value) {
                time = t
                break
            }
            let v = (try? JSONParser.parse(value)) ?? .null
            guard let t = Timestamp.from(v) else {
                throw HindsightError(.badInput, "time \(TextSafety.escape(v.description)) at \"\(path.text)\" is not an RFC 3339 time or an epoch number",
                                     hint: "write times like 2026-11-21T15:00:00Z or epoch seconds/milliseconds, or name another field with --time-field")
            }
            time = t.microseconds
            break
        }
        let payload: Range<Int>
        if let r = found[3] {
            payload = r
        } else if fields.data != nil {
            throw HindsightError(.badInput, "no data at \"\(fields.data?.text ?? "")\"", hint: "name the data field with --data-field PATH")
        } else {
            payload = 0..<bytes.count
        }
        // What a record cannot hold is refused here, before anything is appended.
        for (name, field) in [("id", id), ("key", key), ("type", type)] where field.byteCount > RecordFormat.maxFieldLength {
            throw HindsightError(.badInput, "the event's \(name) is \(field.byteCount) bytes long; the limit is \(RecordFormat.maxFieldLength)")
        }
        let size = RecordFormat.size(idCount: id.byteCount, keyCount: key.byteCount, typeCount: type.byteCount, metaCount: 0, payloadCount: payload.count)
        if size > RecordFormat.maxRecordSize {
            throw HindsightError(.badInput, "the event is \(size) bytes as a record; the largest record is \(RecordFormat.maxRecordSize) bytes")
        }
        return GenericEvent(id: id, key: key, type: type, derivedID: given == nil, time: time, payload: payload)
    }

    /// A key, type or id as ``scalarText(_:_:)`` gives it, as the range of `bytes` that holds that
    /// text when there is one (a string without escapes, or a number).
    static func scalarField(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> FieldText? {
        let value = UnsafeRawBufferPointer(rebasing: bytes[range])
        guard let first = value.first else { return nil }
        if first == UInt8(ascii: "\""), value.count >= 2, let base = value.baseAddress, memchr(base, 0x5C, value.count) == nil {
            return .input((range.lowerBound + 1)..<(range.upperBound - 1))
        }
        if first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) {
            return .input(range)
        }
        return scalarText(bytes, range).map { .text($0) }
    }

    /// A key, type or id as text (as `EventImporter.scalarText` of the parsed value): strings without
    /// escapes and numbers are read straight from the (already validated) bytes.
    static func scalarText(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        let value = UnsafeRawBufferPointer(rebasing: bytes[range])
        guard let first = value.first else { return nil }
        if first == UInt8(ascii: "\""), value.count >= 2, !value.contains(UInt8(ascii: "\\")) {
            return String(decoding: UnsafeRawBufferPointer(rebasing: value[1..<(value.count - 1)]), as: UTF8.self)
        }
        if first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) {
            return String(decoding: value, as: UTF8.self)
        }
        guard let v = try? JSONParser.parse(value) else { return nil }
        return EventImporter.scalarText(v)
    }

    /// An RFC 3339 time string without escapes or surrounding blanks, read from its bytes (nil: let
    /// `Timestamp.from` decide, which gives the same answer more slowly).
    static func fastTime(_ value: UnsafeRawBufferPointer) -> Int64? {
        guard value.count >= 12, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") else { return nil }
        let text = UnsafeRawBufferPointer(rebasing: value[1..<(value.count - 1)])
        // The common form checks every byte (so it has no escapes); anything else is looked at first.
        if let t = commonRFC3339(text) { return t }
        // Four digits and '-' (a date), no escapes, no blanks or non-ASCII at either end.
        for i in 0..<4 where !(text[i] >= 0x30 && text[i] <= 0x39) { return nil }
        guard text[4] == UInt8(ascii: "-"), !text.contains(UInt8(ascii: "\\")) else { return nil }
        guard let last = text.last, last > 0x20, last < 0x7F else { return nil }
        return Timestamp.parseRFC3339(Array(text))?.microseconds
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the form most logs write, read without copies (the same result
    /// as `Timestamp.parseRFC3339`; nil for anything else, which then goes there). Every byte is checked.
    @inline(__always)
    static func commonRFC3339(_ t: UnsafeRawBufferPointer) -> Int64? {
        guard t.count >= 20, t[10] == UInt8(ascii: "T"), t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"), t[13] == UInt8(ascii: ":"), t[16] == UInt8(ascii: ":"),
            t[t.count - 1] == UInt8(ascii: "Z")
        else { return nil }
        @inline(__always) func digits(_ at: Int, _ n: Int) -> Int64? {
            var v: Int64 = 0
            for k in at..<(at + n) {
                let c = t[k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            return v
        }
        guard let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2), let hour = digits(11, 2),
            let minute = digits(14, 2), var second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysInMonth(year: year, month: month), hour < 24, minute < 60, second <= 60 else {
            return nil
        }
        second = min(second, 59)
        var micros: Int64 = 0
        var i = 19
        if i < t.count - 1 {
            guard t[i] == UInt8(ascii: "."), i + 1 < t.count - 1 else { return nil }
            i += 1
            var scale: Int64 = 100_000
            while i < t.count - 1 {
                let c = t[i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                micros += Int64(c - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000 + micros
    }
}

/// Reads JSONL, CloudEvents and kcat -J inputs into event drafts.
public enum EventImporter {
    /// Parses a whole input. Without `skipInvalid`, the first invalid event throws an error naming the
    /// input, the line (or array element) and the reason, and nothing is returned.
    /// - Parameter progress: called now and then with (bytes read, events read).
    public static func parse(_ input: InputData, options: ImportOptions, progress: ((Int, Int) -> Void)? = nil) throws -> ParsedInput {
        var reader = try EventReader(input, options: options)
        var drafts: [EventDraft] = []
        var compact = CompactEvents(bytes: input.bytes)
        var invalid: [InvalidEvent] = []
        var count = 0
        while !reader.isAtEnd {
            progress?(reader.bytesRead, count)
            let chunk = try reader.read(limit: 1 << 14)
            switch chunk.storage {
            case .drafts(let d): drafts.append(contentsOf: d)
            case .compact(let c):
                compact.append(contentsOf: c)
            case .deferred, .parts: break
            }
            invalid.append(contentsOf: chunk.invalid)
            count += chunk.count
        }
        progress?(input.bytes.count, count)
        let format = reader.detectedFormat
        let storage: ParsedInput.Storage = format == .cloudevents || format == .kcat ? .drafts(drafts) : .compact(compact)
        return ParsedInput(storage: storage, count: count, invalid: invalid, format: format)
    }

    /// Reads and checks a whole input on both cores, each reading half of it. JSON Lines events are kept
    /// compactly (strings and ranges of the input), CloudEvents and kcat -J ones as drafts; errors and
    /// skipped events are the same as `parse`'s.
    /// - Parameter progress: called now and then with (bytes checked, events checked), approximately.
    static func check(_ input: InputData, options: ImportOptions, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ParsedInput {
        let separator = input.lineSeparator
        let start = input.contentStart
        let n = input.bytes.count
        // Split at the first line end after the middle; each core splits its own part into lines.
        let middle = start + (n - start) / 2
        let split: Int? = input.bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress, middle < n, let found = memchr(base + middle, Int32(separator), n - middle) else { return nil }
            return UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base + 1
        }
        guard n - start >= EventImporter.parallelCheckBytes, let split, split < n, isJSONLines(input, options: options, separator: separator) else {
            return try parse(input, options: options) { bytes, events in progress?(bytes, events) }
        }
        let ranges = [start..<split, split..<n]
        let parts = ranges.count
        final class Results: @unchecked Sendable {
            var parts: [(events: CompactEvents, invalid: [InvalidEvent], error: Error?)]
            init(_ n: Int, _ bytes: InputBytes) { parts = Array(repeating: (CompactEvents(bytes: bytes), [], nil), count: n) }
        }
        let results = Results(parts, input.bytes)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var r = EventReader(jsonLines: input, options: options, range: ranges[part], last: part == parts - 1, separator: separator)
            r.suffixDerivedIDs = false
            var events = CompactEvents(bytes: input.bytes)
            events.reserve(r.estimatedCount)
            var invalid: [InvalidEvent] = []
            var drafts: [EventDraft] = []
            do {
                while !r.isAtEnd {
                    if part == 0 { progress?(r.bytesRead * parts, events.count * parts) }
                    _ = try r.read(limit: 1 << 14, keep: true, into: &events, drafts: &drafts, invalid: &invalid)
                }
                results.parts[part] = (events, invalid, nil)
            } catch {
                results.parts[part] = (events, invalid, error)
            }
        }
        var all: [CompactEvents] = []
        var invalid: [InvalidEvent] = []
        var seen: [String: Int] = [:]
        for part in results.parts {
            if let error = part.error { throw error }
            var events = part.events
            // The n-th identical id-less event gets "#n", counted over the whole input in order.
            for i in events.derived {
                let id = events.id(i)
                let n = seen[id, default: 0] + 1
                seen[id] = n
                if n > 1 { events.setID(i, id + "#\(n)") }
            }
            all.append(events)
            invalid.append(contentsOf: part.invalid)
        }
        let count = all.reduce(0) { $0 + $1.count }
        progress?(input.bytes.count, count)
        return ParsedInput(storage: .parts(all), count: count, invalid: invalid, format: .jsonl)
    }

    /// Inputs at least this large are checked on both cores (smaller ones are not worth a thread).
    static let parallelCheckBytes = 1 << 20

    /// Whether an input is JSON Lines of plain events (its first line a whole JSON object that is
    /// neither a CloudEvent nor a kcat -J envelope, unless the format was given as `jsonl`), as the
    /// whole-input reader would decide.
    static func isJSONLines(_ input: InputData, options: ImportOptions, separator: UInt8) -> Bool {
        guard options.format == .auto || options.format == .jsonl, input.firstSignificantByte == UInt8(ascii: "{") else { return false }
        var first: Range<Int>?
        input.forEachLine(from: input.contentStart, to: input.bytes.count, last: true, separator: separator) { _, range in
            first = range
            return false
        }
        guard let first, isCompleteValue(input, first) else { return false }
        if options.format == .jsonl { return true }
        return input.bytes.withUnsafeBytes { raw in (try? detect(UnsafeRawBufferPointer(rebasing: raw[first]))) == .jsonl }
    }

    static func isCompleteValue(_ input: InputData, _ range: Range<Int>) -> Bool {
        input.bytes.withUnsafeBytes { raw in
            (try? JSONParser.locate(UnsafeRawBufferPointer(rebasing: raw[range]), paths: [])) != nil
        }
    }

    /// Units of a whole-document input: the elements of a top-level array, or the one object.
    static func documentUnits(_ input: InputData) throws -> [Range<Int>] {
        let start = input.contentStart
        return try input.bytes.withUnsafeBytes { raw in
            let doc = UnsafeRawBufferPointer(rebasing: raw[start...])
            do {
                _ = try JSONParser.locate(doc, paths: [])
            } catch let error as JSONParseError {
                let (line, column) = lineAndColumn(input.bytes, start + error.offset)
                throw HindsightError(.badInput, "\(input.name): line \(line), column \(column): invalid JSON: \(error.reason)",
                                     hint: "a JSON input must be JSON Lines, one event object, or an array of events")
            }
            var s = 0
            while s < doc.count, [0x20, 0x0A, 0x0D, 0x09].contains(doc[s]) { s += 1 }
            if doc[s] == UInt8(ascii: "{") {
                var e = doc.count
                while e > s, [0x20, 0x0A, 0x0D, 0x09].contains(doc[e - 1]) { e -= 1 }
                return [(start + s)..<(start + e)]
            }
            // A top-level array: find each element's range.
            var units: [Range<Int>] = []
            var reader = JSONByteReader(doc.bindMemory(to: UInt8.self), options: .standard)
            reader.index = s + 1
            reader.skipWhitespace()
            if reader.index < reader.end, doc[reader.index] == UInt8(ascii: "]") { return [] }
            while reader.index < reader.end {
                reader.skipWhitespace()
                let elementStart = reader.index
                try reader.skipValue(depth: 1)
                units.append((start + elementStart)..<(start + reader.index))
                reader.skipWhitespace()
                guard reader.index < reader.end else { break }
                if doc[reader.index] == UInt8(ascii: "]") { break }
                reader.index += 1  // ','
            }
            return units
        }
    }

    static func lineAndColumn(_ bytes: InputBytes, _ offset: Int) -> (Int, Int) {
        var line = 1, lineStart = 0
        bytes.withUnsafeBufferPointer { b in
            for i in 0..<min(offset, b.count) where b[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
        }
        return (line, offset - lineStart + 1)
    }

    /// Decides the format from one event.
    static func detect(_ bytes: UnsafeRawBufferPointer) throws -> InputFormat {
        let found: [Range<Int>?]
        do {
            found = try JSONParser.locate(bytes, paths: [["specversion"], ["payload"], ["topic"], ["partition"]])
        } catch {
            throw HindsightError(.badInput, "invalid JSON at column \(error.offset + 1): \(error.reason)")
        }
        if found[0] != nil { return .cloudevents }
        if found[1] != nil && found[2] != nil && found[3] != nil { return .kcat }
        return .jsonl
    }

    // MARK: Generic JSON Lines

    static func generic(_ bytes: UnsafeRawBufferPointer, _ fields: FieldMapping) throws -> EventDraft {
        let extractor = GenericExtractor(fields)
        var found = [Range<Int>?](repeating: nil, count: extractor.paths.components.count)
        let e = try extractor.extract(bytes, found: &found)
        return EventDraft(id: e.id.string(in: bytes), key: e.key.string(in: bytes), type: e.type.string(in: bytes),
                          eventTime: e.time.map { Timestamp(microseconds: $0) },
                          payload: [UInt8](UnsafeRawBufferPointer(rebasing: bytes[e.payload])))
    }

    /// A key, type or id as text: strings as they are, numbers and booleans as written; nil for null.
    static func scalarText(_ v: JSON) -> String? {
        switch v {
        case .string(let s): return s
        case .number(let n): return n.literal
        case .bool(let b): return b ? "true" : "false"
        case .null: return nil
        case .array, .object: return JSONSerializer.compact(v)
        }
    }

    /// A deterministic id for an event that has none: `sha256:` and the first 128 bits of the hash of its bytes.
    static func derivedID(_ bytes: UnsafeRawBufferPointer) -> String {
        let digest = SHA256.hash(data: bytes)
        return derivedIDPrefix + ChainHash(bytes: Array(digest.prefix(16))).hex
    }

    static let derivedIDPrefix = "sha256:"

    // MARK: CloudEvents

    static func parseObject(_ bytes: UnsafeRawBufferPointer) throws -> JSONObject {
        let v: JSON
        do { v = try JSONParser.parse(bytes) } catch {
            throw HindsightError(.badInput, "invalid JSON at column \(error.offset + 1): \(error.reason)")
        }
        guard case .object(let o) = v else { throw HindsightError(.badInput, "an event must be a JSON object, found \(v.kindName)") }
        return o
    }

    static func cloudEvent(_ bytes: UnsafeRawBufferPointer, _ options: ImportOptions) throws -> EventDraft {
        let o = try parseObject(bytes)
        func required(_ name: String) throws -> String {
            guard let s = o[name]?.stringValue, !s.isEmpty else {
                throw HindsightError(.badInput, "not a valid CloudEvent: \"\(name)\" must be a non-empty string",
                                     hint: "CloudEvents need specversion, id, source and type")
            }
            return s
        }
        let spec = try required("specversion")
        guard spec == "1.0" || spec == "0.3" else {
            throw HindsightError(.badInput, "unsupported CloudEvents specversion \"\(TextSafety.escape(spec))\"", hint: "hindsight reads CloudEvents 1.0 (and 0.3)")
        }
        let id = try required("id")
        let source = try required("source")
        let type = try required("type")
        var key: String
        if options.explicitFields.contains("key") {
            guard let k = options.fields.key.resolve(in: .object(o)).flatMap(scalarText) else {
                throw HindsightError(.badInput, "no key at \"\(options.fields.key.text)\"")
            }
            key = k
        } else if let subject = o["subject"]?.stringValue, !subject.isEmpty {
            key = subject
        } else {
            key = source
        }
        if key.isEmpty { key = source }
        var time: Timestamp?
        if let t = o["time"], !t.isNull {
            guard let s = t.stringValue, let parsed = Timestamp.parse(s) else {
                throw HindsightError(.badInput, "CloudEvent \"time\" \(TextSafety.escape(t.description)) is not an RFC 3339 time")
            }
            time = parsed
        }
        if o["data"] != nil && o["data_base64"] != nil {
            throw HindsightError(.badInput, "a CloudEvent must not have both \"data\" and \"data_base64\"")
        }
        var data: JSON = o["data"] ?? .null
        if let b64 = o["data_base64"] {
            guard let s = b64.stringValue, let decoded = Data(base64Encoded: s) else {
                throw HindsightError(.badInput, "CloudEvent \"data_base64\" is not valid base64")
            }
            let contentType = o["datacontenttype"]?.stringValue?.lowercased() ?? ""
            if contentType.contains("json"), let parsed = try? JSONParser.parse([UInt8](decoded)) {
                data = parsed
            } else if let text = String(validating: [UInt8](decoded), as: UTF8.self) {
                data = .string(text)
            } else {
                data = .string(s)
            }
        }
        var meta = JSONObject()
        for (name, value) in o where !["id", "type", "time", "data", "data_base64"].contains(name) {
            meta[name] = value
        }
        return EventDraft(id: id, key: key, type: type, eventTime: time, meta: Array(JSONSerializer.compact(.object(meta)).utf8),
                          payload: Array(JSONSerializer.compact(data).utf8))
    }

    // MARK: kcat -J

    static func kcat(_ bytes: UnsafeRawBufferPointer, _ options: ImportOptions) throws -> EventDraft {
        let o = try parseObject(bytes)
        guard o["payload"] != nil else {
            throw HindsightError(.badInput, "not a kcat -J envelope: no \"payload\"", hint: "use --format jsonl for plain JSON events")
        }
        var data: JSON = .null
        if case .string(let text) = o["payload"] ?? .null {
            data = (try? JSONParser.parse(text)) ?? .string(text)
        } else if let p = o["payload"] {
            data = p
        }
        let fields = options.fields
        var key: String?
        if options.explicitFields.contains("key") {
            key = fields.key.resolve(in: data).flatMap(scalarText)
        } else {
            key = o["key"].flatMap(scalarText) ?? fields.key.resolve(in: data).flatMap(scalarText)
        }
        guard let key else {
            throw HindsightError(.badInput, "the message has no key", hint: "name a payload field with --key-field PATH")
        }
        let type = fields.type.resolve(in: data).flatMap(scalarText) ?? ""
        let topic = o["topic"].flatMap(scalarText) ?? ""
        let partition = o["partition"].flatMap(scalarText) ?? ""
        let offset = o["offset"].flatMap(scalarText) ?? ""
        let id = fields.id.resolve(in: data).flatMap(scalarText) ?? "\(topic)/\(partition)/\(offset)"
        var time: Timestamp?
        for path in fields.time {
            if let v = path.resolve(in: data), !v.isNull {
                guard let t = Timestamp.from(v) else {
                    throw HindsightError(.badInput, "time \(TextSafety.escape(v.description)) at \"\(path.text)\" is not an RFC 3339 time or an epoch number")
                }
                time = t
                break
            }
        }
        if time == nil, let ts = o["ts"], !ts.isNull {
            guard let n = ts.numberValue, let t = Timestamp.fromEpochNumber(n) else {
                throw HindsightError(.badInput, "\"ts\" must be epoch milliseconds")
            }
            time = t
        }
        var meta = JSONObject()
        for (name, value) in o where name != "payload" && name != "key" { meta[name] = value }
        return EventDraft(id: id, key: key, type: type, eventTime: time, meta: Array(JSONSerializer.compact(.object(meta)).utf8),
                          payload: Array(JSONSerializer.compact(data).utf8))
    }
}

extension FieldText {
    /// The field's length in bytes.
    var byteCount: Int {
        switch self {
        case .input(let r): return r.count
        case .text(let t): return t.utf8.count
        }
    }

    /// The same field with an input range moved by `offset` (from an event's bytes to the input's).
    func shifted(by offset: Int) -> FieldText {
        guard case .input(let r) = self else { return self }
        return .input((r.lowerBound + offset)..<(r.upperBound + offset))
    }

    /// The field as a string (`.input` ranges are of `bytes`).
    func string(in bytes: UnsafeRawBufferPointer) -> String {
        switch self {
        case .input(let r): return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[r]), as: UTF8.self)
        case .text(let t): return t
        }
    }
}
