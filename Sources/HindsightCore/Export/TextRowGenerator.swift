import Foundation

/// The rows of an export folded on JSON text, when every event merges (the default rule) and nothing
/// is redacted: records are read in place, each key's state is kept as text in a ``TextArena`` and
/// merged with ``RawMergePatch``, and each row is made as soon as its record is folded, from the
/// record's bytes and the state's text before and after (``TextRowRenderer``), with the same bytes as
/// ``RowGenerator``'s tree fold gives. Folding allocates nothing per event.
///
/// Memory is O(number of keys): one version count and one state text per key.
struct TextRowGenerator {
    let log: LogReader
    let plan: ExportPlan
    /// Fold only the keys that hash to `shard` of `shards` (every record is still read, for `seq` and `prev`).
    var shard = 0
    var shards = 1

    /// Whether the text fold makes this plan's rows: every event merges at the root, no redaction
    /// (it works on trees), and no key filter (which reads only that key's records through the key index).
    static func handles(_ plan: ExportPlan) -> Bool {
        plan.redactor == nil && plan.key == nil && FastFold(rules: plan.rules).allMerge
    }

    /// Folds the log and calls `body` with each batch of at most `batchSize` of this shard's rows, made
    /// in `lines`' format, and each row's `seq`, in order. Checksums are checked by shard 0 only.
    /// Returns the number of rows of all shards. `recycled` may hand back a used batch to fill again
    /// (its buffers keep their capacity).
    @discardableResult
    func batches(size batchSize: Int, lines: RowLine, wantsLines: Bool, progress: ((Int64, Int64) -> Void)? = nil,
                 recycled: () -> RenderedBatch? = { nil }, _ body: (RenderedBatch, [Int]) throws -> Void) throws -> Int {
        let last = min(plan.last, log.count - 1)
        guard plan.first <= last else { return 0 }
        let type = plan.type.map { Array($0.utf8) }
        var keys = KeySlots()
        var texts = TextArena()
        var versions: [Int] = []
        var prev = [UInt8](repeating: 0, count: 32)
        var seq = 0
        var renderer = TextRowRenderer(plan: plan, lines: lines, wantsLines: wantsLines)
        var batch = RenderedBatch(rows: batchSize, wantsLines: wantsLines)
        var seqs: [Int] = []
        seqs.reserveCapacity(batchSize)
        let total = last + 1
        let shards = UInt64(max(1, self.shards)), shard = self.shard, first = plan.first
        try log.forEachView(from: 0, to: total, verifyChecksum: shard == 0) { view in
            let emits = view.offset >= first && (type.map { t in t.withUnsafeBytes { view.type.sameBytes(as: $0) } } ?? true)
            if emits { seq += 1 }
            let hash = HashIndex.hash(view.key)
            if shards == 1 || Int(truncatingIfNeeded: (hash >> 7) % shards) == shard {
                let (slot, new) = keys.slot(view.key, hash: hash)
                if new {
                    texts.addSlot()
                    versions.append(0)
                }
                versions[slot] += 1
                if emits {
                    // The row is made while the state before the event is still in place beside the new one.
                    texts.merge(slot, view.payload) { before, after in
                        prev.withUnsafeBytes { previous in
                            renderer.add(view, seq: seq, version: versions[slot], before: before, after: after, prev: previous, to: &batch)
                        }
                    }
                    seqs.append(seq)
                    if seqs.count == batchSize {
                        try body(batch, seqs)
                        if var used = recycled() {
                            used.removeAll()
                            batch = used
                        } else {
                            batch = RenderedBatch(rows: batchSize, wantsLines: wantsLines)
                        }
                        seqs.removeAll(keepingCapacity: true)
                    }
                } else {
                    texts.merge(slot, view.payload)
                }
            }
            prev.withUnsafeMutableBytes { $0.copyMemory(from: view.hash) }
            if view.offset & 0xFFFF == 0 { progress?(view.offset, total) }
            return true
        }
        if !seqs.isEmpty { try body(batch, seqs) }
        progress?(total, total)
        return seq
    }
}

