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
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(bufferPointer: content)
        let digest = hasher.finalize()
        previous.withUnsafeMutableBytes { out in
            digest.withUnsafeBytes { out.copyMemory(from: $0) }
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
}

extension AuditExporter {
    /// Rows per batch handed to a render thread, and batches rendered ahead of the writer: small, so that
    /// a batch's records are still in cache when a worker renders them.
    static let batchSize = 128
    static let batchesInFlight = 4

    /// Exports of more records than this render their rows on worker threads (when there are cores for them).
    static let parallelThreshold: Int64 = 20_000

    /// Makes the rows, chaining their digests, and hands them to `writer` (none: only the digest).
    /// - Parameter parallel: render rows on worker threads (default: for large exports on a multi-core machine).
    static func chain(_ prepared: Prepared, log: LogReader, writer: AuditFormatWriter?, progress: (@Sendable (Int64, Int64) -> Void)?,
                      parallel: Bool? = nil) throws -> (rows: Int, digest: ChainHash) {
        let columns = prepared.manifest.columns
        let lines = RowLine(format: prepared.manifest.format, columns: columns)
        let wantsLines = writer != nil
        guard let seed = ChainHash(hex: prepared.manifest.manifestHash) else {
            throw HindsightError(.io, "internal error: the manifest hash is not hex", hint: "this is a bug; please report it")
        }
        var chain = RowChain(seed: seed)
        let generator = RowGenerator(log: log, plan: prepared.plan)
        let span = min(prepared.plan.last, log.count - 1) - prepared.plan.first + 1
        // HINDSIGHT_EXPORT_WORKERS sets the number of render threads (0: none).
        let configured = ProcessInfo.processInfo.environment["HINDSIGHT_EXPORT_WORKERS"].flatMap { Int($0) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // The exporting thread folds and writes, so one render thread per other core.
        let workers = max(1, min(configured ?? (cores - 1), 8))
        guard parallel ?? ((configured.map { $0 > 0 } ?? (cores > 1)) && span > parallelThreshold) else {
            var canonical: [UInt8] = []
            canonical.reserveCapacity(1024)
            var line: [UInt8] = []
            line.reserveCapacity(1024)
            var times = RowTimeCaches()
            let rows = try generator.run(progress: progress) { row, _ in
                canonical.removeAll(keepingCapacity: true)
                row.writeCanonical(into: &canonical, columns: columns, times: &times)
                let content = SHA256.hash(data: canonical)
                try content.withUnsafeBytes { content in
                    chain.add(content)
                    if let writer {
                        line.removeAll(keepingCapacity: true)
                        lines.append(row, canonical: canonical, to: &line)
                        try line.withUnsafeBytes { text in try chain.withLast { try writer.row(text, rowHash: $0) } }
                    }
                }
                return true
            }
            return (rows, chain.last)
        }
        // This thread folds, chains and writes; workers make each row's text and content digest.
        let plan = prepared.plan
        let pool = RenderPool<RowJob, RenderedBatch>(workers: workers, maxInFlight: batchesInFlight) { jobs in
            var times = RowTimeCaches()
            var batch = RenderedBatch()
            batch.contents.reserveCapacity(jobs.count * 32)
            batch.ends.reserveCapacity(jobs.count)
            batch.text.reserveCapacity(jobs.count * 512)
            var canonical: [UInt8] = []
            canonical.reserveCapacity(1024)
            for job in jobs {
                let row = plan.render(job)
                canonical.removeAll(keepingCapacity: true)
                row.writeCanonical(into: &canonical, columns: columns, times: &times)
                SHA256.hash(data: canonical).withUnsafeBytes { batch.contents.append(contentsOf: $0) }
                if wantsLines { lines.append(row, canonical: canonical, to: &batch.text) }
                batch.ends.append(batch.text.count)
            }
            return batch
        }
        defer { pool.close() }
        var submitted = 0
        var written = 0
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
            written += 1
        }
        func submit(_ batch: [RowJob]) throws {
            pool.submit(submitted, batch)
            submitted += 1
            while submitted - written >= pool.maxInFlight, let rendered = pool.take(written, wait: true) { try write(rendered) }
            while let rendered = pool.take(written, wait: false) { try write(rendered) }
        }
        var batch: [RowJob] = []
        batch.reserveCapacity(batchSize)
        let rows = try generator.jobs(progress: progress) { job in
            batch.append(job)
            if batch.count == batchSize {
                try submit(batch)
                batch = []
                batch.reserveCapacity(batchSize)
            }
            return true
        }
        if !batch.isEmpty { try submit(batch) }
        while written < submitted, let rendered = pool.take(written, wait: true) { try write(rendered) }
        return (rows, chain.last)
    }
}
