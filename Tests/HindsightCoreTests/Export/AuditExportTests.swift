import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

@Suite("Audit export: rows, formats, filters, streaming")
struct AuditExportTests {
    @Test func jsonlHasTheManifestFirstThenOneRowPerEvent() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        let path = try ExportFixture.export(dir, log, rules, options: ExportFixture.options { $0.actorField = try? FieldPath("teller") })
        let manifest = try ExportFixture.manifest(path)
        #expect(manifest["hindsightAudit"] == 1)
        #expect(manifest["tool"] == "hindsight test")
        #expect(manifest["exportedAt"] == "2025-12-01T00:00:00Z")
        #expect(manifest["log"]?["records"] == 8)
        #expect(manifest["log"]?["headHash"] == .string(try log.headHash().hex))
        #expect(manifest["range"]?["from"] == 0)
        #expect(manifest["range"]?["to"] == 7)
        #expect(manifest["rows"] == 8)
        #expect(manifest["actorField"] == "teller")
        let rows = try ExportFixture.jsonRows(path)
        #expect(rows.count == 8)
        #expect(manifest["digest"] == rows[7]["rowHash"])
        // Columns in order, values as the log and the fold give them.
        guard case .object(let first) = rows[0] else { Issue.record("not an object"); return }
        #expect(Array(first.keys) == AuditColumns().names)
        #expect(rows.map { $0["version"] } == [1, 2, 3, 1, 2, 4, 3, 4])
        #expect(rows[0]["summary"] == "created")
        #expect(rows[1]["summary"] == "balance: 100 → 80")
        #expect(rows[2]["summary"] == "balance: 80 → 130")
        #expect(rows[4]["summary"] == "+items: [\"card\"]")
        #expect(rows[5]["summary"] == "deleted")
        #expect(rows[0]["actor"] == "web")
        #expect(rows[1]["actor"] == "atm-17")
        #expect(rows[4]["actor"] == "")
        #expect(rows[0]["eventTime"] == "2026-11-21T09:00:00Z")
        #expect(rows[0]["key"] == "acct-1")
        #expect(rows[0]["id"] == "evt-1")
        // Each row carries the record's chain hash and the previous record's, as in the log.
        let records = try log.records(0..<8)
        #expect(rows[0]["prev"] == .string(ChainHash.genesis.hex))
        for (i, r) in records.enumerated() {
            #expect(rows[i]["hash"] == .string(r.hash.hex))
            if i > 0 { #expect(rows[i]["prev"] == .string(records[i - 1].hash.hex)) }
            #expect(rows[i]["logTime"] == .string(r.logTime.iso8601))
        }
        #expect(try AuditVerifier.verify(file: path).isValid)
        #expect(try AuditVerifier.verify(file: path, log: log).isValid)
    }