/// Makes rows folded on text, as ``ExportPlan/renderBatch(_:lines:wantsLines:_:)`` makes rows folded on
/// trees: the same bytes. JSON Lines rows are written from the record's bytes; CSV and Markdown rows go
/// through ``GeneratedRow``. Reuse one: its buffers keep their capacity.
struct TextRowRenderer {
    private let lines: RowLine
    private let wantsLines: Bool
    private let columns: AuditColumns
    private let actor: JSONPointer?
    private let summaryWidth: Int
    private var diff = TextDiff()
    private var summary: [UInt8] = []
    private var canonical: [UInt8] = []
    private var times = RowTimeCaches()

    init(plan: ExportPlan, lines: RowLine, wantsLines: Bool) {
        self.lines = lines
        self.wantsLines = wantsLines
        columns = plan.columns
        actor = plan.actor
        summaryWidth = plan.summaryWidth
        canonical.reserveCapacity(1024)
    }

    /// Adds the row of `view`'s record to `batch`: `before` and `after` are the record's states (JSON
    /// text; `before` nil: created), `prev` the chain hash of the record before it.
    mutating func add(_ view: RecordView, seq: Int, version: Int, before: UnsafeRawBufferPointer?, after: UnsafeRawBufferPointer,
                      prev: UnsafeRawBufferPointer, to batch: inout RenderedBatch) {
        let shown = shownParts(view, before: before, after: after)
        canonical.removeAll(keepingCapacity: true)
        guard lines.format == .jsonl else {
            let row = GeneratedRow(seq: seq, record: view.record(), version: version, actor: shown.actor,
                                   summary: String(decoding: summary, as: UTF8.self), prev: ChainHash(bytes: Array(prev)),
                                   data: shown.data, state: shown.state)
            row.writeCanonical(into: &canonical, columns: columns, times: &times)
            batch.add(canonical: canonical, row: row, lines: lines, wantsLines: wantsLines)
            return
        }
        if wantsLines {
            batch.addJSONL { Self.writeJSONL(view, seq: seq, version: version, shown: shown, prev: prev, summary: summary, columns: columns, times: &times, into: &$0) }
        } else {
            Self.writeJSONL(view, seq: seq, version: version, shown: shown, prev: prev, summary: summary, columns: columns, times: &times, into: &canonical)
            batch.add(canonical: canonical, row: nil, lines: lines, wantsLines: false)
        }
    }

    /// Appends a row's canonical content (which is its JSON Lines line but for `rowHash`) to `out`. The
    /// summary and the actor are made of valid UTF-8 pieces: written without checking again.
    private static func writeJSONL(_ view: RecordView, seq: Int, version: Int, shown: (actor: String, data: JSON?, state: JSON?),
                                   prev: UnsafeRawBufferPointer, summary: [UInt8], columns: AuditColumns, times: inout RowTimeCaches,
                                   into out: inout [UInt8]) {
        var actor = shown.actor
        summary.withUnsafeBytes { summaryText in
            actor.withUTF8 { actorText in
                CanonicalBytes.row(seq: seq, offset: view.offset, logTime: Timestamp(microseconds: view.logTime),
                                   eventTime: Timestamp(microseconds: view.eventTime), key: view.key, type: view.type, id: view.id,
                                   version: version, actor: ValidUTF8(bytes: UnsafeRawBufferPointer(actorText)),
                                   summary: ValidUTF8(bytes: summaryText),
                                   hash: view.hash, prev: prev, into: &out, times: &times)
            }
        }
        CanonicalBytes.optionalColumns(data: shown.data, state: shown.state, columns: columns, into: &out)
    }

