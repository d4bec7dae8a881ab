import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

/// Edits an export file the way a tamperer would, and names what verification must find.
enum Tamper: CaseIterable, CustomStringConvertible {
    case edit, remove, insert, reorder

    var description: String {
        switch self {
        case .edit: return "edit"
        case .remove: return "remove"
        case .insert: return "insert"
        case .reorder: return "reorder"
        }
    }

    /// The rows of an export with their 0-based line index.
    static func rows(_ path: String) throws -> [(index: Int, row: AuditRow)] {
        let reader = try AuditFileReader(path: path)
        var out: [(Int, AuditRow)] = []
        while let p = try reader.next() {
            if let row = p.row { out.append((p.line - 1, row)) }
        }
        return out
    }

    /// Applies the tamper to row `k` (0-based among the rows) and returns (the expected kind, the row seq
    /// it must name, the 1-based lines a problem may name).
    static func apply(_ tamper: Tamper, to path: String, format: ExportFormat, row k: Int, other j: Int) throws -> (AuditProblem.Kind, Int, Set<Int>) {
        var lines = try ExportFixture.lines(path)
        let rows = try rows(path)
        let (index, row) = rows[k]
        switch tamper {
        case .edit:
            let id = row.id
            let edited: String
            switch format {
            case .jsonl: edited = lines[index].replacingOccurrences(of: "\"id\":\"\(id)\"", with: "\"id\":\"\(id)x\"")
            case .csv: edited = lines[index].replacingOccurrences(of: ",\(id),", with: ",\(id)x,")
            case .markdown: edited = lines[index].replacingOccurrences(of: "| \(id) |", with: "| \(id)x |")
            }
            precondition(edited != lines[index], "the edit changed nothing")
            lines[index] = edited
            try ExportFixture.write(path, lines: lines)
            return (.edited, row.seq, [index + 1])
        case .remove:
            lines.remove(at: index)
            try ExportFixture.write(path, lines: lines)
            return (.removed, row.seq, [])
        case .insert:
            // A copy of row k, put after row j.
            let copy = lines[index]
            let at = rows[j].index + 1
            lines.insert(copy, at: at)
            try ExportFixture.write(path, lines: lines)
            // Either of the two identical lines may be taken for the inserted one.
            let original = index < at ? index + 1 : index + 2
            return (.inserted, row.seq, [at + 1, original])
        case .reorder:
            let next = rows[k + 1].index
            lines.swapAt(index, next)
            try ExportFixture.write(path, lines: lines)
            return (.reordered, row.seq, [index + 1, next + 1])
        }
    }
}

