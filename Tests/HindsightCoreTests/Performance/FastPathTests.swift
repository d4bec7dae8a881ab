import CFastCRC
import CZlib
import Crypto
import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

/// Random JSON documents from a seed (objects with repeated and escaped names, nested arrays of objects).
struct SeededJSON {
    var rng: SplitMix

    init(seed: UInt64) { rng = SplitMix(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    mutating func name() -> String {
        ["a", "b", "c", "amount", "note", "tags", "x\ny", "é", "\u{1F600}", "q\"t", "a member name longer than thirty-two bytes, then \"quoted\""][int(0...10)]
    }

    mutating func value(depth: Int = 0) -> JSON {
        switch int(0...(depth > 3 ? 4 : 7)) {
        case 0: return .null
        case 1: return .bool(int(0...1) == 1)
        case 2: return .int(Int64(int(-1000...1000)))
        case 3: return .number(JSONNumber(validatedLiteral: ["1.5", "-0.25", "1e3", "123456789012345678901234567890"][int(0...3)]))
        case 4: return .string(["", "plain", "with \"quotes\"", "tab\there", "ünïcödé", "\u{202e}bidi",
                                "a value that runs past thirty-two bytes before its \"quotes\" and a \\ backslash"][int(0...6)])
        case 5: return .array((0..<int(0...3)).map { _ in value(depth: depth + 1) })
        default:
            var o = JSONObject()
            for _ in 0..<int(0...5) { o[name()] = value(depth: depth + 1) }
            return .object(o)
        }
    }

    /// Text for `v`, sometimes with whitespace, escaped names and a repeated member.
    mutating func text(_ v: JSON) -> String {
        switch v {
        case .object(let o):
            var parts: [String] = []
            for (k, value) in o {
                let key = int(0...4) == 0 ? escapedName(k) : JSONSerializer.compact(.string(k))
                parts.append(key + (int(0...3) == 0 ? " : " : ":") + text(value))
            }
            if let first = o.elements.first, int(0...5) == 0 {
                // A repeated name: the last value wins, the first position stays.
                parts.insert(JSONSerializer.compact(.string(first.key)) + ":" + "\"shadowed\"", at: 0)
            }
            return "{" + parts.joined(separator: int(0...3) == 0 ? " , " : ",") + "}"
        case .array(let a):
            return "[" + a.map { text($0) }.joined(separator: ",") + "]"
        default:
            return JSONSerializer.compact(v)
        }
    }

    func escapedName(_ k: String) -> String {
        "\"" + k.utf16.map { String(format: "\\u%04x", $0) }.joined() + "\""
    }
}

@Suite("Fast paths agree with the reference code")
struct FastPathTests {
    @Test func escapedStringsParse() throws {
        let text = #"{"id":"1","key":"a\u001b[2Jb","type":"T|\u0007","data":{"v":"\u202egnp.exe","who":"x\ny"}}"#
        let v = try JSONParser.parse(text)
        #expect(v["key"] == .string("a\u{1b}[2Jb"))
        #expect(v["data"]?["who"] == .string("x\ny"))
        let found = try Array(text.utf8).withUnsafeBytes { try JSONParser.locate($0, paths: [["key"]]) }
        #expect(found[0] != nil)
    }

    @Test func arraysOfObjectsAndRepeatedNamesParse() throws {
        #expect(try JSONParser.parse(#"[1,{"a":2},[{"b":[3,{"c":4}]}]]"#) == [1, ["a": 2], [["b": [3, ["c": 4]]]]])
        #expect(try JSONParser.parse(#"{"x":[{"a":1,"a":2}],"y":{"k":[],"k":[1]}}"#) == ["x": [["a": 2]], "y": ["k": [1]]])
        let many = "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k3\":99}"
        let parsed = try JSONParser.parse(many)
        #expect(parsed.objectValue?.count == 40)
        #expect(parsed["k3"] == 99)
        #expect(parsed.objectValue?.keys.first == "k0")
    }

    @Test func parsingRoundTripsRandomDocuments() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...1_000_000_000)) { seed in
            var g = SeededJSON(seed: UInt64(seed))
            let v = g.value()
            do {
                #expect(try JSONParser.parse(JSONSerializer.compact(v)) == v)
                #expect(try JSONParser.parse(JSONSerializer.pretty(v)) == v)
                // Escaped names, whitespace and a repeated name (the last value wins) parse like the plain text.
                let text = g.text(v)
                #expect(try JSONParser.parse(text) == v, "\(text)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func inPlaceMergeEqualsMergePatch() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...1_000_000_000)) { seed in
            var g = SeededJSON(seed: UInt64(seed))
            let target: JSON? = g.int(0...4) == 0 ? nil : g.value()
            let patch = g.value()
            var state = target
            FastFold.merge(patch, into: &state)
            #expect(state == MergePatch.apply(patch, to: target))
        }
    }

