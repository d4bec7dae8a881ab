import Crypto
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
    public var drafts: [EventDraft] = []
    public var invalid: [InvalidEvent] = []
    /// The format used (the detected one for `auto`).
    public var format: InputFormat = .jsonl
}

/// Reads an input's events in chunks (so that a long import can append, and be browsed, as it goes).
public struct EventReader {
    /// One event's bytes in the input: line `number` (JSONL) or element `number` (a JSON array/document).
    struct Unit {
        var number: Int
        var range: Range<Int>
    }

    public let input: InputData
    public let options: ImportOptions
    let units: [Unit]
    let isDocument: Bool
    var next = 0
    var format: InputFormat
    /// Events without an id get a content hash; the n-th identical one gets "#n" so that repeats
    /// inside one input are all kept while a re-import of the same input appends nothing.
    var derivedSeen: [String: Int] = [:]
    /// An invalid event found by the previous `read`, thrown by the next one (so the valid events
    /// before it are returned first).
    var deferredError: HindsightError?

    /// Splits the input into events (lines, or the elements of a JSON array, or one JSON document).
    public init(_ input: InputData, options: ImportOptions) throws {
        self.input = input
        self.options = options
        self.format = options.format
        guard let first = input.firstSignificantByte else {
            units = []
            isDocument = false
            return
        }
        let lines = input.lines()
        if first == UInt8(ascii: "[") || (first == UInt8(ascii: "{") && !lines.isEmpty && !EventImporter.isCompleteValue(input, lines[0].range)) {
            units = try EventImporter.documentUnits(input).enumerated().map { Unit(number: $0.offset + 1, range: $0.element) }
            isDocument = true
        } else {
            units = lines.map { Unit(number: $0.number, range: $0.range) }
            isDocument = false
        }
    }

    /// Events in the input.
    public var count: Int { units.count }
    /// Whether every event has been read.
    public var isAtEnd: Bool { next >= units.count && deferredError == nil }
    /// Input bytes read so far.
    public var bytesRead: Int { next < units.count ? units[next].range.lowerBound : input.bytes.count }
    /// The format in use (the detected one once an event was read).
    public var detectedFormat: InputFormat { format == .auto ? .jsonl : format }

    func location(_ unit: Unit) -> String {
        isDocument ? (units.count == 1 ? "event 1" : "element \(unit.number)") : "line \(unit.number)"
    }

    /// Reads up to `limit` more events. Without `skipInvalid`, an invalid event throws an error
    /// naming the input, the line (or element) and the reason.
    public mutating func read(limit: Int = Int.max) throws -> ParsedInput {
        if let deferredError {
            self.deferredError = nil
            next = units.count
            throw deferredError
        }
        var result = ParsedInput()
        let end = min(units.count, next + max(0, limit))
        guard next < end else {
            result.format = detectedFormat
            return result
        }
        result.drafts.reserveCapacity(end - next)
        try input.bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws in
            while next < end {
                let unit = units[next]
                next += 1
                let bytes = UnsafeRawBufferPointer(rebasing: raw[unit.range])
                do {
                    if format == .auto { format = try EventImporter.detect(bytes) }
                    switch format {
                    case .auto, .jsonl:
                        var draft = try EventImporter.generic(bytes, options.fields)
                        if draft.id.hasPrefix(EventImporter.derivedIDPrefix) {
                            let n = derivedSeen[draft.id, default: 0] + 1
                            derivedSeen[draft.id] = n
                            if n > 1 { draft.id += "#\(n)" }
                        }
                        result.drafts.append(draft)
                    case .cloudevents: result.drafts.append(try EventImporter.cloudEvent(bytes, options))
                    case .kcat: result.drafts.append(try EventImporter.kcat(bytes, options))
                    }
                } catch let error as HindsightError {
                    guard options.skipInvalid else {
                        let located = HindsightError(.badInput, "\(input.name): \(location(unit)): \(error.message)",
                                                     hint: error.hint ?? "fix it, or pass --skip-invalid to import the valid events and list the bad ones")
                        if result.drafts.isEmpty { throw located }
                        deferredError = located
                        return
                    }
                    result.invalid.append(InvalidEvent(location: location(unit), reason: error.message))
                }
            }
        }
        result.format = detectedFormat
        return result
    }
}

