import Crypto
import Foundation

/// The row digests of an export: `rowHash(n) = SHA256(rowHash(n-1) || content(n))`, kept in a fixed buffer.
struct RowChain {
    private var previous: [UInt8]

    init(seed: ChainHash) { previous = seed.bytes }

    /// The last rowHash (the seed before any row).
    var last: ChainHash { ChainHash(bytes: previous) }

    /// Chains the next row's 32-byte content digest.
    mutating func add(_ content: UnsafeRawBufferPointer) {
        var next = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &next) { out in
            previous.withUnsafeBytes { p in
                if let pb = p.baseAddress, let ob = out.baseAddress { ChainHashing.hash(previous: pb, body: content, into: ob) }
            }
        }
        previous.withUnsafeMutableBytes { out in
            withUnsafeBytes(of: &next) { out.copyMemory(from: $0) }
        }
    }

    /// Calls `body` with the last rowHash's bytes.
    func withLast<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try previous.withUnsafeBytes(body)
    }
}

/// A batch of rows made on a worker: their texts end to end, where each ends, and their content digests.
struct RenderedBatch: Sendable {
    var text: [UInt8] = []
    var ends: [Int] = []
    var contents: [UInt8] = []

    init() {}

    /// An empty batch with room for `rows` rows.
    init(rows: Int, wantsLines: Bool) {
        contents.reserveCapacity(rows * 32)
        ends.reserveCapacity(rows)
        if wantsLines { text.reserveCapacity(rows * 512) }
    }

    /// Empties the batch, keeping its buffers' capacity.
    mutating func removeAll() {
        text.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        contents.removeAll(keepingCapacity: true)
    }

    /// Adds a row: the digest of its canonical content, and its text (when `wantsLines`): `row`'s line
    /// in `lines`' format, or (nil) the JSON Lines line that is its canonical content.
    mutating func add(canonical: [UInt8], row: GeneratedRow?, lines: RowLine, wantsLines: Bool) {
        canonical.withUnsafeBytes { ChainHashing.append(hashOf: $0, to: &contents) }
        if wantsLines {
            if let row { lines.append(row, canonical: canonical, to: &text) } else { RowLine.appendJSONL(canonical: canonical, to: &text) }
        }
        ends.append(text.count)
    }

    /// Adds a JSON Lines row (with its text): `write` appends the row's canonical content to the text,
    /// where it is hashed and becomes the line (the closing brace gives way to `rowHash`), without a copy.
    @inline(__always)
    mutating func addJSONL(_ write: (inout [UInt8]) -> Void) {
        let start = text.count
        write(&text)
        text.withUnsafeBytes { ChainHashing.append(hashOf: UnsafeRawBufferPointer(rebasing: $0[start...]), to: &contents) }
        text.removeLast()
        text.append(static: RowLine.rowHashMember)
        ends.append(text.count)
    }
}

extension AuditExporter {
    /// Rows per batch handed to a render thread, and batches rendered ahead of the writer: small, so that
    /// a batch's records are still in cache when a worker renders them.
    static let batchSize = 128
    static let batchesInFlight = 4

    /// Exports of more records than this render their rows on worker threads (when there are cores for them).
    static let parallelThreshold: Int64 = 20_000