    /// Skipping a string ends where the string ends, for strings of any length with escapes anywhere.
    @Test func skippingAStringFindsItsEnd() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...1_000_000_000)) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            let length = Int.random(in: 0...90, using: &rng)
            let plain = ["a", "bc", " ", "é"], escapes = ["\\\"", "\\\\", "\\n", "\\u0041"]
            var body = ""
            while body.utf8.count < length {
                body += Int.random(in: 0..<8, using: &rng) == 0 ? escapes.randomElement(using: &rng) ?? "" : plain.randomElement(using: &rng) ?? ""
            }
            let text = Array(("\"" + body + "\"" + ",\"next\"").utf8)
            text.withUnsafeBufferPointer { buffer in
                guard let p = buffer.baseAddress else { return }
                #expect(JSONTextScan.skipString(p, 0, text.count) == body.utf8.count + 2, "\(body)")
                // Cut before its closing quote, it does not close (the index returned is past the cut).
                let cut = body.utf8.count + 1
                #expect(JSONTextScan.skipString(p, 0, cut) > cut)
            }
        }
    }

    @Test func textMergeEqualsMergePatch() async throws {
        await propertyCheck(count: 400, input: Gen.int(in: 1...1_000_000_000)) { seed in
            var g = SeededJSON(seed: UInt64(seed))
            let target: JSON? = g.int(0...4) == 0 ? nil : g.value()
            let patch = g.value()
            let targetText = target.map { g.text($0) }
            let patchText = g.text(patch)
            do {
                let parsedTarget = try targetText.map { try JSONParser.parse($0) }
                let parsedPatch = try JSONParser.parse(patchText)
                var out: [UInt8] = []
                Array(patchText.utf8).withUnsafeBytes { p in
                    if let targetText {
                        Array(targetText.utf8).withUnsafeBytes { t in RawMergePatch.merge(p, into: t, out: &out) }
                    } else {
                        RawMergePatch.merge(p, into: nil, out: &out)
                    }
                }
                let merged = try JSONParser.parse(out)
                #expect(merged == MergePatch.apply(parsedPatch, to: parsedTarget), "\(patchText) into \(targetText ?? "nothing")")
                // Member order is kept too.
                #expect(JSONSerializer.compact(merged) == JSONSerializer.compact(MergePatch.apply(parsedPatch, to: parsedTarget)))
            } catch {
                Issue.record("\(error)")
            }
        }
        var out: [UInt8] = []
        Array(#" { "a" : 1 , "b" : { "c" : null, "d" : [ 1 ] } } "#.utf8).withUnsafeBytes { p in
            Array(#"{"b":{"c":2,"e":3},"z":0}"#.utf8).withUnsafeBytes { t in RawMergePatch.merge(p, into: t, out: &out) }
        }
        #expect(try JSONParser.parse(out) == ["b": ["e": 3, "d": [1]], "z": 0, "a": 1])
    }

    @Test func checksumsMatchZlibAndSwiftCrypto() {
        var rng = SplitMix(seed: 7)
        for length in [0, 1, 7, 8, 9, 63, 64, 230, 4095, 4096, 10_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let ours = bytes.withUnsafeBytes { CRC32.checksum($0) }
            let zlib = bytes.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, UInt32($0.count))) }
            #expect(ours == zlib, "length \(length)")
            let split = bytes.withUnsafeBytes { raw in CRC32.update(CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(length / 2)])), UnsafeRawBufferPointer(rebasing: raw[(length / 2)...])) }
            #expect(split == zlib)
            let previous = ChainHash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
            let hash = bytes.withUnsafeBytes { ChainHashing.hash(previous: previous, body: $0) }
            #expect(hash.bytes == Array(SHA256.hash(data: previous.bytes + bytes)))
        }
    }

    /// Folding (carry-less multiplication) gives zlib's CRC for any length, start alignment and
    /// running value; the tables and zlib agree with each other too.
    @Test func foldedChecksumsMatchZlibAtAnyLengthAndAlignment() {
        var rng = SplitMix(seed: 11)
        let buffer = (0..<9000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var lengths = Array(0...300) + [511, 512, 513, 1023, 1024, 4095, 4096, 4097, 8191]
        for _ in 0..<100 { lengths.append(Int.random(in: 0...8900, using: &rng)) }
        buffer.withUnsafeBytes { raw in
            for length in lengths {
                let start = Int.random(in: 0...15, using: &rng)
                let seed = UInt32.random(in: 0...UInt32.max, using: &rng)
                let bytes = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                let zlib = UInt32(truncatingIfNeeded: crc32(UInt(seed), bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(length)))
                #expect(CRC32.update(seed, bytes) == zlib, "length \(length) at +\(start)")
                #expect(CRC32.tablesOrZlib(seed, bytes) == zlib, "tables, length \(length)")
                if CRC32.folds, length >= 64, let base = bytes.baseAddress {
                    let folded = length & ~15
                    let direct = hindsight_crc32_fold(seed, base.assumingMemoryBound(to: UInt8.self), folded)
                    let expected = UInt32(truncatingIfNeeded: crc32(UInt(seed), base.assumingMemoryBound(to: UInt8.self), UInt32(folded)))
                    #expect(direct == expected, "fold, length \(folded)")
                }
            }
        }
        #if arch(x86_64)
        #expect(CRC32.folds, "x86-64 machines this project runs on have PCLMULQDQ")
        #endif
    }

    @Test func aTimeReadFromItsBytesIsTheParsedValuesTime() async {
        // RFC 3339 times with one byte changed (or none): what the byte-level reading gives, when it
        // gives anything, is what parsing the JSON value and `Timestamp.from` give.
        let forms = ["2026-11-21T15:00:00Z", "2025-02-28T23:59:59.123456Z", "2024-02-29T00:00:00.5Z", "2026-11-21T15:00:60Z",
                     "2026-11-21T15:00:00+01:00", "2026-11-21 15:00:00Z", "2026-11-21"]
        let bytes: [UInt8] = Array("09-:.TZtz+ \\\"aé".utf8)
        await propertyCheck(count: 400, input: Gen.int(in: 1...1_000_000_000)) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            var text = Array(forms[Int.random(in: 0..<forms.count, using: &rng)].utf8)
            if Int.random(in: 0..<4, using: &rng) > 0 {
                text[Int.random(in: 0..<text.count, using: &rng)] = bytes[Int.random(in: 0..<bytes.count, using: &rng)]
            }
            let quoted = [UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")]
            let fast = quoted.withUnsafeBytes { GenericExtractor.fastTime($0) }
            guard let fast else { return }
            let parsed = (try? JSONParser.parse(quoted)).flatMap { Timestamp.from($0) }
            #expect(parsed?.microseconds == fast, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test func fastFieldExtractionMatchesTheDocumentedRules() throws {
        let lines = [
            #"{"id":"1","key":"a","type":"T","time":"2026-11-21T15:00:00Z","data":{"x":1}}"#,
            #"{"id":7,"key":42,"type":null,"time":" 2026-11-21T15:00:00Z ","data":[1,2]}"#,
            #"{"id":"e\u0031","key":"k\"q","type":"T","ts":1763737200000,"data":"text"}"#,
            #"{"key":true,"timestamp":"2026-11-21","time":null,"payload":1}"#,
            #"{"key":{"nested":1},"type":"T"}"#,
        ]
        let input = InputData(name: "in.jsonl", bytes: Array(lines.joined(separator: "\n").utf8))
        let drafts = try EventImporter.parse(input, options: ImportOptions()).drafts
        #expect(drafts.map(\.id).prefix(3) == ["1", "7", "e1"])
        #expect(drafts.map(\.key) == ["a", "42", "k\"q", "true", #"{"nested":1}"#])
        #expect(drafts.map(\.type) == ["T", "", "T", "", "T"])
        #expect(drafts[0].eventTime?.iso8601 == "2026-11-21T15:00:00Z")
        #expect(drafts[1].eventTime?.iso8601 == "2026-11-21T15:00:00Z")
        #expect(drafts[2].eventTime?.iso8601 == "2025-11-21T15:00:00Z")
        #expect(drafts[3].eventTime?.iso8601 == "2026-11-21T00:00:00Z")
        #expect(String(decoding: drafts[1].payload, as: UTF8.self) == "[1,2]")
        #expect(String(decoding: drafts[3].payload, as: UTF8.self) == lines[3])
        #expect(drafts[3].id.hasPrefix("sha256:"))
    }

    @Test func checkingOnTwoCoresNamesTheFirstBadLine() throws {
        var lines = (0..<30_000).map { #"{"id":"\#($0)","key":"k\#($0 % 10)","data":{"n":\#($0)}}"# }
        lines[12_000] = #"{"id":"x","key":"k","data":{"n":1}"#
        lines[25_000] = #"{"id":"y","data":{}}"#
        let input = InputData(name: "big.jsonl", bytes: Array(lines.joined(separator: "\n").utf8))
        do {
            _ = try ImportJob.parse(input, options: ImportOptions())
            Issue.record("accepted bad input")
        } catch let e as HindsightError {
            #expect(e.message.hasPrefix("big.jsonl: line 12001: invalid JSON"), "\(e.message)")
        }
        let skipped = try ImportJob.parse(input, options: ImportOptions(skipInvalid: true))
        #expect(skipped.count == 29_998)
        #expect(skipped.invalid.map(\.location) == ["line 12001", "line 25001"])
        let dir = TempDir()
        let writer = try LogWriter.make(dir.file("log"))
        let result = try ImportJob.append(skipped, into: writer)
        writer.close()
        #expect(result.appended == 29_998)
        let log = try LogReader(directory: dir.file("log"))
        #expect(try log.record(at: 21_000).id == "21001")
        #expect(try log.offsets(forKey: "k3").count == 3000)
    }

    /// Checking on two cores (each splitting its half into lines) reads the same events, and names the
    /// same lines, as reading on one: blank and blank-looking lines, CRLF and CR-only line ends, id-less
    /// events repeated across the halves, and bad lines on both sides of the split.
    @Test(arguments: ["\n", "\r\n", "\r"])
    func checkingOnTwoCoresMatchesOneCore(lineEnd: String) throws {
        var generator = SplitMix(seed: 7)
        var lines: [String] = []
        for i in 0..<24_000 {
            switch generator.next() % 50 {
            case 0: lines.append("")
            case 1: lines.append(" \t ")
            case 2: lines.append(#"{"key":"same","data":{"n":1}}"#)
            case 3: lines.append(#"{"id":"bad\#(i)","key":"k","data":{"n":1}"#)
            case 4: lines.append(#"{"id":"e\u00e9\#(i)","key":"k\"\#(i % 7)","type":"\tT","data":{"n":\#(i)}}"#)
            case 5:
                let key = i % 3 == 0 ? "true" : "-\(i % 11).5e2"
                lines.append(#"{"id":\#(i),"key":\#(key),"data":[\#(i)]}"#)
            default: lines.append(#"  {"id":"\#(i)","key":"k\#(i % 97)","type":"T","data":{"n":\#(i),"pad":"\#(String(repeating: "x", count: Int(generator.next() % 40)))"}}"#)
            }
        }
        let input = InputData(name: "mixed.jsonl", bytes: Array(lines.joined(separator: lineEnd).utf8))
        #expect(input.bytes.count >= EventImporter.parallelCheckBytes)
        let options = ImportOptions(skipInvalid: true)
        let parallel = try ImportJob.parse(input, options: options)
        let serial = try EventImporter.parse(input, options: options)
        #expect(parallel.count == serial.count)
        let firstWrongInvalid = zip(parallel.invalid, serial.invalid).first { $0.0 != $0.1 }
        #expect(parallel.invalid.count == serial.invalid.count && firstWrongInvalid == nil, "first difference: \(String(describing: firstWrongInvalid))")
        #expect(parallel.invalid.count > 100)
        let (p, s) = (parallel.drafts, serial.drafts)
        let firstWrongDraft = zip(p.indices, zip(p, s)).first { $0.1.0 != $0.1.1 }?.0
        #expect(p.count == s.count && firstWrongDraft == nil, "first different event: \(String(describing: firstWrongDraft))")
        // Without --skip-invalid, the first bad line is named in either half.
        for keep in [0, 1] {
            var strict = lines.enumerated().map { $0.element.contains("bad") ? #"{"id":"ok\#($0.offset)","key":"k","data":{}}"# : $0.element }
            let bad = keep == 0 ? 3_000 : 20_000
            strict[bad] = #"{"id":"x","key":"k","data":{"n":1}"#
            let text = InputData(name: "strict.jsonl", bytes: Array(strict.joined(separator: lineEnd).utf8))
            #expect(throws: HindsightError.self) { try ImportJob.parse(text, options: ImportOptions()) }
            do {
                _ = try ImportJob.parse(text, options: ImportOptions())
            } catch let e as HindsightError {
                #expect(e.message.hasPrefix("strict.jsonl: line \(bad + 1): invalid JSON"), "\(e.message)")
            }
        }
    }

    /// A field a record cannot hold is refused while the input is checked (naming its line), not
    /// part way through appending.
    @Test func anOverlongFieldIsRefusedBeforeAnythingIsAppended() throws {
        var lines = (0..<30_000).map { #"{"id":"\#($0)","key":"k\#($0 % 10)","data":{"n":\#($0)}}"# }
        lines[20_000] = #"{"id":"long","key":""# + String(repeating: "k", count: RecordFormat.maxFieldLength + 1) + #"","data":{}}"#
        let input = InputData(name: "long.jsonl", bytes: Array(lines.joined(separator: "\n").utf8))
        do {
            _ = try ImportJob.parse(input, options: ImportOptions())
            Issue.record("accepted an overlong key")
        } catch let e as HindsightError {
            #expect(e.message == "long.jsonl: line 20001: the event's key is 65536 bytes long; the limit is 65535", "\(e.message)")
        }
        let skipped = try ImportJob.parse(input, options: ImportOptions(skipInvalid: true))
        #expect(skipped.count == 29_999)
        #expect(skipped.invalid.map(\.location) == ["line 20001"])
    }
}
