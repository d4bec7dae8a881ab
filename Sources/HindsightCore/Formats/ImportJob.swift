/// Progress of a long import, for a progress line.
public struct ImportProgress: Sendable {
    public enum Phase: String, Sendable {
        case reading = "reading"
        case appending = "appending"
    }

    public var phase: Phase
    /// Input bytes parsed so far, and in all.
    public var bytesDone: Int
    public var bytesTotal: Int
    /// Events parsed (reading) or handled (appending) so far, and in all when known.
    public var events: Int
    public var eventsTotal: Int?

    public init(phase: Phase, bytesDone: Int, bytesTotal: Int, events: Int, eventsTotal: Int?) {
        self.phase = phase
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.events = events
        self.eventsTotal = eventsTotal
    }
}

/// What an import did.
public struct ImportResult: Sendable {
    public var format: InputFormat = .jsonl
    /// Valid events read from the input.
    public var events = 0
    public var appended = 0
    /// Events whose id was already in the log (or earlier in the input).
    public var duplicates = 0
    /// Events skipped with `--skip-invalid`.
    public var invalid: [InvalidEvent] = []
    /// Bytes of a torn tail the writer cut when it opened.
    public var recoveredBytes = 0
    public var firstOffset: Int64 = 0
    public var nextOffset: Int64 = 0
}

/// Reads an input and appends its events to a log: all or nothing (unless invalid events are skipped),
/// durable before it returns.
public enum ImportJob {
    public static func run(_ input: InputData, into writer: LogWriter, options: ImportOptions,
                           progress: (@Sendable (ImportProgress) -> Void)? = nil) throws -> ImportResult {
        try append(try parse(input, options: options, progress: progress), into: writer, progress: progress)
    }

    /// Reads and checks a whole input (nothing is written). A JSON Lines input is checked on both cores
    /// and not kept in memory: ``append(_:into:progress:)`` reads it again as it appends.
    public static func parse(_ input: InputData, options: ImportOptions,
                             progress: (@Sendable (ImportProgress) -> Void)? = nil) throws -> ParsedInput {
        let total = input.bytes.count
        return try EventImporter.check(input, options: options) { bytes, events in
            progress?(ImportProgress(phase: .reading, bytesDone: min(bytes, total), bytesTotal: total, events: events, eventsTotal: nil))
        }
    }

    /// Appends parsed events (skipping ids already in the log) and makes them durable.
    public static func append(_ parsed: ParsedInput, into writer: LogWriter,
                              progress: (@Sendable (ImportProgress) -> Void)? = nil) throws -> ImportResult {
        var result = ImportResult()
        result.format = parsed.format
        result.events = parsed.count
        result.invalid = parsed.invalid
        result.recoveredBytes = writer.recoveredBytes
        let count = parsed.count
        writer.reserve(events: count)
        let report: AppendReport
        let onProgress: (Int) -> Void = { n in
            progress?(ImportProgress(phase: .appending, bytesDone: n, bytesTotal: count, events: n, eventsTotal: count))
        }
        switch parsed.storage {
        case .drafts(let drafts):
            report = try writer.append(batch: drafts, progress: onProgress)
        case .compact(let events):
            report = try writer.append(batch: events, progress: onProgress)
        case .parts(let parts):
            var remaining = parts[...]
            report = try writer.append(chunks: { remaining.popFirst() }, progress: onProgress)
        case .deferred(var reader):
            // The input was checked as a whole; read it again in chunks, appending as it goes (invalid
            // events, already listed, are skipped again).
            report = try writer.append(chunks: {
                guard !reader.isAtEnd else { return nil }
                let chunk = try reader.read(limit: 1 << 16)
                if case .compact(let events) = chunk.storage { return events }
                return CompactEvents(bytes: InputBytes([]))
            }, progress: onProgress)
        }
        result.appended = report.appended
        result.duplicates = report.duplicates
        result.firstOffset = report.firstOffset
        result.nextOffset = report.nextOffset
        return result
    }

    /// Reads and appends in batches, so that readers (the explorer) can browse what is already in
    /// while the rest is read. Each batch is durable before `batchDone` is called (it returns false to
    /// cancel the import). An invalid event
    /// (without `skipInvalid`) stops the import with an error; the batches before it stay appended.
    public static func stream(_ input: InputData, into writer: LogWriter, options: ImportOptions, batchSize: Int = 50_000,
                              progress: (@Sendable (ImportProgress) -> Void)? = nil,
                              batchDone: ((ImportResult) -> Bool)? = nil) throws -> ImportResult {
        var reader = try EventReader(input, options: options)
        var result = ImportResult()
        result.recoveredBytes = writer.recoveredBytes
        result.firstOffset = writer.count
        result.nextOffset = writer.count
        let total = input.bytes.count
        while !reader.isAtEnd {
            let chunk = try reader.read(limit: batchSize)
            let report: AppendReport
            switch chunk.storage {
            case .compact(let events): report = try writer.append(batch: events)
            default: report = try writer.append(batch: chunk.drafts)
            }
            result.format = chunk.format
            result.events += chunk.count
            result.invalid.append(contentsOf: chunk.invalid)
            result.appended += report.appended
            result.duplicates += report.duplicates
            result.nextOffset = report.nextOffset
            progress?(ImportProgress(phase: .reading, bytesDone: reader.bytesRead, bytesTotal: total, events: result.events, eventsTotal: nil))
            if let batchDone, !batchDone(result) {
                throw HindsightError(.io, "the import of \(input.name) was cancelled after \(result.events) events")
            }
        }
        result.format = reader.detectedFormat
        return result
    }
}
