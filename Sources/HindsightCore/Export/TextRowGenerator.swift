/// The rows of an export folded on JSON text, when every event merges (the default rule) and nothing
/// is redacted: records are read in place, each key's state is kept as text in a ``TextArena`` and
/// merged with ``RawMergePatch``, so folding allocates nothing per event. The rows it hands on hold
/// copies of the record's bytes and of the state's text before and after;
/// ``ExportPlan/renderTextBatch(_:lines:wantsLines:)`` makes them into rows (on any thread) with the same bytes as ``RowGenerator``'s tree fold gives.
///
/// Memory is O(number of keys): one version count and one state text per key.
struct TextRowGenerator {
    let log: LogReader
    let plan: ExportPlan

    /// Whether the text fold makes this plan's rows: every event merges at the root, no redaction
    /// (it works on trees), and no key filter (which reads only that key's records through the key index).
    static func handles(_ plan: ExportPlan) -> Bool {
        plan.redactor == nil && plan.key == nil && FastFold(rules: plan.rules).allMerge
    }

    /// Folds the log and calls `body` with each batch of at most `batchSize` rows, in order.
    /// Returns the number of rows.
    @discardableResult
    func batches(size batchSize: Int, progress: ((Int64, Int64) -> Void)? = nil, _ body: (TextJobBatch) throws -> Void) throws -> Int {
        let last = min(plan.last, log.count - 1)
        guard plan.first <= last else { return 0 }
        let type = plan.type.map { Array($0.utf8) }
        var keys = KeySlots()
        var texts = TextArena()
        var versions: [Int] = []
        var prev = [UInt8](repeating: 0, count: 32)
        var seq = 0
        var batch = TextJobBatch()
        let total = last + 1
        try log.forEachView(from: 0, to: total) { view in
            let (slot, new) = keys.slot(view.key, hash: HashIndex.hash(view.key))
            if new {
                texts.addSlot()
                versions.append(0)
            }
            versions[slot] += 1
            let emits = view.offset >= plan.first && (type.map { t in t.withUnsafeBytes { view.type.elementsEqual($0) } } ?? true)
            if emits {
                seq += 1
                let before: Range<Int>? = texts.withText(slot) { $0.map { batch.append($0) } }
                texts.merge(slot, view.payload)
                let after = texts.withText(slot) { batch.append($0 ?? UnsafeRawBufferPointer(start: nil, count: 0)) }
                let record = batch.append(view.bytes)
                let previous = prev.withUnsafeBytes { batch.append($0) }
                batch.jobs.append(TextJob(seq: seq, version: versions[slot], record: record, prev: previous, before: before, after: after))
                if batch.jobs.count == batchSize {
                    try body(batch)
                    batch = TextJobBatch()
                }
            } else {
                texts.merge(slot, view.payload)
            }
            prev.withUnsafeMutableBytes { $0.copyMemory(from: view.hash) }
            if view.offset & 0xFFFF == 0 { progress?(view.offset, total) }
            return true
        }
        if !batch.jobs.isEmpty { try body(batch) }
        progress?(total, total)
        return seq
    }
}

/// Rows to make from text: the records' bytes and the states' texts end to end in one buffer.
struct TextJobBatch: Sendable {
    var bytes: [UInt8] = []
    var jobs: [TextJob] = []

    /// Copies `part` to the end of the buffer and returns where it went.
    @inline(__always)
    mutating func append(_ part: UnsafeRawBufferPointer) -> Range<Int> {
        let start = bytes.count
        bytes.append(contentsOf: part)
        return start..<bytes.count
    }
}

/// One row to make from text: where its parts are in the batch's buffer.
struct TextJob: Sendable {
    var seq: Int
    var version: Int
    /// The record's bytes (a ``RecordView`` reads them).
    var record: Range<Int>
    /// The chain hash of the record before it (32 bytes).
    var prev: Range<Int>
    /// The state before the event (nil: the record did not exist).
    var before: Range<Int>?
    /// The state after it.
    var after: Range<Int>
}

extension ExportPlan {
    /// Makes a batch of rows folded on text, as ``renderBatch(_:lines:wantsLines:_:)`` makes rows folded
    /// on trees: the same bytes. JSON Lines rows are written from the record's bytes; CSV and Markdown
    /// rows go through ``GeneratedRow``.
    func renderTextBatch(_ batch: TextJobBatch, lines: RowLine, wantsLines: Bool) -> RenderedBatch {
        batch.bytes.withUnsafeBytes { bytes in
            var diff = TextDiff()
            var summary: [UInt8] = []
            guard lines.format == .jsonl else {
                return renderBatch(batch.jobs, lines: lines, wantsLines: wantsLines) { job in
                    let view = RecordView(TextJob.part(bytes, job.record))
                    let shown = shownParts(job, view: view, in: bytes, diff: &diff, summary: &summary)
                    return GeneratedRow(seq: job.seq, record: view.record(), version: job.version, actor: shown.actor,
                                        summary: String(decoding: summary, as: UTF8.self), prev: ChainHash(bytes: Array(TextJob.part(bytes, job.prev))),
                                        data: shown.data, state: shown.state)
                }
            }
            var times = RowTimeCaches()
            var out = RenderedBatch()
            out.contents.reserveCapacity(batch.jobs.count * 32)
            out.ends.reserveCapacity(batch.jobs.count)
            if wantsLines { out.text.reserveCapacity(batch.jobs.count * 512) }
            var canonical: [UInt8] = []
            canonical.reserveCapacity(1024)
            for job in batch.jobs {
                let view = RecordView(TextJob.part(bytes, job.record))
                let shown = shownParts(job, view: view, in: bytes, diff: &diff, summary: &summary)
                canonical.removeAll(keepingCapacity: true)
                summary.withUnsafeBytes { summaryText in
                    var actor = shown.actor
                    actor.withUTF8 { actorText in
                        CanonicalBytes.row(seq: job.seq, offset: view.offset, logTime: Timestamp(microseconds: view.logTime),
                                           eventTime: Timestamp(microseconds: view.eventTime), key: view.key, type: view.type, id: view.id,
                                           version: job.version, actor: UnsafeRawBufferPointer(actorText), summary: summaryText,
                                           hash: view.hash, prev: TextJob.part(bytes, job.prev), into: &canonical, times: &times)
                    }
                }
                CanonicalBytes.optionalColumns(data: shown.data, state: shown.state, columns: columns, into: &canonical)
                canonical.withUnsafeBytes { ChainHashing.append(hashOf: $0, to: &out.contents) }
                if wantsLines { RowLine.appendJSONL(canonical: canonical, to: &out.text) }
                out.ends.append(out.text.count)
            }
            return out
        }
    }

    /// The parts of a row made from text besides the record's own fields: its summary (into `summary`:
    /// from the texts where ``TextDiff`` can tell, else from the parsed states), actor, data and state.
    private func shownParts(_ job: TextJob, view: RecordView, in bytes: UnsafeRawBufferPointer, diff: inout TextDiff,
                            summary: inout [UInt8]) -> (actor: String, data: JSON?, state: JSON?) {
        let after = TextJob.part(bytes, job.after)
        let before = job.before.map { TextJob.part(bytes, $0) }
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

extension TextJob {
    @inline(__always)
    static func part(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[range])
    }
}