    @Test func includeDataAndStateAddColumns() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        let path = try ExportFixture.export(dir, log, rules, options: ExportFixture.options { $0.includeData = true; $0.includeState = true })
        let rows = try ExportFixture.jsonRows(path)
        #expect(rows[1]["data"] == ["amount": 20, "teller": "atm-17"])
        #expect(rows[1]["state"] == ["balance": 80])
        #expect(rows[5]["state"] == .null)  // deleted
        #expect(rows[6]["state"] == ["owner": "Bob B", "items": []])
        #expect(try ExportFixture.manifest(path)["columns"] == .array(AuditColumns(includeData: true, includeState: true).names.map { .string($0) }))
        #expect(try AuditVerifier.verify(file: path, log: log).isValid)
    }

    @Test func filtersUseTheEventsCommandsInclusiveSemantics() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        func rows(_ filter: ExportFilter) throws -> [JSON] {
            let path = try ExportFixture.export(dir, log, rules, filter: filter)
            #expect(try AuditVerifier.verify(file: path, log: log).isValid)
            return try ExportFixture.jsonRows(path)
        }
        // Offsets, inclusive at both ends; versions still count from the start of the log.
        let range = try rows(ExportFilter(from: .offset(2), to: .offset(4)))
        #expect(range.map { $0["offset"] } == [2, 3, 4])
        #expect(range.map { $0["version"] } == [3, 1, 2])
        #expect(range[0]["summary"] == "balance: 80 → 130")
        #expect(range[0]["seq"] == 1)
        // Times: from the first record at or after, to the last at or before.
        let times = try rows(ExportFilter(from: .time(Timestamp.parse("2026-11-21T09:05:00Z") ?? ExportFixture.time),
                                          to: .time(Timestamp.parse("2026-11-21T09:11:30Z") ?? ExportFixture.time)))
        #expect(times.map { $0["offset"] } == [1, 2, 3])
        // Key and type filters; a version position with a key.
        #expect(try rows(ExportFilter(key: "acct-2")).map { $0["offset"] } == [3, 4, 6, 7])
        #expect(try rows(ExportFilter(key: "acct-2", from: .version(2), to: .version(3))).map { $0["version"] } == [2, 3])
        let deposits = try rows(ExportFilter(type: "DEPOSIT"))
        #expect(deposits.map { $0["offset"] } == [0, 2, 7])
        #expect(deposits.map { $0["version"] } == [1, 3, 4])
        // The previous hash is the log's previous record, also when rows are not adjacent in the log.
        #expect(deposits[1]["prev"] == .string(try log.record(at: 1).hash.hex))
        #expect(try rows(ExportFilter(key: "acct-2", type: "DEPOSIT")).map { $0["summary"] } == ["+balance: 5"])
        // An empty range: no rows; the digest is the manifest hash itself.
        let empty = try ExportFixture.export(dir, log, rules, filter: ExportFilter(from: .offset(5), to: .offset(4)))
        #expect(try ExportFixture.jsonRows(empty).isEmpty)
        let m = try ExportFixture.manifest(empty)
        #expect(m["digest"] == m["manifestHash"])
        #expect(try AuditVerifier.verify(file: empty, log: log).isValid)
        // A version without a key is a usage error, before anything is written.
        #expect(throws: HindsightError.self) { try ExportFixture.export(dir, log, rules, filter: ExportFilter(from: .version(2)), name: "never.jsonl") }
        #expect(!FileManager.default.fileExists(atPath: dir.file("never.jsonl")))
    }

    @Test func anEmptyLogExportsAManifestAlone() throws {
        let dir = TempDir()
        let writer = try LogWriter.make(dir.file("log"))
        writer.close()
        let log = try LogReader(directory: dir.file("log"))
        for format in ExportFormat.allCases {
            let path = try ExportFixture.export(dir, log, .mergeAll, format: format)
            let report = try AuditVerifier.verify(file: path, log: log)
            #expect(report.isValid, "\(format): \(report.problems)")
            #expect(report.manifest.rows == 0)
            #expect(report.manifest.headHash == ChainHash.genesis.hex)
        }
    }

    /// The streaming fold equals the replayer's history, record by record (the reference).
    @Test func streamingVersionsAndStatesEqualTheReplayersHistory() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 1...1_000_000)) { seed in
            do {
                let dir = TempDir()
                let (log, rules) = try ExportFixture.randomLog(dir, count: 150, keys: 7, seed: UInt64(seed))
                let path = try ExportFixture.export(dir, log, rules, options: ExportFixture.options { $0.includeState = true })
                let rows = try ExportFixture.jsonRows(path)
                let replayer = Replayer(log: log, rules: rules)
                var byOffset: [Int64: RecordVersion] = [:]
                for k in 0..<7 { for v in try replayer.history(of: "k\(k)") { byOffset[v.offset] = v } }
                #expect(rows.count == 150)
                for row in rows {
                    guard let offset = row["offset"]?.numberValue?.int64, let v = byOffset[offset] else { Issue.record("no version for \(row)"); continue }
                    #expect(row["version"] == .int(Int64(v.number)))
                    #expect(row["state"] == (v.after ?? .null))
                    let expected = DiffText.summary(StructuralDiff.changes(from: v.before, to: v.after), in: v.after, maxWidth: ExportOptions.defaultSummaryWidth)
                    #expect(row["summary"] == .string(expected))
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func csvIsRFC4180WithAHeaderAndASidecarManifest() throws {
        let dir = TempDir()
        let lines = [
            #"{"id":"a,1","account":"k\"q","type":"NOTE","timestamp":"2026-11-21T09:00:00Z","data":{"text":"x"}}"#,
            #"{"id":"=cmd()","account":"k\"q","type":"-minus","timestamp":"2026-11-21T09:01:00Z","data":{"text":"line1\nline2","teller":"\u001b[31mred"}}"#,
            #"{"id":"3","account":" padded ","type":"@at","timestamp":"2026-11-21T09:02:00Z","data":{"text":"é 漢字 |pipe|"}}"#,
        ]
        let (log, rules) = try ExportFixture.log(dir, lines)
        let path = try ExportFixture.export(dir, log, rules, format: .csv,
                                            options: ExportFixture.options { $0.includeData = true; $0.actorField = try? FieldPath("teller") })
        let bytes = try FileSystem.readAll(path)
        // Terminal-safe: no control bytes but the CRLF line breaks.
        #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0D && $0 != 0x0A })
        #expect(!bytes.contains(0x1B))
        let text = String(decoding: bytes, as: UTF8.self)
        let records = text.components(separatedBy: "\r\n")
        #expect(records[0] == "seq,offset,logTime,eventTime,key,type,id,version,actor,summary,hash,prev,data,rowHash")
        #expect(records.count == 5 && records[4].isEmpty)
        // Quoted where needed; formulas and unsafe text written as JSON string literals.
        #expect(records[1].contains(",\"k\"\"q\","))
        #expect(records[1].contains(",\"a,1\","))
        #expect(records[2].contains(",\"\"\"=cmd()\"\"\","))
        #expect(records[2].contains(",\"\"\"-minus\"\"\","))
        #expect(records[2].contains("\\u001b[31mred"))
        #expect(records[3].contains(",\"\"\" padded \"\"\","))
        #expect(FileManager.default.fileExists(atPath: path + ".manifest.json"))
        let manifest = try JSONParser.parse(try FileSystem.readAll(path + ".manifest.json"))
        #expect(manifest["format"] == "csv")
        #expect(manifest["rows"] == 3)
        // It reads back to the same rows: the export verifies on its own and against the log.
        let report = try AuditVerifier.verify(file: path, log: log)
        #expect(report.isValid, "\(report.problems)")
        #expect(report.rowsCompared == 3)
    }

    @Test func markdownIsATableWithEscapedPipesAndAClosingManifest() throws {
        let dir = TempDir()
        let lines = [
            #"{"id":"1","account":"a|b","type":"T|U","timestamp":"2026-11-21T09:00:00Z","data":{"v":"x|y\\|z"}}"#,
            #"{"id":"2","account":"a|b","type":"\u001b]0;title\u0007","timestamp":"2026-11-21T09:01:00Z","data":{"v":"\u202eevil"}}"#,
        ]
        let (log, rules) = try ExportFixture.log(dir, lines)
        let path = try ExportFixture.export(dir, log, rules, format: .markdown, options: ExportFixture.options { $0.includeData = true })
        let bytes = try FileSystem.readAll(path)
        #expect(!bytes.contains { $0 < 0x20 && $0 != 0x0A })
        #expect(!String(decoding: bytes, as: UTF8.self).contains("\u{202E}"))
        let all = try ExportFixture.lines(path)
        #expect(all[0] == "# Audit export: log")
        let rowRange = ExportFixture.rowLines(all, format: .markdown)
        #expect(rowRange.count == 2)
        let columns = AuditColumns(includeData: true).names.count
        for i in rowRange {
            // Every `|` inside a cell is escaped, so each row has exactly the table's cells.
            #expect(AuditCell.markdownCells(Substring(all[i]))?.count == columns, "\(all[i])")
            #expect(all[i].contains("a\\|b"))
        }
        #expect(all.contains("## Manifest"))
        #expect(all.contains("```json"))
        let report = try AuditVerifier.verify(file: path, log: log)
        #expect(report.isValid, "\(report.problems)")
        #expect(report.format == .markdown)
    }

    @Test func outWritesThroughATemporaryFileAndKeepsTheOldExportOnFailure() throws {
        let dir = TempDir()
        let (_, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        let path = dir.file("out.jsonl")
        try FileSystem.writeAtomically(path, Array("previous export\n".utf8))
        // A damaged record in the middle of the log makes the export fail while streaming.
        let segment = dir.file("log/00000000000000000000.log")
        var bytes = try FileSystem.readAll(segment)
        guard let at = bytes.indices.dropLast(5).first(where: { Array(bytes[$0..<($0 + 4)]) == Array("card".utf8) }) else {
            Issue.record("payload not found"); return
        }
        bytes[at] ^= 0x20
        try FileSystem.writeAtomically(segment, bytes)
        let damaged = try LogReader(directory: dir.file("log"))
        #expect(throws: HindsightError.self) {
            try AuditExporter.export(log: damaged, rules: rules, options: ExportFixture.options(), to: path)
        }
        #expect(try ExportFixture.text(path) == "previous export\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        // A whole export replaces it.
        let (good, goodRules) = try ExportFixture.log(dir, ExportFixture.bankLines, name: "log2")
        let summary = try AuditExporter.export(log: good, rules: goodRules, options: ExportFixture.options(), to: path)
        #expect(summary.rows == 8)
        #expect(summary.path == path)
        #expect(try ExportFixture.jsonRows(path).count == 8)
        // A missing directory is named.
        #expect(throws: HindsightError.self) {
            try AuditExporter.export(log: good, rules: goodRules, options: ExportFixture.options(), to: dir.file("no/such/dir/out.jsonl"))
        }
    }

    /// Streaming to a regular file (manifest rewritten in place) and to a pipe (two passes) gives the same bytes as --out.
    @Test func streamingToAFileOrAPipeEqualsTheFileExport() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        for format in [ExportFormat.jsonl, .markdown] {
            let reference = try FileSystem.readAll(try ExportFixture.export(dir, log, rules, format: format))
            let streamed = dir.file("streamed")
            _ = FileManager.default.createFile(atPath: streamed, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: streamed) else { Issue.record("cannot open"); return }
            _ = try AuditExporter.export(log: log, rules: rules, format: format, options: ExportFixture.options(), toFileDescriptor: handle.fileDescriptor)
            try handle.close()
            let toFile = try FileSystem.readAll(streamed) == reference
            #expect(toFile, "\(format) to a file")
            let pipe = Pipe()
            _ = try AuditExporter.export(log: log, rules: rules, format: format, options: ExportFixture.options(),
                                         toFileDescriptor: pipe.fileHandleForWriting.fileDescriptor)
            try pipe.fileHandleForWriting.close()
            let piped = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // On a pipe the manifest line is written once, finished, without the padding.
            var expected = String(decoding: reference, as: UTF8.self).components(separatedBy: "\n")
            if format == .jsonl { expected[0] = String(expected[0].reversed().drop { $0 == " " }.reversed()) }
            let toPipe = piped == expected.joined(separator: "\n")
            #expect(toPipe, "\(format) to a pipe")
        }
        // The placeholder line is padded with spaces and still parses.
        let first = try ExportFixture.lines(try ExportFixture.export(dir, log, rules))[0]
        #expect(first.hasSuffix(" "))
        #expect(try JSONParser.parse(first)["rows"] == 8)
        // CSV needs a file for its manifest.
        #expect(throws: HindsightError.self) {
            try AuditExporter.export(log: log, rules: rules, format: .csv, options: ExportFixture.options(), toFileDescriptor: 1)
        }
    }

    /// Large exports render rows on worker threads: the bytes are those of the single-threaded path.
    @Test func renderingOnWorkerThreadsGivesTheSameBytes() async throws {
        await propertyCheck(count: 6, input: Gen.int(in: 1...1_000_000)) { seed in
            do {
                let dir = TempDir()
                let (log, rules) = try ExportFixture.randomLog(dir, count: 1500 + seed % 700, keys: 40, seed: UInt64(seed))
                let format = ExportFormat.allCases[seed % 3]
                let options = ExportFixture.options {
                    $0.includeData = seed % 2 == 0
                    $0.includeState = seed % 3 != 0
                    $0.actorField = try? FieldPath("name")
                    if seed % 4 == 0 { $0.redactor = try? Redactor(paths: [try Redactor.path("name")], key: Array("0123456789abcdef".utf8)) }
                }
                let filter = seed % 5 == 0 ? ExportFilter(type: "DEPOSIT", from: .offset(100)) : ExportFilter()
                let prepared = try AuditExporter.prepare(log: log, rules: rules, filter: filter, format: format, options: options)
                var outputs: [[UInt8]] = []
                for parallel in [false, true] {
                    let path = dir.file("out-\(parallel)")
                    let file = try RawFile.openForWriting(path, create: true)
                    _ = try AuditExporter.write(prepared, format: format, sink: ByteSink(fd: file.fd, name: path), start: 0, log: log,
                                                options: options, parallel: parallel)
                    outputs.append(try FileSystem.readAll(path))
                }
                let same = outputs[0] == outputs[1]
                #expect(same, "\(format), seed \(seed)")
                #expect(outputs[0].count > 1000)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    /// Under merge rules the export folds on text (``TextRowGenerator``, ``TextDiff``): every format and
    /// option gives the bytes of the fold on trees, for random object payloads with deletions, nesting,
    /// arrays, digit and escaped names, non-object payloads, on one thread or several.
    @Test func theTextFoldGivesTheBytesOfTheTreeFold() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 1...1_000_000)) { seed in
            do {
                let dir = TempDir()
                var rng: any SeededRandomNumberGenerator = Xoshiro(seed: (UInt64(seed), 0x9E37_79B9_7F4A_7C15, UInt64(seed) &* 31, 7))
                var drafts: [EventDraft] = []
                for i in 0..<(300 + seed % 300) {
                    var payload = RandomJSON.value(depth: 3, using: &rng)
                    if payload.objectValue == nil && Int.random(in: 0..<6, using: &rng) > 0 { payload = .object(["amount": .int(Int64(i))]) }
                    if Int.random(in: 0..<5, using: &rng) == 0, case .object(var o) = payload {
                        o["note"] = .string(String(repeating: "é", count: Int.random(in: 0...40, using: &rng)) + "text \(i)")
                        payload = .object(o)
                    }
                    let text = Int.random(in: 0..<4, using: &rng) == 0 ? JSONSerializer.pretty(payload) : JSONSerializer.compact(payload)
                    drafts.append(EventDraft(id: "e\(i)", key: "k\(Int.random(in: 0..<12, using: &rng))", type: ["A", "B"][i % 2],
                                             eventTime: Timestamp(microseconds: 1_763_715_600_000_000 + Int64(i) * 1000), payload: Array(text.utf8)))
                }
                let writer = try LogWriter.make(dir.file("log"))
                _ = try writer.append(drafts)
                writer.close()
                let log = try LogReader(directory: dir.file("log"))
                let rules = Rules.mergeAll
                let format = ExportFormat.allCases[seed % 3]
                let options = ExportFixture.options {
                    $0.includeData = seed % 2 == 0
                    $0.includeState = seed % 3 != 0
                    $0.actorField = try? FieldPath("amount")
                    $0.summaryWidth = [100, 40, 12][seed % 3]
                }
                let filter = seed % 4 == 0 ? ExportFilter(type: "B", from: .offset(50)) : ExportFilter()
                let prepared = try AuditExporter.prepare(log: log, rules: rules, filter: filter, format: format, options: options)
                #expect(TextRowGenerator.handles(prepared.plan))
                var outputs: [[UInt8]] = []
                for (textFold, parallel) in [(false, false), (true, false), (true, true)] {
                    let path = dir.file("out-\(textFold)-\(parallel)")
                    let file = try RawFile.openForWriting(path, create: true)
                    _ = try AuditExporter.write(prepared, format: format, sink: ByteSink(fd: file.fd, name: path), start: 0, log: log,
                                                options: options, parallel: parallel, textFold: textFold)
                    outputs.append(try FileSystem.readAll(path))
                }
                let sequential = outputs[1] == outputs[0]
                let threaded = outputs[2] == outputs[0]
                #expect(sequential, "\(format), seed \(seed)")
                #expect(threaded, "\(format), seed \(seed), on worker threads")
                #expect(outputs[0].count > 1000)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func theSameExportTwiceIsByteForByteTheSame() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        for format in ExportFormat.allCases {
            let a = try ExportFixture.export(dir, log, rules, format: format, options: ExportFixture.options { $0.includeState = true }, name: "a")
            let b = try ExportFixture.export(dir, log, rules, format: format, options: ExportFixture.options { $0.includeState = true }, name: "b")
            let same = try FileSystem.readAll(a) == FileSystem.readAll(b)
            #expect(same, "\(format)")
        }
    }

    /// The fast writers give exactly the bytes of the reference ones.
    @Test func fastStringAndTimeWritersEqualTheReferences() async throws {
        let pieces: [String] = ["a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{1B}", "\u{7F}", "\u{80}", "\u{9B}", "\u{9F}", "\u{A0}",
                                "é", "\u{61C}", "\u{200B}", "\u{200E}", "\u{2028}", "\u{202E}", "\u{2066}", "→", "…", "\u{FEFF}", "\u{FEFE}", "漢", "👍", "🇩🇪", "e\u{301}"]
        await propertyCheck(count: 400, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            var s = ""
            for _ in 0..<Int.random(in: 0...12, using: &rng) { s += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            var fast: [UInt8] = [], reference: [UInt8] = []
            JSONStringWriter.write(s, into: &fast)
            JSONSerializer.writeString(s, into: &reference)
            #expect(fast == reference, "\(s.debugDescription)")
            #expect(fast.count <= JSONStringWriter.bound(s.utf8.count))
            var times = ISOTimeCache()
            for _ in 0..<4 {
                let t = Timestamp(microseconds: Int64.random(in: -4_000_000_000_000_000...4_000_000_000_000_000, using: &rng) / [1, 1000, 1_000_000][Int.random(in: 0...2, using: &rng)])
                var out: [UInt8] = [1, 2]
                out.append(atMost: ISOTimeCache.bound) { times.write(t, into: &$0) }
                #expect(out.prefix(2) == [1, 2])
                #expect(String(decoding: out.dropFirst(2), as: UTF8.self) == t.iso8601)
            }
        }
    }

    /// The cursor's integers and hex digits are the standard library's; a string of control bytes
    /// takes the whole room its bound allows, and no more.
    @Test func byteCursorWritesWhatTheStandardLibraryWrites() async throws {
        await propertyCheck(count: 300, input: Gen.int(in: 0...Int(Int32.max))) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            let v: Int64 = [Int64.min, Int64.max, 0, -1, 9, 10, Int64.random(in: Int64.min...Int64.max, using: &rng),
                            Int64.random(in: -1000...1000, using: &rng)][Int.random(in: 0...7, using: &rng)]
            var out: [UInt8] = []
            CanonicalBytes.int(v, into: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(v))
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var hex: [UInt8] = []
            bytes.withUnsafeBytes { CanonicalBytes.hex($0, into: &hex) }
            #expect(String(decoding: hex, as: UTF8.self) == bytes.map { String(format: "%02x", $0) }.joined())
        }
        let controls = String(repeating: "\u{01}\u{1F}\u{7F}", count: 50)
        var out: [UInt8] = []
        JSONStringWriter.write(controls, into: &out)
        #expect(out.count == JSONStringWriter.bound(controls.utf8.count))
        var reference: [UInt8] = []
        JSONSerializer.writeString(controls, into: &reference)
        #expect(out == reference)
    }

    @Test func canonicalJSONSortsMembersAndRoundTrips() throws {
        let value: JSON = ["b": 1, "a": ["z": true, "y": [1.5, "x\u{1b}"]], "é": nil, "A": "q\"uote"]
        let text = String(decoding: CanonicalJSON.bytes(value), as: UTF8.self)
        #expect(text == #"{"A":"q\"uote","a":{"y":[1.5,"x\u001b"],"z":true},"b":1,"é":null}"#)
        #expect(CanonicalJSON.bytes(try JSONParser.parse(text)) == Array(text.utf8))
    }

    @Test func cellsRoundTripThroughCSVAndMarkdown() async throws {
        let samples = ["plain", "", "a,b", "q\"q", "\"quoted\"", "-1", "=SUM(A1)", "+x", "@h", " lead", "trail ", "tab\there", "nl\nx",
                       "\u{1b}[2J", "\u{202e}rtl", "pipe|in|it", "back\\slash|", "\\", "漢字 é 👍", "x\\|y"]
        for s in samples {
            for csv in [true, false] {
                let cell = AuditCell.encode(s, csv: csv)
                #expect(TextSafety.isSafe(cell), "\(s.debugDescription) -> \(cell.debugDescription)")
                if csv {
                    let field = AuditCell.csvField(cell)
                    let fields = AuditCell.csvFields(Substring("1," + field + ",2").utf8)
                    #expect(fields?.count == 3)
                    #expect(fields.flatMap { AuditCell.decode($0[1]) } == s, "\(s.debugDescription) through CSV")
                } else {
                    let line = "| 1 | " + AuditCell.markdownCell(cell) + " | 2 |"
                    let cells = AuditCell.markdownCells(Substring(line))
                    #expect(cells?.count == 3, "\(line)")
                    #expect(cells.flatMap { AuditCell.decode($0[1]) } == s, "\(s.debugDescription) through Markdown")
                }
            }
        }
    }
}