/// Reads JSONL, CloudEvents and kcat -J inputs into event drafts.
public enum EventImporter {
    /// Parses a whole input. Without `skipInvalid`, the first invalid event throws an error naming the
    /// input, the line (or array element) and the reason, and nothing is returned.
    /// - Parameter progress: called now and then with (bytes read, events read).
    public static func parse(_ input: InputData, options: ImportOptions, progress: ((Int, Int) -> Void)? = nil) throws -> ParsedInput {
        var reader = try EventReader(input, options: options)
        var result = ParsedInput()
        result.drafts.reserveCapacity(reader.count)
        while !reader.isAtEnd {
            progress?(reader.bytesRead, result.drafts.count)
            let chunk = try reader.read(limit: 1 << 14)
            result.drafts.append(contentsOf: chunk.drafts)
            result.invalid.append(contentsOf: chunk.invalid)
        }
        progress?(input.bytes.count, result.drafts.count)
        result.format = reader.detectedFormat
        return result
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
                var found: [Range<Int>?] = []
                try reader.scanValue(depth: 1, level: 0, active: [], paths: [], found: &found)
                units.append((start + elementStart)..<(start + reader.index))
                reader.skipWhitespace()
                guard reader.index < reader.end else { break }
                if doc[reader.index] == UInt8(ascii: "]") { break }
                reader.index += 1  // ','
            }
            return units
        }
    }

    static func lineAndColumn(_ bytes: [UInt8], _ offset: Int) -> (Int, Int) {
        var line = 1, lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
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
        guard let first = bytes.first else { throw HindsightError(.badInput, "empty event") }
        var paths: [[String]] = [fields.key.components, fields.type.components, fields.id.components, fields.data?.components ?? ["data"]]
        paths.append(contentsOf: fields.time.map(\.components))
        let found: [Range<Int>?]
        do {
            found = try JSONParser.locate(bytes, paths: paths)
        } catch {
            throw HindsightError(.badInput, "invalid JSON at column \(error.offset + 1): \(error.reason)")
        }
        guard first == UInt8(ascii: "{") else {
            let kind = (try? JSONParser.parse(bytes))?.kindName ?? "value"
            throw HindsightError(.badInput, "an event must be a JSON object, found \(kind == "object" ? "value" : kind)")
        }
        func value(_ i: Int) -> JSON? {
            guard let r = found[i] else { return nil }
            return try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[r]))
        }
        guard let keyValue = value(0), let key = scalarText(keyValue) else {
            throw HindsightError(.badInput, "no key at \"\(fields.key.text)\"",
                                 hint: "name the entity field with --key-field PATH (e.g. --key-field repo.name), or fix the event")
        }
        let type = value(1).flatMap(scalarText) ?? ""
        let id = value(2).flatMap(scalarText) ?? derivedID(bytes)
        var time: Timestamp?
        for (k, path) in fields.time.enumerated() {
            guard let v = value(4 + k), !v.isNull else { continue }
            guard let t = Timestamp.from(v) else {
                throw HindsightError(.badInput, "time \(TextSafety.escape(v.description)) at \"\(path.text)\" is not an RFC 3339 time or an epoch number",
                                     hint: "write times like 2026-11-21T15:00:00Z or epoch seconds/milliseconds, or name another field with --time-field")
            }
            time = t
            break
        }
        let payload: [UInt8]
        if let r = found[3] {
            payload = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[r]))
        } else if fields.data != nil {
            throw HindsightError(.badInput, "no data at \"\(fields.data?.text ?? "")\"", hint: "name the data field with --data-field PATH")
        } else {
            payload = [UInt8](bytes)
        }
        return EventDraft(id: id, key: key, type: type, eventTime: time, payload: payload)
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
