// The checks each fuzz target runs on one input. This one file serves two builds: the libFuzzer
// targets in Fuzz/ (a symlink to it: Fuzz/Sources/FuzzHarness/FuzzHarness.swift) and the regression
// test that replays the inputs kept in Tests/HindsightCoreTests/FuzzRegressions/<target>/.
//
// Each check must not crash, hang or trip a sanitizer on any input; where an input is accepted it
// also checks a property (a parsed JSON document survives a round trip, a decoded record's fields
// fit inside it, folded state serializes to JSON that parses...) and throws `FuzzFailure` when the
// property does not hold (the fuzz targets turn that into a crash that libFuzzer keeps).

import Foundation

@testable import HindsightCore

extension Result {
    var success: Success? { if case .success(let v) = self { return v } else { return nil } }
}

/// A property that did not hold for an input.
struct FuzzFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum FuzzHarness {
    /// The fuzz targets, named as their folders of regression inputs.
    static let targets = ["json", "import", "record", "rules", "expression"]

    /// Runs target `name` on `bytes`.
    static func run(_ name: String, _ bytes: UnsafeRawBufferPointer) throws {
        switch name {
        case "json": try json(bytes)
        case "import": try importers(bytes)
        case "record": try record(bytes)
        case "rules": try rules(bytes)
        case "expression": try expression(bytes)
        default: throw FuzzFailure("no fuzz target \(name)")
        }
    }

