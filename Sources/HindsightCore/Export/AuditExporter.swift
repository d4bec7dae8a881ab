import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exports a log's records as an audit trail (JSON Lines, CSV or Markdown) with a manifest and
/// chained row digests that `AuditVerifier` checks. See docs/AUDIT.md for the format.
///
/// Streaming: the log is read once with `LogReader.forEach` and folded incrementally, so memory is
/// O(number of keys) (one version count and one current state per key), whatever the log's size.
public enum AuditExporter {
    /// Where the CSV sidecar manifest goes by default: `FILE.manifest.json`.
    public static func sidecarPath(for path: String) -> String { path + ".manifest.json" }

    /// Writes an export to `path` through a temporary file in the same directory that is renamed into
    /// place when complete, so `path` never holds a half-written export. A CSV export's manifest goes to
    /// `manifestPath` (default ``sidecarPath(for:)``), also written whole.
    public static func export(log: LogReader, rules: Rules, filter: ExportFilter = ExportFilter(), format: ExportFormat = .jsonl,
                              options: ExportOptions = ExportOptions(), to path: String, manifestPath: String? = nil) throws -> ExportSummary {
        if FileSystem.isSpecialFile(path) {
            // A device or FIFO (`--out /dev/null`, a named pipe): streamed to, not replaced by a renamed file.
            if format == .csv && manifestPath == nil {
                throw HindsightError(.usage, "\(path) is not a regular file, so the CSV manifest cannot go beside it",
                                     hint: "give --manifest FILE, or --out a regular file")
            }
            let file = try RawFile.openForWriting(path, create: false)
            var summary = try export(log: log, rules: rules, filter: filter, format: format, options: options, toFileDescriptor: file.fd,
                                     name: path, manifestPath: manifestPath)
            summary.path = path
            return summary
        }
        let prepared = try prepare(log: log, rules: rules, filter: filter, format: format, options: options)
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        guard FileSystem.isDirectory(directory.isEmpty ? "/" : directory) else {
            throw HindsightError(.notFound, "cannot write \(path): the directory \(directory) does not exist", hint: "create it first, or give another --out path")
        }
        guard !FileSystem.isDirectory(path) else {
            throw HindsightError(.usage, "cannot write \(path): it is a directory", hint: "give a file name for --out")
        }
        let tmp = path + ".tmp-\(getpid())"
        do {
            let file = try RawFile.openForWriting(tmp, create: true)
            try file.truncate(to: 0)
            let sink = ByteSink(fd: file.fd, name: path, direct: true)
            var summary = try write(prepared, format: format, sink: sink, start: 0, log: log, options: options)
            try file.sync()
            if format == .csv {
                let sidecar = manifestPath ?? sidecarPath(for: path)
                try FileSystem.writeAtomically(sidecar, Array((JSONSerializer.pretty(summary.manifest.json()) + "\n").utf8))
                summary.manifestPath = sidecar
            }
            try FileSystem.rename(tmp, path)
            FileSystem.syncDirectory(directory.isEmpty ? "/" : directory)
            summary.path = path
            return summary
        } catch {
            FileSystem.remove(tmp)
            throw error
        }
    }

    /// Streams an export to an open file descriptor (e.g. 1, standard output).
    ///
    /// JSON Lines needs the manifest (with the row count and digest) first: on a regular file it is
    /// written with placeholders and rewritten in place at the end; on a pipe or terminal the rows are
    /// made twice (first for the digest, then for output), so memory stays flat either way. A CSV
    /// export's manifest needs a file: `manifestPath`.
    public static func export(log: LogReader, rules: Rules, filter: ExportFilter = ExportFilter(), format: ExportFormat = .jsonl,
                              options: ExportOptions = ExportOptions(), toFileDescriptor fd: Int32, name: String = "standard output",
                              manifestPath: String? = nil) throws -> ExportSummary {
        if format == .csv && manifestPath == nil {
            throw HindsightError(.usage, "a CSV export keeps its manifest in a sidecar file", hint: "give --out FILE (the manifest goes to FILE.manifest.json) or --manifest FILE")
        }
        let prepared = try prepare(log: log, rules: rules, filter: filter, format: format, options: options)
        let sink = ByteSink(fd: fd, name: name)
        var summary = try write(prepared, format: format, sink: sink, start: ByteSink.seekablePosition(fd), log: log, options: options)
        if format == .csv, let manifestPath {
            try FileSystem.writeAtomically(manifestPath, Array((JSONSerializer.pretty(summary.manifest.json()) + "\n").utf8))
            summary.manifestPath = manifestPath
        }
        return summary
    }

    // MARK: Internals

    struct Prepared {
        var manifest: AuditManifest
        var plan: ExportPlan
    }

    static func prepare(log: LogReader, rules: Rules, filter: ExportFilter, format: ExportFormat, options: ExportOptions) throws -> Prepared {
        if options.summaryWidth < 10 { throw HindsightError(.usage, "the summary width must be at least 10") }
        let (first, last) = try ExportPlan.range(log: log, rules: rules, filter: filter)
        let columns = AuditColumns(includeData: options.includeData, includeState: options.includeState)
        let name = options.sourceName ?? (log.directory.split(separator: "/").last.map(String.init) ?? log.directory)
        var manifest = AuditManifest(
            tool: options.tool, exportedAt: (options.exportTime ?? Timestamp.now()).iso8601, format: format, source: name,
            logRecords: log.count, headHash: try log.headHash().hex, firstOffset: first, lastOffset: last,
            fromSpec: filter.from?.description, toSpec: filter.to?.description, key: filter.key, type: filter.type,
            columns: columns, actorField: options.actorField?.text, summaryWidth: options.summaryWidth,
            redaction: options.redactor.map { RedactionInfo(paths: $0.paths.map(\.description), keyID: $0.keyID) },
            rules: rules.source)
        manifest.manifestHash = manifest.computedManifestHash().hex
        let plan = ExportPlan(first: first, last: last, key: filter.key, type: filter.type, columns: columns,
                              actor: options.actorField?.pointer, summaryWidth: options.summaryWidth,
                              redactor: options.redactor, rules: rules)
        return Prepared(manifest: manifest, plan: plan)
    }

    /// - Parameters:
    ///   - parallel: render rows on worker threads (default: for large exports on a multi-core machine).
    ///   - textFold: fold on text where the rules allow (default; false: always on trees, the reference the tests compare with).
    static func write(_ prepared: Prepared, format: ExportFormat, sink: ByteSink, start: Int?, log: LogReader, options: ExportOptions,
                      parallel: Bool? = nil, textFold: Bool = true) throws -> ExportSummary {
        var manifest = prepared.manifest
        let writer: AuditFormatWriter
        switch format {
        case .jsonl: writer = JSONLAuditWriter(sink: sink, start: start)
        case .csv: writer = CSVAuditWriter(sink: sink)
        case .markdown: writer = MarkdownAuditWriter(sink: sink)
        }
        var final = false
        if format == .jsonl && start == nil {
            // Not seekable: find the digest first, so that line 1 can be the finished manifest.
            let (rows, digest) = try chain(prepared, log: log, writer: nil, progress: nil, parallel: parallel, textFold: textFold)
            manifest.rows = rows
            manifest.digest = digest.hex
            final = true
        }
        try writer.begin(manifest, final: final)
        let (rows, digest) = try chain(prepared, log: log, writer: writer, progress: options.progress, parallel: parallel, textFold: textFold)
        manifest.rows = rows
        manifest.digest = digest.hex
        try writer.end(manifest)
        return ExportSummary(rows: rows, digest: digest.hex, manifest: manifest, path: nil, manifestPath: nil)
    }
}
