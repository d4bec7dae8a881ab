import ArgumentParser
import Foundation
import HindsightCore

extension ExportFormat: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export an audit trail: one row per event with its version, change and hashes, plus a manifest.",
        discussion: """
            Each row holds seq, offset, logTime, eventTime, key, type, id, version, actor, summary (the change, \
            e.g. "balance: 80 → 130"), the record's chain hash and the previous record's hash, and a rowHash that \
            chains the rows together. A manifest (log head hash, range, filters, row count, digest, export time, \
            tool version) travels with the export: the first line of JSON Lines, FILE.manifest.json beside a CSV \
            file, a closing section in Markdown. Check an export with: hindsight verify --audit FILE [--log SOURCE].

            --from and --to are inclusive positions as in `hindsight events`: offsets (120), times \
            (2026-11-21T15:00:00Z), versions with --key (v2), start or end.

            --redact PATH (repeatable; a dotted path or JSON Pointer into the event data and the state) replaces \
            those values with HMAC-SHA256 tokens under the key in --redact-key-file, so equal values stay linkable \
            and the export still verifies. The export time is now, or HINDSIGHT_EXPORT_TIME when set.

            Examples:
              hindsight export bank.log --out audit.jsonl
              hindsight export bank.log --key acct-1 --actor-field teller --format markdown --out acct-1.md
              hindsight export bank.log --type WITHDRAW --from 2026-11-21T09:00:00Z --to 2026-11-21T18:00:00Z --format csv --out w.csv
              hindsight export sample-data/gdpr-erasure.jsonl --key user-42 --include-data --include-state \\
                  --redact name --redact email --redact-key-file audit.key --out user-42.jsonl
              hindsight verify --audit user-42.jsonl --log sample-data/gdpr-erasure.jsonl
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("Only records with this key.", valueName: "KEY"))
    var key: String?
    @Option(help: ArgumentHelp("Only events of this type.", valueName: "TYPE"))
    var type: String?
    @Option(help: ArgumentHelp("First position (offset, time, or a version with --key), inclusive.", valueName: "POS"))
    var from: String?
    @Option(help: ArgumentHelp("Last position (offset, time, or a version with --key), inclusive.", valueName: "POS"))
    var to: String?
    @Option(help: ArgumentHelp("Output: jsonl, csv or markdown.", valueName: "FORMAT"))
    var format: ExportFormat = .jsonl
    @Option(help: ArgumentHelp("Write to FILE (through a temporary file renamed into place) instead of stdout.", valueName: "FILE"))
    var out: String?
    @Option(help: ArgumentHelp("Where a CSV export's manifest goes (default: FILE.manifest.json beside --out).", valueName: "FILE"))
    var manifest: String?
    @Option(name: .customLong("actor-field"), help: ArgumentHelp("Path in the event data of who did it (dotted or JSON Pointer).", valueName: "PATH"))
    var actorField: String?
    @Flag(name: .customLong("include-data"), help: "Add the event data to each row.")
    var includeData = false
    @Flag(name: .customLong("include-state"), help: "Add the record's state after the event to each row.")
    var includeState = false
    @Option(name: .customLong("redact"), help: ArgumentHelp("Replace the value at PATH (data and state) with a keyed hash; repeatable.", valueName: "PATH"))
    var redact: [String] = []
    @Option(name: .customLong("redact-key-file"), help: ArgumentHelp("The HMAC key for --redact (at least 16 bytes).", valueName: "FILE"))
    var redactKeyFile: String?

    func validate() throws {
        if !redact.isEmpty && redactKeyFile == nil {
            throw ValidationError("--redact needs --redact-key-file FILE (make a key with: head -c 32 /dev/urandom > audit.key)")
        }
        if redact.isEmpty && redactKeyFile != nil {
            throw ValidationError("--redact-key-file is only used with --redact PATH")
        }
        if format == .csv && out == nil && manifest == nil {
            throw ValidationError("a CSV export keeps its manifest in a sidecar file: give --out FILE (the manifest goes to FILE.manifest.json) or --manifest FILE")
        }
        if manifest != nil && format != .csv {
            throw ValidationError("--manifest is for CSV exports; JSON Lines and Markdown carry their manifest inside")
        }
    }

    func run() throws {
        var options = ExportOptions(tool: "hindsight \(HindsightVersion.string)")
        options.includeData = includeData
        options.includeState = includeState
        if let actorField { options.actorField = try FieldPath(actorField) }
        if let redactKeyFile {
            options.redactor = try Redactor(paths: try redact.map(Redactor.path), key: try Redactor.readKey(file: redactKeyFile))
        }
        if let text = ProcessInfo.processInfo.environment["HINDSIGHT_EXPORT_TIME"], !text.isEmpty {
            guard let t = Timestamp.parse(text) else {
                throw HindsightError(.usage, "HINDSIGHT_EXPORT_TIME=\(TextSafety.escape(text)) is not a time", hint: "write e.g. 2026-11-21T15:00:00Z, or unset it")
            }
            options.exportTime = t
        }
        if let out {
            let resolved = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
            let targets = [out, manifest ?? (format == .csv ? AuditExporter.sidecarPath(for: out) : out)].map(resolved)
            if targets.contains(resolved(source.source)) {
                throw HindsightError(.usage, "--out \(TextSafety.escape(out)) would overwrite the SOURCE", hint: "write the export to another file")
            }
        }
        let filter = ExportFilter(key: key, type: type, from: try from.map(PositionSpec.init), to: try to.map(PositionSpec.init))
        let opened = try source.open()
        options.sourceName = opened.name
        let progress = ExportProgressLine()
        options.progress = { done, total in progress.update(done, total) }
        let summary: ExportSummary
        do {
            defer { progress.finish() }
            if let out {
                summary = try AuditExporter.export(log: opened.log, rules: opened.rules, filter: filter, format: format, options: options,
                                                   to: out, manifestPath: manifest)
            } else {
                Output.flush()
                summary = try AuditExporter.export(log: opened.log, rules: opened.rules, filter: filter, format: format, options: options,
                                                   toFileDescriptor: 1, manifestPath: manifest)
            }
        }
        let m = summary.manifest
        let range = m.firstOffset <= m.lastOffset ? "offsets \(m.firstOffset)…\(m.lastOffset)" : "an empty range"
        var note = "exported \(Format.grouped(summary.rows)) row\(summary.rows == 1 ? "" : "s") from \(range) of \(TextSafety.escape(opened.name))"
        if let path = summary.path { note += " to \(TextSafety.escape(path))" }
        if let sidecar = summary.manifestPath { note += " (manifest \(TextSafety.escape(sidecar)))" }
        Output.note(note + "; digest \(summary.digest)")
    }
}

/// "exporting: N of M records  P%" on one stderr line, when stderr is a terminal.
final class ExportProgressLine: @unchecked Sendable {
    private let enabled = Output.stderrIsTerminal && ProcessInfo.processInfo.environment["CI"] == nil
    private let lock = NSLock()
    private var last = Date.distantPast
    private var shown = false

    func update(_ done: Int64, _ total: Int64) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.1, done < total else { return }
        last = now
        shown = true
        let percent = total > 0 ? Int(Double(done) / Double(total) * 100) : 100
        FileHandle.standardError.write(Data("\r\u{1B}[Kexporting: \(Format.grouped(done)) of \(Format.grouped(total)) records  \(percent)%".utf8))
    }

    func finish() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
