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
            let sink = ByteSink(fd: file.fd, name: path)
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

    /// Exports of more records than this render their rows on worker threads (when there are cores for them).
    static let parallelThreshold: Int64 = 20_000

    /// Makes the rows, chaining their digests, and hands them to `writer` (none: only the digest).
    /// - Parameter parallel: render rows on worker threads (default: for large exports on a multi-core machine).
    static func chain(_ prepared: Prepared, log: LogReader, writer: AuditFormatWriter?, progress: (@Sendable (Int64, Int64) -> Void)?,
                      parallel: Bool? = nil) throws -> (rows: Int, digest: ChainHash) {
        let columns = prepared.manifest.columns
        let lines = RowLine(format: prepared.manifest.format, columns: columns)
        let wantsLines = writer != nil
        guard var previous = ChainHash(hex: prepared.manifest.manifestHash) else {
            throw HindsightError(.io, "internal error: the manifest hash is not hex", hint: "this is a bug; please report it")
        }
        let generator = RowGenerator(log: log, plan: prepared.plan)
        let span = min(prepared.plan.last, log.count - 1) - prepared.plan.first + 1
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard parallel ?? (cores > 1 && span > parallelThreshold) else {
            var scratch: [UInt8] = []
            scratch.reserveCapacity(1024)
            var times = RowTimeCaches()
            let rows = try generator.run(progress: progress) { row, _ in
                scratch.removeAll(keepingCapacity: true)
                row.writeCanonical(into: &scratch, columns: columns, times: &times)
                let hash = AuditRow.chainedHash(previous: previous, canonical: scratch)
                if let writer { try writer.row(lines.text(row, canonical: scratch), rowHash: hash) }
                previous = hash
                return true
            }
            return (rows, previous)
        }
        // This thread folds, chains and writes; workers make each row's text and content digest.
        let plan = prepared.plan
        let pool = RenderPool<RowJob, (line: [UInt8], content: ChainHash)>(workers: max(1, min(cores, 4)), maxInFlight: 16) { jobs in
            var times = RowTimeCaches()
            var canonical: [UInt8] = []
            canonical.reserveCapacity(1024)
            return jobs.map { job in
                let row = plan.render(job)
                canonical.removeAll(keepingCapacity: true)
                row.writeCanonical(into: &canonical, columns: columns, times: &times)
                return (wantsLines ? lines.text(row, canonical: canonical) : [], AuditRow.contentDigest(canonical))
            }
        }
        defer { pool.close() }
        var submitted = 0
        var written = 0
        func write(_ rendered: [(line: [UInt8], content: ChainHash)]) throws {
            for (line, content) in rendered {
                let hash = AuditRow.chainedHash(previous: previous, content: content)
                try writer?.row(line, rowHash: hash)
                previous = hash
            }
            written += 1
        }
        func submit(_ batch: [RowJob]) throws {
            pool.submit(submitted, batch)
            submitted += 1
            while submitted - written >= pool.maxInFlight, let rendered = pool.take(written, wait: true) { try write(rendered) }
            while let rendered = pool.take(written, wait: false) { try write(rendered) }
        }
        let batchSize = 512
        var batch: [RowJob] = []
        batch.reserveCapacity(batchSize)
        let rows = try generator.jobs(progress: progress) { job in
            batch.append(job)
            if batch.count == batchSize {
                try submit(batch)
                batch.removeAll(keepingCapacity: true)
            }
            return true
        }
        if !batch.isEmpty { try submit(batch) }
        while written < submitted, let rendered = pool.take(written, wait: true) { try write(rendered) }
        return (rows, previous)
    }

    static func write(_ prepared: Prepared, format: ExportFormat, sink: ByteSink, start: Int?, log: LogReader, options: ExportOptions) throws -> ExportSummary {
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
            let (rows, digest) = try chain(prepared, log: log, writer: nil, progress: nil)
            manifest.rows = rows
            manifest.digest = digest.hex
            final = true
        }
        try writer.begin(manifest, final: final)
        let (rows, digest) = try chain(prepared, log: log, writer: writer, progress: options.progress)
        manifest.rows = rows
        manifest.digest = digest.hex
        try writer.end(manifest)
        return ExportSummary(rows: rows, digest: digest.hex, manifest: manifest, path: nil, manifestPath: nil)
    }
}