    /// The parts of a row made from text besides the record's own fields: its summary (into `summary`:
    /// from the texts where ``TextDiff`` can tell, else from the parsed states), actor, data and state.
    private mutating func shownParts(_ view: RecordView, before: UnsafeRawBufferPointer?,
                                     after: UnsafeRawBufferPointer) -> (actor: String, data: JSON?, state: JSON?) {
        var afterTree: JSON?
        summary.removeAll(keepingCapacity: true)
        if !diff.summary(from: before, to: after, maxWidth: summaryWidth, into: &summary) {
            let old = before.map { (try? JSONParser.parse($0)) ?? .null }
            let new = (try? JSONParser.parse(after)) ?? .null
            afterTree = new
            summary.append(contentsOf: DiffText.summary(StructuralDiff.changes(from: old, to: new), in: new, maxWidth: summaryWidth).utf8)
        }
        var data: JSON?
        var actorText = ""
        if columns.includeData || actor != nil {
            let parsed = (try? JSONParser.parse(view.payload)) ?? .null
            data = parsed
            if let actor, let v = actor.resolve(in: parsed) {
                actorText = v.stringValue ?? JSONSerializer.compact(v)
            }
        }
        var state: JSON?
        if columns.includeState { state = afterTree ?? ((try? JSONParser.parse(after)) ?? .null) }
        return (actorText, columns.includeData ? data : nil, state)
    }
}

/// A text-fold export split across threads by key: shard `s` of `n` folds and renders the records whose
/// key hashes to `s` (each shard reads the whole range, with its own reader, to know every row's `seq`
/// and `prev`), and the calling thread takes the rows from all shards in `seq` order to chain and write
/// them. Each shard keeps at most `limit` batches (about 5 MB of rows) ahead of the writer, so memory
/// stays flat; the states are split among the shards.
struct ShardedTextRows {
    let log: LogReader
    let plan: ExportPlan
    let shards: Int
    let lines: RowLine
    let wantsLines: Bool

    /// One shard's rendered batch and each row's `seq`.
    private struct Chunk: Sendable {
        var rendered: RenderedBatch
        var seqs: [Int]
    }

    /// Batches handed from the shards to the writer, at most `limit` waiting per shard.
    private final class Queues: @unchecked Sendable {
        private let condition = NSCondition()
        private var chunks: [[Chunk?]]
        private var heads: [Int]
        private var finished: [Bool]
        /// Batches the writer is done with, for their shard to fill again.
        private var spares: [[RenderedBatch]]
        private(set) var failure: Error?
        private(set) var cancelled = false
        /// Deep enough that the shard the writer waits for is rarely the only one with work: with 6,
        /// a shard off its core for one time slice stopped the others and left a core idle (export of
        /// 1M events measured ~10% slower in wall time than with 96).
        let limit = 96

        init(_ n: Int) {
            chunks = Array(repeating: [], count: n)
            heads = Array(repeating: 0, count: n)
            finished = Array(repeating: false, count: n)
            spares = Array(repeating: [], count: n)
        }

        /// Gives a batch the writer is done with back to its shard.
        func recycle(_ shard: Int, _ batch: RenderedBatch) {
            condition.lock()
            if spares[shard].count < limit { spares[shard].append(batch) }
            condition.unlock()
        }

        /// A batch to fill again, if the writer gave one back.
        func spare(_ shard: Int) -> RenderedBatch? {
            condition.lock()
            defer { condition.unlock() }
            return spares[shard].popLast()
        }

        /// Hands on a chunk (waiting while the shard is `limit` ahead); false when the export was cancelled.
        func put(_ shard: Int, _ chunk: Chunk) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while chunks[shard].count - heads[shard] >= limit && !cancelled { condition.wait() }
            guard !cancelled else { return false }
            chunks[shard].append(chunk)
            condition.broadcast()
            return true
        }

        func finish(_ shard: Int, error: Error?) {
            condition.lock()
            finished[shard] = true
            if let error, failure == nil { failure = error }
            condition.broadcast()
            condition.unlock()
        }

