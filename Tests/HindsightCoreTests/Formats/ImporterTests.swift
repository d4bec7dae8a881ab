import Foundation
import Testing
@testable import HindsightCore

@Suite("Importers: JSONL, CloudEvents, kcat -J")
struct ImporterTests {
    func parse(_ text: String, _ options: ImportOptions = ImportOptions()) throws -> ParsedInput {
        try EventImporter.parse(InputData(name: "in.jsonl", bytes: Array(text.utf8)), options: options)
    }

    @Test func genericJSONLWithDefaultFields() throws {
        let p = try parse("""
            {"id":"1","key":"a","type":"T","time":"2026-11-21T15:00:00Z","data":{"x":1}}
            {"key":"b","type":"U","ts":1763737200000,"y":2}

            {"id":7,"key":42,"timestamp":"2026-11-21T15:00:01Z"}
            """)
        #expect(p.format == .jsonl)
        #expect(p.drafts.count == 3)
        #expect(p.drafts[0].id == "1")
        #expect(p.drafts[0].key == "a")
        #expect(p.drafts[0].eventTime?.iso8601 == "2026-11-21T15:00:00Z")
        #expect(String(decoding: p.drafts[0].payload, as: UTF8.self) == #"{"x":1}"#)
        // No data member: the whole event is the data; no id: a content hash.
        #expect(String(decoding: p.drafts[1].payload, as: UTF8.self) == #"{"key":"b","type":"U","ts":1763737200000,"y":2}"#)
        #expect(p.drafts[1].id.hasPrefix("sha256:"))
        #expect(p.drafts[1].eventTime?.iso8601 == "2025-11-21T15:00:00Z")
        #expect(p.drafts[2].key == "42")
        #expect(p.drafts[2].id == "7")
        #expect(p.drafts[2].type == "")
    }

