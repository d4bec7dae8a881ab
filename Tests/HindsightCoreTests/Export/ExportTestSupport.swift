import Foundation
@testable import HindsightCore

/// Logs, exports and tampering for the audit export tests.
enum ExportFixture {
    static let time = Timestamp(microseconds: 1_764_547_200_000_000)  // 2025-12-01T00:00:00Z

    static let bankLines = [
        #"{"id":"evt-1","account":"acct-1","type":"DEPOSIT","timestamp":"2026-11-21T09:00:00Z","data":{"amount":100,"teller":"web"}}"#,
        #"{"id":"evt-2","account":"acct-1","type":"WITHDRAW","timestamp":"2026-11-21T09:05:00Z","data":{"amount":20,"teller":"atm-17"}}"#,
        #"{"id":"evt-3","account":"acct-1","type":"DEPOSIT","timestamp":"2026-11-21T09:10:00Z","data":{"amount":50,"teller":"web"}}"#,
        #"{"id":"evt-4","account":"acct-2","type":"OPENED","timestamp":"2026-11-21T09:11:00Z","data":{"owner":"Bob","teller":"branch-3"}}"#,
        #"{"id":"evt-5","account":"acct-2","type":"ITEM_ADDED","timestamp":"2026-11-21T09:12:00Z","data":{"item":"card"}}"#,
        #"{"id":"evt-6","account":"acct-1","type":"ERASED","timestamp":"2026-11-21T09:13:00Z","data":{}}"#,
        #"{"id":"evt-7","account":"acct-2","type":"SNAPSHOT","timestamp":"2026-11-21T09:14:00Z","data":{"owner":"Bob B","items":[]}}"#,
        #"{"id":"evt-8","account":"acct-2","type":"DEPOSIT","timestamp":"2026-11-21T09:15:00Z","data":{"amount":5,"teller":"web"}}"#,
    ]

    /// A log of JSONL lines imported under `rules`.
    static func log(_ dir: TempDir, _ lines: [String], rules: String = bankRules, name: String = "log") throws -> (LogReader, Rules) {
        let parsed = try Rules.parse(Array(rules.utf8), name: "rules.json")
        let input = InputData(name: "in.jsonl", bytes: Array(lines.joined(separator: "\n").utf8))
        let writer = try LogWriter.make(dir.file(name))
        _ = try ImportJob.run(input, into: writer, options: ImportOptions(fields: parsed.fields ?? FieldMapping()))
        try writer.storeRules(parsed.source)
        writer.close()
        return (try LogReader(directory: dir.file(name)), parsed)
    }

    /// A random log (keys k0..., types DEPOSIT/WITHDRAW/RENAMED/TAGGED/CLOSED) folded with the bank rules.
    static func randomLog(_ dir: TempDir, count: Int, keys: Int, seed: UInt64) throws -> (LogReader, Rules) {
        let rules = try Rules.parse(Array(randomRules.utf8), name: "rules.json")
        let writer = try LogWriter.make(dir.file("log"))
        _ = try writer.append(Drafts.random(count: count, keys: keys, seed: seed))
        writer.close()
        return (try LogReader(directory: dir.file("log")), rules)
    }

    static let randomRules = """
        {"types": {"DEPOSIT": [{"op": "increment", "path": "/balance", "from": "/amount"}],
                   "WITHDRAW": [{"op": "increment", "path": "/balance", "from": "/amount", "negate": true}],
                   "TAGGED": [{"op": "append", "path": "/tags", "from": "/tags"}],
                   "CLOSED": [{"op": "delete"}]},
         "default": [{"op": "merge"}]}
        """

    static func options(_ configure: (inout ExportOptions) -> Void = { _ in }) -> ExportOptions {
        var o = ExportOptions(exportTime: time, tool: "hindsight test")
        configure(&o)
        return o
    }

    /// Exports to a file in `dir` and returns its path.
    @discardableResult
    static func export(_ dir: TempDir, _ log: LogReader, _ rules: Rules, filter: ExportFilter = ExportFilter(), format: ExportFormat = .jsonl,
                       options: ExportOptions = options(), name: String? = nil) throws -> String {
        let path = dir.file(name ?? "audit.\(format == .markdown ? "md" : format.rawValue)")
        _ = try AuditExporter.export(log: log, rules: rules, filter: filter, format: format, options: options, to: path)
        return path
    }

    static func text(_ path: String) throws -> String { String(decoding: try FileSystem.readAll(path), as: UTF8.self) }

    /// The lines of a file (split on the `\n` byte, so CSV lines keep their `\r`; the final empty piece dropped).
    static func lines(_ path: String) throws -> [String] {
        var l = try FileSystem.readAll(path).split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if l.last == "" { l.removeLast() }
        return l
    }

    static func write(_ path: String, lines: [String]) throws {
        try FileSystem.writeAtomically(path, Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// The JSONL rows of an export (after the manifest line).
    static func jsonRows(_ path: String) throws -> [JSON] {
        try lines(path).dropFirst().map { try JSONParser.parse($0) }
    }

    static func manifest(_ path: String) throws -> JSON {
        try JSONParser.parse(try lines(path)[0])
    }

    /// The line index range of the rows of an export file (0-based indices into `lines`).
    static func rowLines(_ lines: [String], format: ExportFormat) -> Range<Int> {
        switch format {
        case .jsonl: return 1..<lines.count
        case .csv: return 1..<lines.count
        case .markdown:
            let header = lines.firstIndex { $0.hasPrefix("| seq |") } ?? 0
            var end = header + 2
            while end < lines.count && lines[end].hasPrefix("|") { end += 1 }
            return (header + 2)..<end
        }
    }

    /// Re-chains a JSONL export after its rows were edited (a forger who recomputes every rowHash and the
    /// manifest's digest): the export then verifies on its own, and only the log can show the edit.
    static func rechainJSONL(_ path: String) throws {
        var lines = try lines(path)
        guard case .object(var manifest) = try JSONParser.parse(lines[0]) else { return }
        let m = try AuditManifest(json: .object(manifest), origin: "test")
        guard var previous = ChainHash(hex: m.manifestHash) else { return }
        for i in 1..<lines.count {
            guard case .object(var o) = try JSONParser.parse(lines[i]),
                  case .success(let row) = AuditFileReader.jsonRow(.object(o), columns: m.columns) else { continue }
            let h = AuditRow.chainedHash(previous: previous, canonical: row.canonical(columns: m.columns))
            o["rowHash"] = .string(h.hex)
            lines[i] = JSONSerializer.compact(.object(o))
            previous = h
        }
        manifest["digest"] = .string(previous.hex)
        lines[0] = JSONSerializer.compact(.object(manifest))
        try write(path, lines: lines)
    }
}
