import ArgumentParser
import Foundation
import HindsightCore

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check framing, checksums and the hash chain of a log, or an audit export (--audit); print the head hash.",
        discussion: """
            Exit status: 0 when the log is whole; 3 when a record is damaged (the first bad offset and its \
            segment are named); 2 when the log ends in a torn tail left by an interrupted write (readers \
            ignore it; the next import cuts it).

            --audit FILE checks an export made by `hindsight export`: its manifest, each row's rowHash, the \
            sequence of rows (an edited, removed, inserted or reordered row is named with its line) and the \
            manifest's digest. With --log SOURCE every row is also compared with the log (and the log's head \
            and chain are checked). Values redacted with --redact are compared by recomputing their HMAC when \
            --redact-key-file is given, else reported as "redacted, not compared". Exit status 0 when the \
            export verifies, 3 when it does not. See docs/AUDIT.md.

            Examples:
              hindsight verify bank.log
              hindsight verify bank.log --format json
              hindsight verify --audit audit.jsonl
              hindsight verify --audit audit.csv --log bank.log
              hindsight verify --audit user-42.jsonl --log sample-data/gdpr-erasure.jsonl --redact-key-file audit.key
            """
    )

    @Argument(help: ArgumentHelp("A log directory, or a JSONL / CloudEvents / kcat -J file (imported into a cache).", valueName: "SOURCE"))
    var source: String?

    @OptionGroup var fields: FieldFlags

    @Option(name: .customLong("input-format"), help: ArgumentHelp("Format of a file SOURCE: auto, jsonl, cloudevents, kcat.", valueName: "FORMAT"))
    var inputFormat: InputFormat = .auto

    @Option(help: ArgumentHelp("Output: text or json.", valueName: "FORMAT"))
    var format: ReadFormat = .text

    @Option(help: ArgumentHelp("Check an audit export (JSON Lines, CSV or Markdown) instead of a log.", valueName: "FILE"))
    var audit: String?

    @Option(name: .customLong("log"), help: ArgumentHelp("With --audit: the log (or JSONL source) to compare every row with.", valueName: "SOURCE"))
    var log: String?

    @Option(help: ArgumentHelp("With --audit: a CSV export's manifest (default FILE.manifest.json).", valueName: "FILE"))
    var manifest: String?

    @Option(name: .customLong("redact-key-file"), help: ArgumentHelp("With --audit --log: the redaction key, to compare redacted values.", valueName: "FILE"))
    var redactKeyFile: String?

    func validate() throws {
        if audit == nil {
            if source == nil { throw ValidationError("give a log to verify (SOURCE), or an audit export with --audit FILE") }
            if log != nil || manifest != nil || redactKeyFile != nil {
                throw ValidationError("--log, --manifest and --redact-key-file go with --audit FILE")
            }
        } else if source != nil && log != nil {
            throw ValidationError("give the log once: with --audit, name it with --log SOURCE")
        }
    }

    private func open(_ path: String) throws -> OpenedSource {
        let options = SourceOptions(rulesPath: fields.rules, importOptions: try fields.importOptions(format: inputFormat))
        let progress = Output.Progress()
        defer { progress.finish() }
        return try LogSource.open(path, options: options) { progress.update($0) }
    }

    func run() throws {
        if let audit {
            try verifyAudit(audit, log: log ?? source)
            return
        }
        guard let source else { throw HindsightError(.usage, "give a log to verify") }
        let directory: String
        if FileSystem.isDirectoryPath(source) {
            directory = source
        } else {
            directory = try open(source).log.directory
        }
        let progress = Output.Progress()
        let report = try Verifier.verify(directory: directory) { done, total in
            progress.update(ImportProgress(phase: .reading, bytesDone: done, bytesTotal: total, events: 0, eventsTotal: nil))
        }
        progress.finish()
        if format != .text {
            var o: JSONObject = [
                "log": .string(directory),
                "whole": .bool(report.isWhole),
                "records": .int(report.records),
                "segments": .int(Int64(report.segments)),
                "bytes": .int(Int64(report.bytes)),
                "headHash": .string(report.headHash.hex),
            ]
            if let p = report.problem {
                o["damaged"] = ["offset": .int(p.offset), "segment": .string(p.segment), "position": .int(Int64(p.position)), "reason": .string(p.reason)]
            }
            if let t = report.tornTail {
                o["tornTail"] = ["segment": .string(t.segment), "bytes": .int(Int64(t.bytes)), "offset": .int(t.offset), "reason": .string(t.reason)]
            }
            o["indexNotes"] = .array(report.indexNotes.map { JSON.string($0) })
            Output.line(JSONSerializer.compact(.object(o)))
        } else {
            for note in report.indexNotes { Output.line("note: " + note) }
            if let p = report.problem {
                Output.line("DAMAGED at offset \(p.offset) in \(p.segment) (byte \(p.position)): \(p.reason)")
                Output.line("the \(Format.grouped(report.records)) records before it verify; head of the good part \(report.headHash.hex)")
            } else if let t = report.tornTail {
                Output.line("TORN TAIL: \(t.bytes) bytes after offset \(t.offset - 1) in \(t.segment) (\(t.reason)): left by an interrupted write; readers ignore it and the next import cuts it")
                Output.line("\(Format.grouped(report.records)) records verify; head \(report.headHash.hex)")
            } else {
                Output.line("ok: \(Format.grouped(report.records)) records in \(report.segments) segment\(report.segments == 1 ? "" : "s") (\(Format.grouped(report.bytes)) bytes): every checksum and chain link holds")
                Output.line("head \(report.headHash.hex)")
            }
        }
        Output.flush()
        if report.problem != nil { throw ExitCode(3) }
        if report.tornTail != nil { throw ExitCode(2) }
    }

    /// `--audit FILE [--log SOURCE]`: exit 0 when the export verifies, 3 when it does not.
    private func verifyAudit(_ path: String, log logPath: String?) throws {
        let key = try redactKeyFile.map { try Redactor.readKey(file: $0) }
        if key != nil && logPath == nil {
            throw HindsightError(.usage, "--redact-key-file compares redacted values with the log", hint: "add --log SOURCE")
        }
        let opened = try logPath.map { try open($0) }
        let progress = ExportProgressLine()
        let report = try AuditVerifier.verify(file: path, manifestPath: manifest, log: opened?.log, redactionKey: key) { done, total in
            progress.update(done, total)
        }
        progress.finish()
        let m = report.manifest
        if format != .text {
            var o: JSONObject = [
                "audit": .string(path),
                "format": .string(report.format.rawValue),
                "valid": .bool(report.isValid),
                "rows": .int(Int64(report.rowsRead)),
                "manifestRows": .int(Int64(m.rows)),
                "digest": .string(m.digest),
                "headHash": .string(m.headHash),
                "logChecked": .bool(report.logChecked),
                "rowsCompared": .int(Int64(report.rowsCompared)),
                "redactedCompared": .int(Int64(report.redactedCompared)),
                "redactedNotCompared": .int(Int64(report.redactedNotCompared)),
                "redactedSummariesNotCompared": .int(Int64(report.redactedSummariesNotCompared)),
                "problemCount": .int(Int64(report.problemCount)),
            ]
            o["problems"] = .array(report.problems.map { p in
                ["kind": .string(p.kind.rawValue), "row": p.row.map { .int(Int64($0)) } ?? .null,
                 "line": p.line.map { .int(Int64($0)) } ?? .null, "message": .string(p.message)]
            })
            o["notes"] = .array(report.notes.map { JSON.string($0) })
            Output.line(JSONSerializer.compact(.object(o)))
        } else {
            let name = TextSafety.escape(path)
            let range = m.firstOffset <= m.lastOffset ? "offsets \(m.firstOffset)…\(m.lastOffset)" : "an empty range"
            Output.line("export: \(Format.grouped(m.rows)) rows (\(m.format.rawValue)) from \(range) of \(TextSafety.escape(m.source)), head \(m.headHash), exported \(TextSafety.escape(m.exportedAt)) by \(TextSafety.escape(m.tool))")
            for note in report.notes { Output.line("note: " + TextSafety.escape(note)) }
            if report.isValid {
                Output.line("ok: \(name): every row's rowHash, the sequence of \(Format.grouped(report.rowsRead)) rows and the digest \(m.digest) hold")
                if report.logChecked {
                    Output.line("ok: every row matches the log (\(Format.grouped(report.rowsCompared)) compared; the log's head and chain hold)")
                }
            } else {
                Output.line("FAILED: \(name): \(report.problemCount) problem\(report.problemCount == 1 ? "" : "s")")
                for p in report.problems { Output.line(TextSafety.escape(p.message)) }
                if report.problemCount > report.problems.count {
                    Output.line("… and \(report.problemCount - report.problems.count) more")
                }
            }
            if report.redactedCompared > 0 {
                Output.line("redacted: \(Format.grouped(report.redactedCompared)) redacted values compared by recomputing their HMAC")
            }
            if report.redactedNotCompared + report.redactedSummariesNotCompared > 0 {
                let values = report.redactedNotCompared, summaries = report.redactedSummariesNotCompared
                Output.line("redacted, not compared: \(Format.grouped(values)) value\(values == 1 ? "" : "s") and \(Format.grouped(summaries)) summar\(summaries == 1 ? "y" : "ies") (give --redact-key-file to compare them)")
            }
        }
        Output.flush()
        if !report.isValid { throw ExitCode(3) }
    }
}