@Suite("Audit verify: tampering is named, untouched exports verify")
struct AuditTamperTests {
    func bankExport(_ dir: TempDir, format: ExportFormat) throws -> (String, LogReader) {
        let (log, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        return (try ExportFixture.export(dir, log, rules, format: format, options: ExportFixture.options { $0.includeState = true }), log)
    }

    @Test(arguments: ExportFormat.allCases)
    func eachKindOfTamperingIsNamed(format: ExportFormat) throws {
        for tamper in Tamper.allCases {
            let dir = TempDir()
            let (path, log) = try bankExport(dir, format: format)
            #expect(try AuditVerifier.verify(file: path).isValid)
            let (kind, seq, lines) = try Tamper.apply(tamper, to: path, format: format, row: 3, other: 5)
            let report = try AuditVerifier.verify(file: path)
            #expect(!report.isValid, "\(format) \(tamper) went unnoticed")
            let hit = report.problems.first { $0.kind == kind }
            #expect(hit != nil, "\(format) \(tamper): \(report.problems.map(\.message))")
            if let hit {
                if tamper == .insert {
                    #expect(lines.contains(hit.line ?? -1), "\(format) \(tamper): \(hit.message)")
                } else if tamper == .reorder {
                    #expect(hit.row == seq || hit.row == seq + 1, "\(hit.message)")
                } else {
                    #expect(hit.row == seq, "\(format) \(tamper): \(hit.message)")
                    if !lines.isEmpty { #expect(lines.contains(hit.line ?? -1), "\(hit.message)") }
                }
            }
            // With the log, the same problems are found (and the tampered rows are not taken for log mismatches).
            let withLog = try AuditVerifier.verify(file: path, log: log)
            #expect(withLog.problems.contains { $0.kind == kind })
            if tamper != .edit { #expect(!withLog.problems.contains { $0.kind == .mismatch }, "\(withLog.problems.map(\.message))") }
        }
    }

    @Test func messagesNameTheRowAndTheLine() throws {
        let dir = TempDir()
        let (path, _) = try bankExport(dir, format: .jsonl)
        var lines = try ExportFixture.lines(path)
        lines[3] = lines[3].replacingOccurrences(of: "\"version\":3", with: "\"version\":4")  // row 3 (line 4)
        lines.remove(at: 6)  // row 6
        try ExportFixture.write(path, lines: lines)
        let report = try AuditVerifier.verify(file: path)
        let messages = report.problems.map(\.message)
        #expect(messages.contains("row 3 (line 4) was edited: its content does not match its rowHash (or row 2's rowHash was recomputed)"), "\(messages)")
        #expect(messages.contains("row 6 was removed: missing between row 5 (line 6) and row 7 (line 7)"), "\(messages)")
        #expect(report.problemCount == 2, "\(messages)")
    }

    @Test func theManifestTheDigestAndTheEndsAreChecked() throws {
        // An edited manifest field.
        do {
            let dir = TempDir()
            let (path, _) = try bankExport(dir, format: .jsonl)
            var lines = try ExportFixture.lines(path)
            lines[0] = lines[0].replacingOccurrences(of: "\"exportedAt\":\"2025-12-01T00:00:00Z\"", with: "\"exportedAt\":\"2025-12-02T00:00:00Z\"")
            try ExportFixture.write(path, lines: lines)
            let report = try AuditVerifier.verify(file: path)
            #expect(report.problems.map(\.kind) == [.manifest], "\(report.problems)")
        }
        // An edited digest.
        do {
            let dir = TempDir()
            let (path, _) = try bankExport(dir, format: .jsonl)
            var lines = try ExportFixture.lines(path)
            guard let digest = try JSONParser.parse(lines[0])["digest"]?.stringValue else { Issue.record("no digest"); return }
            lines[0] = lines[0].replacingOccurrences(of: digest, with: String(digest.reversed()))
            try ExportFixture.write(path, lines: lines)
            #expect(try AuditVerifier.verify(file: path).problems.map(\.kind) == [.digest])
        }
        // The last row cut off; a row appended past the end.
        do {
            let dir = TempDir()
            let (path, _) = try bankExport(dir, format: .csv)
            var lines = try ExportFixture.lines(path)
            let last = lines.removeLast()
            try ExportFixture.write(path, lines: lines)
            let report = try AuditVerifier.verify(file: path)
            #expect(report.problems.map(\.message) == ["row 8 was removed: missing after row 7 (line 8), at the end"])
            lines.append(last)
            lines.append("9" + last.dropFirst())
            try ExportFixture.write(path, lines: lines)
            let extra = try AuditVerifier.verify(file: path)
            #expect(extra.problems.map(\.message) == ["line 10 was inserted: it holds row 9, but the export has rows 1…8"])
        }
        // A line that is not a row; a row with an extra member.
        do {
            let dir = TempDir()
            let (path, _) = try bankExport(dir, format: .jsonl)
            var lines = try ExportFixture.lines(path)
            lines.insert("{not json", at: 2)
            lines[5] = lines[5].replacingOccurrences(of: "\"seq\":4,", with: "\"seq\":4,\"note\":\"ok\",")
            try ExportFixture.write(path, lines: lines)
            let report = try AuditVerifier.verify(file: path)
            #expect(report.problems.contains { $0.kind == .malformed && $0.line == 3 }, "\(report.problems)")
            #expect(report.problems.contains { $0.kind == .edited && $0.row == 4 && $0.message.contains("\"note\"") }, "\(report.problems)")
        }
        // A CSV whose sidecar belongs to another export.
        do {
            let dir = TempDir()
            let (path, log) = try bankExport(dir, format: .csv)
            let (other, rules) = (log, try Rules.parse(Array(bankRules.utf8), name: "r"))
            let second = try ExportFixture.export(dir, other, rules, filter: ExportFilter(key: "acct-1"), format: .csv,
                                                  options: ExportFixture.options { $0.includeState = true }, name: "second.csv")
            let report = try AuditVerifier.verify(file: path, manifestPath: second + ".manifest.json")
            #expect(!report.isValid)
        }
    }

    /// A forger who edits a row and recomputes every rowHash and the digest passes the export-only check;
    /// the log names the row.
    @Test func aRechainedForgeryIsCaughtByTheLog() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        let path = try ExportFixture.export(dir, log, rules)
        var lines = try ExportFixture.lines(path)
        lines[2] = lines[2].replacingOccurrences(of: "balance: 100 → 80", with: "balance: 100 → 90")
        try ExportFixture.write(path, lines: lines)
        try ExportFixture.rechainJSONL(path)
        #expect(try AuditVerifier.verify(file: path).isValid)
        let report = try AuditVerifier.verify(file: path, log: log)
        #expect(report.problems.map(\.kind) == [.mismatch])
        #expect(report.problems.first?.message.hasPrefix("row 2 (line 3, offset 1) does not match the log: summary (export \"balance: 100 → 90\", log \"balance: 100 → 80\")") == true,
                "\(report.problems)")
    }

    @Test func anotherLogOrAGrownLogIsRecognised() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, ExportFixture.bankLines)
        let path = try ExportFixture.export(dir, log, rules)
        // A log whose second event differs: another history from offset 1 on.
        var changed = ExportFixture.bankLines
        changed[1] = changed[1].replacingOccurrences(of: "\"amount\":20", with: "\"amount\":21")
        let (other, _) = try ExportFixture.log(dir, changed, name: "other")
        let report = try AuditVerifier.verify(file: path, log: other)
        #expect(report.problems.first?.kind == .log, "\(report.problems)")
        #expect(!report.problems.contains { $0.row == 1 })
        #expect(report.problems.contains { $0.kind == .mismatch && $0.row == 2 && $0.message.contains("summary") && $0.message.contains("hash") },
                "\(report.problems)")
        // Appending to the exported log keeps the export valid against it.
        let writer = try LogWriter.make(dir.file("log"))
        _ = try writer.append([EventDraft(id: "9", key: "acct-3", type: "OPENED", eventTime: nil, payload: Array("{}".utf8))])
        writer.close()
        let grown = try AuditVerifier.verify(file: path, log: try LogReader(directory: dir.file("log")))
        #expect(grown.isValid, "\(grown.problems)")
        #expect(grown.notes.contains { $0.contains("grown") })
    }

    /// Any single tamper of a random export (random log, filter and format) is detected and names its row.
    @Test func propertyAnySingleRowTamperIsDetected() async throws {
        await propertyCheck(count: 60, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...1000)) { seed, pick in
            do {
                let dir = TempDir()
                let (log, rules) = try ExportFixture.randomLog(dir, count: 40 + seed % 40, keys: 4, seed: UInt64(seed))
                let format = ExportFormat.allCases[pick % 3]
                let tamper = Tamper.allCases[(pick / 3) % 4]
                let filter: ExportFilter
                switch (pick / 12) % 4 {
                case 0: filter = ExportFilter()
                case 1: filter = ExportFilter(key: "k\(seed % 4)")
                case 2: filter = ExportFilter(type: "DEPOSIT")
                default: filter = ExportFilter(from: .offset(Int64(seed % 10)), to: .offset(35))
                }
                let path = try ExportFixture.export(dir, log, rules, filter: filter, format: format,
                                                    options: ExportFixture.options { $0.includeData = pick % 2 == 0; $0.includeState = pick % 5 == 0 })
                let untouched = try AuditVerifier.verify(file: path, log: log)
                #expect(untouched.isValid, "\(untouched.problems)")
                let rows = try Tamper.rows(path)
                guard rows.count >= 3 else { return }
                let k = (seed / 7) % (rows.count - 1)
                let j = (k + 1 + (seed / 11) % (rows.count - 1)) % rows.count
                let (kind, seq, lines) = try Tamper.apply(tamper, to: path, format: format, row: k, other: j == k ? (k + 1) % rows.count : j)
                let report = try AuditVerifier.verify(file: path)
                #expect(!report.isValid, "\(format) \(tamper) of row \(seq) went unnoticed")
                let named = report.problems.contains { p in
                    guard p.kind == kind else { return false }
                    switch tamper {
                    case .insert: return lines.contains(p.line ?? -1)
                    case .reorder: return p.row == seq || p.row == seq + 1
                    case .edit, .remove: return p.row == seq
                    }
                }
                #expect(named, "\(format) \(tamper) of row \(seq): \(report.problems.map(\.message))")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