    /// Makes the rows, chaining their digests, and hands them to `writer` (none: only the digest).
    ///
    /// The fold runs on this thread (on text when every event merges, see ``TextRowGenerator``; else on
    /// trees, ``RowGenerator``) and hands batches of folded records to be made into rows; this thread
    /// then chains the rows' digests and writes them in order.
    /// - Parameters:
    ///   - parallel: render rows on worker threads (default: for large exports on a multi-core machine).
    ///   - textFold: fold on text where ``TextRowGenerator`` handles the plan (false: always on trees).
    static func chain(_ prepared: Prepared, log: LogReader, writer: AuditFormatWriter?, progress: (@Sendable (Int64, Int64) -> Void)?,
                      parallel: Bool? = nil, textFold: Bool = true) throws -> (rows: Int, digest: ChainHash) {
        let plan = prepared.plan
        let lines = RowLine(format: prepared.manifest.format, columns: prepared.manifest.columns)
        let wantsLines = writer != nil
        guard let seed = ChainHash(hex: prepared.manifest.manifestHash) else {
            throw HindsightError(.io, "internal error: the manifest hash is not hex", hint: "this is a bug; please report it")
        }
        var chain = RowChain(seed: seed)
        func write(_ batch: RenderedBatch) throws {
            try batch.contents.withUnsafeBytes { contents in
                try batch.text.withUnsafeBytes { text in
                    var start = 0
                    for (i, end) in batch.ends.enumerated() {
                        chain.add(UnsafeRawBufferPointer(rebasing: contents[(i * 32)..<(i * 32 + 32)]))
                        if let writer {
                            let line = UnsafeRawBufferPointer(rebasing: text[start..<end])
                            try chain.withLast { try writer.row(line, rowHash: $0) }
                        }
                        start = end
                    }
                }
            }
        }
        let span = min(plan.last, log.count - 1) - plan.first + 1
        // HINDSIGHT_EXPORT_WORKERS sets the number of render threads (0: none).
        let configured = ProcessInfo.processInfo.environment["HINDSIGHT_EXPORT_WORKERS"].flatMap { Int($0) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threaded = parallel ?? ((configured.map { $0 > 0 } ?? (cores > 1)) && span > parallelThreshold)
        let rows: Int
        if textFold && TextRowGenerator.handles(plan) && threaded {
            // The fold itself is split by key across threads, one more than the cores (measured faster
            // than one per core: a shard waiting for the writer leaves its core to another); this
            // thread chains and writes.
            let sharded = ShardedTextRows(log: log, plan: plan, shards: max(2, min(configured ?? (cores + 1), 8)), lines: lines, wantsLines: wantsLines)
            rows = try sharded.run(progress: progress) { content, line in
                chain.add(content)
                if let writer { try chain.withLast { try writer.row(line, rowHash: $0) } }
            }
        } else if textFold && TextRowGenerator.handles(plan) {
            // A small export (or one thread): fold and render here.
            rows = try TextRowGenerator(log: log, plan: plan).batches(size: batchSize, lines: lines, wantsLines: wantsLines,
                                                                      progress: progress) { batch, _ in try write(batch) }
        } else {
            // The exporting thread folds trees and writes, so one render thread per other core.
            let pipeline = RowPipeline<[RowJob]>(workers: threaded ? max(1, min(configured ?? (cores - 1), 8)) : 0, write: write) { jobs in
                plan.renderBatch(jobs, lines: lines, wantsLines: wantsLines) { plan.render($0) }
            }
            defer { pipeline.close() }
            var batch: [RowJob] = []
            batch.reserveCapacity(batchSize)
            rows = try RowGenerator(log: log, plan: plan).jobs(progress: progress) { job in
                batch.append(job)
                if batch.count == batchSize {
                    try pipeline.submit(batch)
                    batch = []
                    batch.reserveCapacity(batchSize)
                }
                return true
            }
            if !batch.isEmpty { try pipeline.submit(batch) }
            try pipeline.finish()
        }
        return (rows, chain.last)
    }
}

extension ExportPlan {
    /// Makes a batch of rows: each row's text (up to its rowHash, when `wantsLines`) and its content digest.
    /// `make` writes a job's canonical content into the buffer it is given, and returns its row when
    /// the format's text needs more than that content (CSV and Markdown).
    func renderBatch<Job>(_ jobs: [Job], lines: RowLine, wantsLines: Bool,
                          _ make: (Job, inout [UInt8], inout RowTimeCaches) -> GeneratedRow?) -> RenderedBatch {
        var times = RowTimeCaches()
        var batch = RenderedBatch(rows: jobs.count, wantsLines: wantsLines)
        var canonical: [UInt8] = []
        canonical.reserveCapacity(1024)
        for job in jobs {
            canonical.removeAll(keepingCapacity: true)
            let row = make(job, &canonical, &times)
            batch.add(canonical: canonical, row: row, lines: lines, wantsLines: wantsLines)
        }
        return batch
    }

    /// ``renderBatch(_:lines:wantsLines:_:)`` for rows that ``GeneratedRow`` writes.
    func renderBatch<Job>(_ jobs: [Job], lines: RowLine, wantsLines: Bool, _ make: (Job) -> GeneratedRow) -> RenderedBatch {
        renderBatch(jobs, lines: lines, wantsLines: wantsLines) { job, canonical, times in
            let row = make(job)
            row.writeCanonical(into: &canonical, columns: columns, times: &times)
            return row
        }
    }
}

/// Batches of folded records made into rows, on worker threads (or on the calling thread when there
/// are none), and written in the order they were submitted.
final class RowPipeline<Batch: Sendable> {
    private let pool: RenderPool<Batch, RenderedBatch>?
    private let render: @Sendable (Batch) -> RenderedBatch
    private let write: (RenderedBatch) throws -> Void
    private var submitted = 0
    private var written = 0

    init(workers: Int, write: @escaping (RenderedBatch) throws -> Void, render: @escaping @Sendable (Batch) -> RenderedBatch) {
        self.render = render
        self.write = write
        pool = workers > 0 ? RenderPool(workers: workers, maxInFlight: AuditExporter.batchesInFlight, render: render) : nil
    }

    /// Hands on a batch; writes the batches that are ready (waiting when too many are in flight).
    func submit(_ batch: Batch) throws {
        guard let pool else {
            try write(render(batch))
            return
        }
        pool.submit(submitted, batch)
        submitted += 1
        while submitted - written >= pool.maxInFlight, let rendered = pool.take(written, wait: true) { try take(rendered) }
        while let rendered = pool.take(written, wait: false) { try take(rendered) }
    }

    /// Writes every batch still in flight.
    func finish() throws {
        guard let pool else { return }
        while written < submitted, let rendered = pool.take(written, wait: true) { try take(rendered) }
    }

    private func take(_ rendered: RenderedBatch) throws {
        try write(rendered)
        written += 1
    }

    /// Stops the workers.
    func close() { pool?.close() }
}