        /// The shard's next chunk (waiting for it), or nil when the shard has no more.
        func take(_ shard: Int) throws -> Chunk? {
            condition.lock()
            defer { condition.unlock() }
            while heads[shard] == chunks[shard].count && !finished[shard] && failure == nil { condition.wait() }
            if let failure { throw failure }
            guard heads[shard] < chunks[shard].count else { return nil }
            let chunk = chunks[shard][heads[shard]]
            chunks[shard][heads[shard]] = nil  // the writer holds the only reference (to give it back)
            heads[shard] += 1
            if heads[shard] > 32 {
                chunks[shard].removeFirst(heads[shard])
                heads[shard] = 0
            }
            condition.broadcast()
            return chunk
        }

        func cancel() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            condition.unlock()
        }

        func waitUntilFinished() {
            condition.lock()
            while finished.contains(false) { condition.wait() }
            condition.unlock()
        }
    }

    /// Makes the rows and calls `row` with each one's content digest and text, in `seq` order.
    /// Returns the number of rows.
    func run(progress: (@Sendable (Int64, Int64) -> Void)?, _ row: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        guard plan.first <= min(plan.last, log.count - 1) else { return 0 }
        let queues = Queues(shards)
        let directory = log.directory
        let (plan, lines, wantsLines, shards) = (self.plan, self.lines, self.wantsLines, self.shards)
        for s in 0..<shards {
            let thread = Thread {
                do {
                    try ShardedTextRows.fold(shard: s, of: shards, log: try LogReader(directory: directory), plan: plan,
                                             lines: lines, wantsLines: wantsLines, queues: queues, progress: s == 0 ? progress : nil)
                    queues.finish(s, error: nil)
                } catch {
                    queues.finish(s, error: error)
                }
            }
            thread.name = "hindsight export shard \(s)"
            thread.start()
        }
        defer {
            queues.cancel()
            queues.waitUntilFinished()
        }
        var current: [Chunk?] = try (0..<shards).map { try queues.take($0) }
        var index = Array(repeating: 0, count: shards)
        var next = 1
        while true {
            var found: Int?
            for s in 0..<shards {
                guard let chunk = current[s] else { continue }
                if chunk.seqs[index[s]] == next {
                    found = s
                    break
                }
            }
            guard let s = found, let chunk = current[s] else {
                guard current.allSatisfy({ $0 == nil }) else {
                    throw HindsightError(.io, "internal error: export row \(next) is missing", hint: "this is a bug; please report it")
                }
                break
            }
            let i = index[s]
            let start = i == 0 ? 0 : chunk.rendered.ends[i - 1]
            try chunk.rendered.contents.withUnsafeBytes { contents in
                try chunk.rendered.text.withUnsafeBytes { text in
                    try row(UnsafeRawBufferPointer(rebasing: contents[(i * 32)..<(i * 32 + 32)]),
                            UnsafeRawBufferPointer(rebasing: text[start..<chunk.rendered.ends[i]]))
                }
            }
            next += 1
            index[s] += 1
            if index[s] == chunk.seqs.count {
                current[s] = nil
                queues.recycle(s, chunk.rendered)
                current[s] = try queues.take(s)
                index[s] = 0
            }
        }
        return next - 1
    }

    /// Stops a shard's fold when the export was cancelled.
    private struct Cancelled: Error {}

    /// One shard's fold, rendered in batches and handed to the writer.
    private static func fold(shard: Int, of shards: Int, log: LogReader, plan: ExportPlan, lines: RowLine, wantsLines: Bool,
                             queues: Queues, progress: (@Sendable (Int64, Int64) -> Void)?) throws {
        let generator = TextRowGenerator(log: log, plan: plan, shard: shard, shards: shards)
        do {
            try generator.batches(size: AuditExporter.batchSize, lines: lines, wantsLines: wantsLines, progress: progress,
                                  recycled: { queues.spare(shard) }) { batch, seqs in
                guard queues.put(shard, Chunk(rendered: batch, seqs: seqs)) else { throw Cancelled() }
            }
        } catch is Cancelled {
            return
        }
    }
}