    @Test func derivedIdsAreDeterministic() throws {
        let a = try parse(#"{"key":"k","v":1}"#).drafts[0].id
        let b = try parse(#"{"key":"k","v":1}"#).drafts[0].id
        let c = try parse(#"{"key":"k","v":2}"#).drafts[0].id
        #expect(a == b)
        #expect(a != c)
        // Identical events without ids in one input are all kept, and a re-import finds the same ids.
        let twice = try parse("{\"key\":\"k\",\"v\":1}\n{\"key\":\"k\",\"v\":1}")
        #expect(twice.drafts.map(\.id) == [a, a + "#2"])
    }

    @Test func fieldPathsDottedAndPointer() throws {
        var fields = FieldMapping()
        fields.key = try FieldPath("repo.name")
        fields.type = try FieldPath("/kind")
        fields.time = [try FieldPath("created_at")]
        fields.data = try FieldPath("payload")
        fields.id = try FieldPath("meta.id")
        let p = try parse(#"{"meta":{"id":"m1"},"repo":{"name":"a/b"},"kind":"PushEvent","created_at":"2021-07-21T06:00:00Z","payload":{"size":3}}"#,
                          ImportOptions(fields: fields))
        #expect(p.drafts[0].key == "a/b")
        #expect(p.drafts[0].type == "PushEvent")
        #expect(p.drafts[0].id == "m1")
        #expect(String(decoding: p.drafts[0].payload, as: UTF8.self) == #"{"size":3}"#)
    }

    @Test func invalidInputNamesFileLineAndReasonAndYieldsNothing() throws {
        let text = "{\"key\":\"a\"}\n{\"key\":\"b\",}\n{\"key\":\"c\"}\n"
        do {
            _ = try parse(text)
            Issue.record("accepted invalid JSON")
        } catch let e as HindsightError {
            #expect(e.message.hasPrefix("in.jsonl: line 2: invalid JSON at column 12"))
            #expect(e.hint?.contains("--skip-invalid") == true)
        }
        let skipped = try parse(text, ImportOptions(skipInvalid: true))
        #expect(skipped.drafts.map(\.key) == ["a", "c"])
        #expect(skipped.invalid.count == 1)
        #expect(skipped.invalid[0].location == "line 2")
    }

    @Test("bad events give clear reasons", arguments: [
        ("{\"key\":\"a\"}\n[1,2]", "line 2: an event must be a JSON object, found array"),
        (#""text""#, "must be a JSON object, found string"),
        (#"{"type":"T"}"#, "no key at \"key\""),
        (#"{"key":"a","time":"yesterday"}"#, "is not an RFC 3339 time"),
        (#"{"key":null}"#, "no key"),
    ])
    func badEvents(_ line: String, _ reason: String) {
        do {
            _ = try parse(line)
            Issue.record("accepted \(line)")
        } catch let e as HindsightError {
            #expect(e.message.contains(reason), "\(e.message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func crlfBomAndCrOnlyLineEnds() throws {
        let crlf = "\u{FEFF}{\"key\":\"a\"}\r\n{\"key\":\"b\"}\r\n"
        #expect(try parse(crlf).drafts.map(\.key) == ["a", "b"])
        let cr = "{\"key\":\"a\"}\r{\"key\":\"b\"}\r"
        #expect(try parse(cr).drafts.map(\.key) == ["a", "b"])
        #expect(try parse("").drafts.isEmpty)
        #expect(try parse("\n\n  \n").drafts.isEmpty)
    }

    @Test func aJSONArrayOrOnePrettyObjectIsAlsoAccepted() throws {
        let array = "[\n {\"key\":\"a\"},\n {\"key\":\"b\"}\n]"
        #expect(try parse(array).drafts.map(\.key) == ["a", "b"])
        let pretty = "{\n  \"key\": \"a\",\n  \"n\": 1\n}\n"
        #expect(try parse(pretty).drafts.map(\.key) == ["a"])
        do {
            _ = try parse("[\n {\"key\":\"a\"},\n {\"key\":}\n]")
            Issue.record("accepted a broken array")
        } catch let e as HindsightError {
            #expect(e.message.contains("line 3"))
        }
    }

    @Test func cloudEventsSingleBatchAndLines() throws {
        let one = """
            {"specversion":"1.0","id":"ce-1","source":"/bank","type":"com.bank.deposit","subject":"acct-1",
             "time":"2026-11-21T09:00:00Z","datacontenttype":"application/json","data":{"amount":100}}
            """
        let p = try parse(one)
        #expect(p.format == .cloudevents)
        #expect(p.drafts[0].key == "acct-1")
        #expect(p.drafts[0].type == "com.bank.deposit")
        #expect(p.drafts[0].id == "ce-1")
        #expect(String(decoding: p.drafts[0].payload, as: UTF8.self) == #"{"amount":100}"#)
        let meta = try JSONParser.parse(p.drafts[0].meta)
        #expect(meta["source"] == "/bank")

        let batch = #"[{"specversion":"1.0","id":"1","source":"/s","type":"t"},{"specversion":"1.0","id":"2","source":"/s","type":"t","data_base64":"eyJhIjoxfQ==","datacontenttype":"application/json"}]"#
        let b = try parse(batch)
        #expect(b.drafts.count == 2)
        #expect(b.drafts[0].key == "/s")  // no subject: the source
        #expect(String(decoding: b.drafts[1].payload, as: UTF8.self) == #"{"a":1}"#)

        let lines = #"{"specversion":"1.0","id":"1","source":"/s","type":"t","data":"text"}"# + "\n" + #"{"specversion":"1.0","id":"2","source":"/s","type":"t"}"#
        #expect(try parse(lines).drafts.count == 2)

        do {
            _ = try parse(#"{"specversion":"1.0","source":"/s","type":"t"}"#)
            Issue.record("accepted a CloudEvent without id")
        } catch let e as HindsightError {
            #expect(e.message.contains("\"id\" must be a non-empty string"))
        }
    }

    @Test func kcatEnvelopes() throws {
        let line = #"{"topic":"user-activity","partition":0,"offset":5,"tstype":"create","ts":1763715600000,"broker":1,"key":"user-7","payload":"{\"type\":\"login\",\"device\":\"ios\"}"}"#
        let p = try parse(line)
        #expect(p.format == .kcat)
        let d = p.drafts[0]
        #expect(d.key == "user-7")
        #expect(d.type == "login")
        #expect(d.id == "user-activity/0/5")
        #expect(d.eventTime?.iso8601 == "2025-11-21T09:00:00Z")
        #expect(String(decoding: d.payload, as: UTF8.self) == #"{"type":"login","device":"ios"}"#)
        let meta = try JSONParser.parse(d.meta)
        #expect(meta["topic"] == "user-activity")
        #expect(meta["partition"] == 0)
        #expect(meta["offset"] == 5)
        // A payload that is not JSON stays a string.
        let text = #"{"topic":"t","partition":1,"offset":2,"ts":1763715600000,"key":"k","payload":"hello"}"#
        #expect(String(decoding: try parse(text).drafts[0].payload, as: UTF8.self) == #""hello""#)
    }

    @Test func formatCanBeForced() throws {
        let line = #"{"specversion":"1.0","id":"1","source":"/s","type":"t","key":"mine"}"#
        #expect(try parse(line, ImportOptions(format: .jsonl)).drafts[0].key == "mine")
        #expect(try parse(line).drafts[0].key == "/s")
    }

    /// A large input file read with mapping is the file's bytes without a copy (gzip ones decompressed);
    /// small files, and reads without mapping, are copied as before. Either way it imports the same.
    @Test func aLargeInputIsMappedAndReadsTheSame() throws {
        let dir = TempDir()
        var rng = SplitMix(seed: 11)
        let lines = (0..<60_000).map { i in #"{"id":"m\#(i)","key":"k\#(i % 77)","data":{"r":"\#(String(rng.next(), radix: 16))\#(String(rng.next(), radix: 16))"}}"# }
        let text = lines.joined(separator: "\n") + "\n"
        let path = dir.write("big.jsonl", text)
        let small = dir.write("small.jsonl", lines[0] + "\n")
        let mapped = try InputData.read(path: path, mapping: true)
        let copied = try InputData.read(path: path)
        #expect(mapped.bytes.isMapped && !copied.bytes.isMapped)
        #expect(try !InputData.read(path: small, mapping: true).bytes.isMapped)
        #expect(Array(mapped.bytes) == Array(text.utf8))
        let a = try ImportJob.parse(mapped, options: ImportOptions()).drafts
        let b = try ImportJob.parse(copied, options: ImportOptions()).drafts
        #expect(a.count == 60_000 && a == b)
        let task = Process()
        task.executableURL = URL(fileURLWithPath: "/bin/sh")
        task.arguments = ["-c", "gzip -1 -c '\(path)' > '\(path).gz'"]
        try task.run()
        task.waitUntilExit()
        #expect(try FileSystem.readAll(path + ".gz").count >= InputData.mappingBytes)
        let unzipped = try InputData.read(path: path + ".gz", mapping: true)
        #expect(!unzipped.bytes.isMapped && Array(unzipped.bytes) == Array(text.utf8))
    }

    @Test func gzipInputIsReadTransparently() throws {
        let dir = TempDir()
        let plain = dir.write("e.jsonl", "{\"key\":\"a\"}\n{\"key\":\"b\"}\n")
        let gz = plain + ".gz"
        let task = Process()
        task.executableURL = URL(fileURLWithPath: "/bin/sh")
        task.arguments = ["-c", "gzip -c '\(plain)' > '\(gz)'"]
        try task.run()
        task.waitUntilExit()
        let input = try InputData.read(path: gz)
        #expect(Array(input.bytes) == Array("{\"key\":\"a\"}\n{\"key\":\"b\"}\n".utf8))
        var truncated = try FileSystem.readAll(gz)
        truncated.removeLast(6)
        #expect(throws: HindsightError.self) { try InputData.gunzip(truncated, name: "cut.gz") }
    }

    @Test func importIsAllOrNothingAndIdempotent() throws {
        let dir = TempDir()
        let log = dir.file("log")
        let good = InputData(name: "good.jsonl", bytes: Array("{\"id\":\"1\",\"key\":\"a\"}\n{\"id\":\"2\",\"key\":\"a\"}\n".utf8))
        let bad = InputData(name: "bad.jsonl", bytes: Array("{\"id\":\"3\",\"key\":\"a\"}\n{oops}\n".utf8))
        let writer = try LogWriter.make(log)
        #expect(throws: HindsightError.self) { try ImportJob.run(bad, into: writer, options: ImportOptions()) }
        #expect(writer.count == 0)
        let first = try ImportJob.run(good, into: writer, options: ImportOptions())
        #expect(first.appended == 2)
        let again = try ImportJob.run(good, into: writer, options: ImportOptions())
        #expect(again.appended == 0)
        #expect(again.duplicates == 2)
        writer.close()
        #expect(try LogReader(directory: log).count == 2)
    }
}