    static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw FuzzFailure(message()) }
    }

    // MARK: JSON

    /// The JSON parser: accepted documents survive compact and pretty round trips; `locate` (the
    /// tree-free scanner the importers use) accepts exactly what `parse` accepts and finds the same
    /// members; refusing duplicate keys only ever refuses more.
    static func json(_ bytes: UnsafeRawBufferPointer) throws {
        let parsed = try? JSONParser.parse(bytes)
        let paths: [[String]] = [[], ["a"], ["a", "b"], ["data"], ["id"]]
        let located = try? JSONParser.locate(bytes, paths: paths)
        try check((parsed == nil) == (located == nil), "parse and locate disagree on validity: parse \(parsed == nil ? "refused" : "accepted")")
        let strict = try? JSONParser.parse(bytes, options: JSONReadOptions(rejectDuplicateKeys: true))
        if let strict { try check(strict == parsed, "rejectDuplicateKeys changed an accepted document") }
        guard let value = parsed, let ranges = located else { return }
        let compact = JSONSerializer.compact(value)
        let again = try? JSONParser.parse(compact)
        try check(again == value, "compact round trip changed the value: \(compact.prefix(200))")
        try check(JSONSerializer.compact(again ?? .null) == compact, "compact form is not stable")
        try check((try? JSONParser.parse(JSONSerializer.pretty(value))) == value, "pretty round trip changed the value")
        for (path, range) in zip(paths, ranges) {
            let expected = path.isEmpty ? value : FieldPath(components: path).resolve(in: value)
            let found = range.flatMap { try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[$0])) }
            try check(found == expected, "locate(\(path)) found \(found.map(JSONSerializer.compact) ?? "nothing"), parse has \(expected.map(JSONSerializer.compact) ?? "nothing")")
        }
        _ = TextSafety.escape(compact)
    }

    // MARK: Importers

    /// The importers: byte 0 picks the format (auto, jsonl, cloudevents, kcat) and skipInvalid; the rest is
    /// the input (gunzipped first when it has the gzip magic). Every accepted event has JSON data and
    /// metadata; an input accepted whole gives the same events with skipInvalid and none invalid.
    static func importers(_ bytes: UnsafeRawBufferPointer) throws {
        guard let selector = bytes.first else { return }
        var input = [UInt8](bytes.dropFirst())
        if input.count >= 2 && input[0] == 0x1F && input[1] == 0x8B {
            guard let unzipped = try? InputData.gunzip(input, name: "fuzz") else { return }
            input = unzipped
        }
        let formats: [InputFormat] = [.auto, .jsonl, .cloudevents, .kcat]
        var options = ImportOptions(format: formats[Int(selector & 3)], skipInvalid: selector & 4 != 0)
        if selector & 8 != 0 {
            options.fields = FieldMapping(key: FieldPath(components: ["a", "b"]), type: FieldPath(components: ["t"]),
                                          id: FieldPath(components: ["i"]), time: [FieldPath(components: ["ts"])],
                                          data: FieldPath(components: ["d"]))
            options.explicitFields = ["key", "type", "id", "time", "data"]
        }
        let data = InputData(name: "fuzz", bytes: input)
        _ = data.lines()
        let parsed: ParsedInput
        do { parsed = try EventImporter.parse(data, options: options) } catch let error as HindsightError {
            try check(!error.message.isEmpty, "an import error without a message")
            return
        }
        for draft in parsed.drafts {
            try check((try? JSONParser.parse(draft.payload)) != nil, "event \(draft.id) has data that is not JSON")
            try check(draft.meta.isEmpty || (try? JSONParser.parse(draft.meta)) != nil, "event \(draft.id) has metadata that is not JSON")
            _ = draft.eventTime?.iso8601
        }
        if !options.skipInvalid {
            options.skipInvalid = true
            let lenient = try EventImporter.parse(data, options: options)
            try check(lenient.drafts == parsed.drafts && lenient.invalid.isEmpty, "skipInvalid changed an input that was accepted whole")
        }
    }

    // MARK: Records and segments

    /// The record decoder and the log reader over a fuzzed segment.
    ///
    /// Byte 0 holds flags: bit 0 repairs each frame's CRC and chain hash (so the reader gets past its
    /// checks and reaches the fields), bit 1 takes the offset index and time index from the input's
    /// tail, bit 2 the key and id indexes, bit 3 stops after the bare decoder (fast). The rest is the
    /// segment. Unless bit 3 is set, the segment is then opened as a log in a scratch directory: every
    /// readable record must decode and `verify` must agree with the reader.
    static func record(_ bytes: UnsafeRawBufferPointer) throws {
        guard let flags = bytes.first else { return }
        var segment = [UInt8](bytes.dropFirst())
        var derived: [(String, [UInt8])] = []
        if flags & 6 != 0, segment.count >= 2 {
            // The last two bytes give the length of the tail that holds the derived files.
            let tail = min(segment.count - 2, Int(segment[segment.count - 1]) << 8 | Int(segment[segment.count - 2]))
            let files = Array(segment[(segment.count - 2 - tail)..<(segment.count - 2)])
            segment.removeLast(tail + 2)
            let half = files.count / 2
            if flags & 2 != 0 { derived += [("index", Array(files[..<half])), ("timeindex", Array(files[half...]))] }
            if flags & 4 != 0 { derived += [("keys", Array(files[..<half])), ("ids", Array(files[half...]))] }
        }
        if flags & 1 != 0 { repairFrames(&segment) }
        // Walk the frames with the bare decoder.
        var decoded: [Record] = []
        try segment.withUnsafeBytes { raw in
            var position = 0
            var expected: Int64 = 0
            while position < raw.count {
                let rest = UnsafeRawBufferPointer(rebasing: raw[position...])
                guard case .record(let r, let size) = RecordFormat.decode(rest, expectedOffset: expected) else { break }
                try check(size >= RecordFormat.minimumRecordSize && size <= rest.count, "a record of \(size) bytes in \(rest.count)")
                _ = (r.eventTime.iso8601, r.logTime.iso8601, r.data(), r.metadata())
                decoded.append(r)
                position += size
                expected += 1
            }
            // And from every position, without the checksum: no crash on any framing.
            for start in stride(from: 0, to: raw.count, by: max(1, raw.count / 64)) {
                _ = RecordFormat.decode(UnsafeRawBufferPointer(rebasing: raw[start...]), expectedOffset: nil, verifyChecksum: false)
            }
        }
        for (_, file) in derived {
            _ = HashIndex.decode(file, maxRelativeOffset: UInt32(decoded.count))
        }
        if flags & 8 == 0 { try readAsLog(segment: segment, derived: derived, decoded: decoded) }
    }

    /// Gives each frame a correct CRC and chain hash, so that fuzzed fields reach the reader.
    static func repairFrames(_ segment: inout [UInt8]) {
        var previous = ChainHash.genesis
        var position = 0
        segment.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            while raw.count - position >= RecordFormat.minimumRecordSize {
                guard let size = RecordFormat.frameSize(UnsafeRawBufferPointer(rebasing: raw[position...])), position + size <= raw.count else { return }
                let record = base + position
                previous.bytes.withUnsafeBytes { p in
                    if let pb = p.baseAddress { RecordFormat.seal(record, size: size, previous: pb) }
                }
                previous = ChainHash(bytes: [UInt8](UnsafeRawBufferPointer(start: record + size - RecordFormat.hashSize, count: RecordFormat.hashSize)))
                position += size
            }
        }
    }

    /// One scratch log directory per process (each fuzz input rewrites its files).
    static let scratch: String = {
        let root = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        let dir = root + "hindsight-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let meta = #"{"format": 1, "tool": "hindsight", "segmentBytes": 67108864, "created": "2026-11-22T00:00:00Z"}"#
        _ = FileManager.default.createFile(atPath: dir + "/log.json", contents: Data(meta.utf8))
        atexit { try? FileManager.default.removeItem(atPath: FuzzHarness.scratch) }
        return dir
    }()

    static func readAsLog(segment: [UInt8], derived: [(String, [UInt8])], decoded: [Record]) throws {
        let dir = scratch
        let stem = dir + "/" + SegmentFiles.name(0)
        for ext in ["index", "timeindex", "keys", "ids"] { unlink(stem + "." + ext) }
        _ = FileManager.default.createFile(atPath: stem + ".log", contents: Data(segment))
        for (ext, file) in derived { _ = FileManager.default.createFile(atPath: stem + "." + ext, contents: Data(file)) }
        guard let reader = try? LogReader(directory: dir) else { return }
        // The reader returns only whole, checked records: a prefix of what the bare decoder found (its
        // count may include damaged records followed by valid ones; reading those throws).
        var seen: [Record] = []
        try? reader.forEach(from: 0) { seen.append($0); return true }
        try check(seen == Array(decoded.prefix(seen.count)), "the reader returned records the decoder does not have")
        if reader.tail == .clean { try check(seen.count == Int(reader.count), "a clean log whose records cannot all be read") }
        // Key and id lookups (through fuzzed or rebuilt hash indexes) find every readable record; they may
        // throw a clear error instead when rebuilding an index meets a damaged record.
        // A key or id whose bytes are not UTF-8 (only a forged or CRC-repaired record has one) reads as a
        // string with U+FFFD in it, which names other bytes: no string can look it up, so skip those.
        for r in seen.prefix(4) {
            if !r.key.unicodeScalars.contains("\u{FFFD}"), let versions = try? reader.offsets(forKey: r.key) {
                try check(versions.contains(r.offset), "the key index lost offset \(r.offset) of key \(TextSafety.escape(r.key))")
            }
            if !r.id.unicodeScalars.contains("\u{FFFD}"), let found = Result(catching: { try reader.offset(forID: r.id) }).success {
                try check(found != nil, "the id index lost id \(TextSafety.escape(r.id))")
            }
        }
        _ = try? reader.offset(atOrBefore: Timestamp(microseconds: 0))
        _ = try? reader.maxEventTime()
        if let report = try? Verifier.verify(directory: dir), report.problem == nil {
            try check(report.records == Int64(decoded.count), "verify found \(report.records) whole records, the decoder \(decoded.count)")
            if report.tornTail == nil { try check(reader.count == report.records, "verify found \(report.records) records, the reader \(reader.count)") }
        }
        if !seen.isEmpty, let replayed = try? Replayer(log: reader, rules: .mergeAll).states(at: reader.count - 1) {
            _ = replayed
        }
    }

    // MARK: Rules

    /// The rules parser, and folding with what it accepts. The input is a rules file, optionally followed
    /// by a NUL byte and event data (JSON); accepted rules fold fixed events plus that data three times,
    /// and the state must always serialize to JSON that parses back to it.
    static func rules(_ bytes: UnsafeRawBufferPointer) throws {
        let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first else { return }
        let rules: Rules
        do { rules = try Rules.parse(Array(first), name: "fuzz.rules.json") } catch let error as HindsightError {
            try check(!error.message.isEmpty && error.code == .usage, "a rules error without a message, or not a usage error")
            return
        }
        var datas: [JSON] = [
            ["amount": 5, "item": "x", "a": ["b": [1, 2]], "big": .number(JSONNumber(validatedLiteral: "1e308")),
             "huge": .number(JSONNumber(validatedLiteral: "123456789012345678901234567890"))],
            .number(JSONNumber(validatedLiteral: "-9223372036854775808")), .string("s"), .null, .array([.emptyObject]),
        ]
        if parts.count > 1, let extra = try? JSONParser.parse(Array(parts[1])) { datas.append(extra) }
        let types = Array(rules.types.keys.prefix(8)) + ["__other__"]
        var state: JSON? = nil
        var issues: [String] = []
        for _ in 0..<3 {
            for type in types {
                for data in datas {
                    state = Fold.apply(rules, type: type, data: data, to: state, issues: &issues)
                    if let s = state {
                        let text = JSONSerializer.compact(s)
                        try check((try? JSONParser.parse(text)) == s, "folded state does not round-trip as JSON: \(text.prefix(200))")
                    }
                }
            }
        }
        _ = JSONSerializer.compact(rules.source)
    }

    // MARK: Watch expressions

    /// The expression parser; accepted expressions evaluate on a few contexts, and their description
    /// parses back to the same expression.
    static func expression(_ bytes: UnsafeRawBufferPointer) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        let expression: WatchExpression
        do { expression = try WatchExpression.parse(text) } catch let error as HindsightError {
            try check(error.message.contains("column"), "an expression error that names no column: \(error.message)")
            return
        }
        let reparsed = try? WatchExpression.parse(expression.description)
        try check(reparsed == expression, "\(TextSafety.escape(expression.description)) does not parse back to the same expression")
        _ = expression.isEventPredicate
        let record = Record(offset: 3, logTime: Timestamp(microseconds: 0), eventTime: Timestamp(microseconds: Int64.min + 1),
                            id: "e", key: "k", type: "T", meta: [], payload: Array(#"{"amount":5,"items":[{"sku":"A"},1e400]}"#.utf8),
                            hash: .genesis)
        let states: [JSON?] = [nil, ["balance": 10, "owner": ["name": "Ann"], "items": [["sku": "A"], ["sku": "B"]]],
                               .number(JSONNumber(validatedLiteral: "1e999")), .array([.null, .bool(false)])]
        for before in states {
            for after in states {
                _ = expression.evaluate(WatchContext(before: before, after: after, record: record))
            }
        }
    }
}
