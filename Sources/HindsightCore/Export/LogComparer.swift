/// Compares an export's rows with what the log gives: the rows are made again from the log with the
/// manifest's range, filters, rules, actor field, columns and redaction, and compared column by column.
struct LogComparer {
    let manifest: AuditManifest
    let log: LogReader
    /// Nil when the manifest cannot be turned back into a plan (reported).
    private(set) var plan: ExportPlan?
    /// Redacted paths when the export is redacted and no key was given (compared as "redacted, not compared").
    private var keylessPaths: [JSONPointer] = []
    private var keyedPaths: [JSONPointer] = []
    private var actorOverlapsRedaction = false

    init(manifest: AuditManifest, log: LogReader, key: [UInt8]?, report: inout AuditReport) throws {
        self.manifest = manifest
        self.log = log
        let name = log.directory
        if log.count < manifest.logRecords {
            report.add(AuditProblem(kind: .log, row: nil, line: nil,
                                    message: "the log \(name) has \(log.count) records, fewer than the \(manifest.logRecords) the export was made from: it is not the log exported"))
        } else {
            let head = manifest.logRecords > 0 ? try log.record(at: manifest.logRecords - 1).hash : ChainHash.genesis
            if head.hex != manifest.headHash {
                report.add(AuditProblem(kind: .log, row: nil, line: nil,
                                        message: "the log \(name) does not hold the history exported: its record \(manifest.logRecords - 1) has chain hash \(head.hex), the export names head \(manifest.headHash)"))
            } else if log.count > manifest.logRecords {
                report.notes.append("the log has grown since the export (\(manifest.logRecords) → \(log.count) records); the export's head is still in its history")
            }
        }
        let whole = try Verifier.verify(directory: log.directory)
        if let p = whole.problem {
            report.add(AuditProblem(kind: .log, row: nil, line: nil,
                                    message: "the log \(name) is damaged at offset \(p.offset) (\(p.segment), byte \(p.position)): \(p.reason); run hindsight verify on it"))
        } else if let t = whole.tornTail {
            report.notes.append("the log ends in a torn tail of \(t.bytes) bytes after offset \(t.offset - 1) (ignored)")
        }

        let rules: Rules
        do { rules = try Rules(json: manifest.rules) } catch {
            report.add(AuditProblem(kind: .manifest, row: nil, line: nil, message: "the manifest's rules cannot be read (\(error)): the rows cannot be made again"))
            return
        }
        var actor: JSONPointer?
        if let field = manifest.actorField {
            guard let path = try? FieldPath(field) else {
                report.add(AuditProblem(kind: .manifest, row: nil, line: nil, message: "the manifest's actorField \"\(TextSafety.escape(field))\" is not a field path"))
                return
            }
            actor = path.pointer
        }
        var redactor: Redactor?
        if let info = manifest.redaction {
            var paths: [JSONPointer] = []
            for text in info.paths {
                guard let p = try? Redactor.path(text) else {
                    report.add(AuditProblem(kind: .manifest, row: nil, line: nil, message: "the manifest's redacted path \"\(TextSafety.escape(text))\" is not a path"))
                    return
                }
                paths.append(p)
            }
            if let key {
                let r = try Redactor(paths: paths, key: key)
                guard r.keyID == info.keyID else {
                    throw HindsightError(.usage, "the key file is not the one this export was redacted with (its key id is \(r.keyID), the export's \(info.keyID))",
                                         hint: "give the export's key with --redact-key-file, or leave it out to skip comparing redacted values")
                }
                redactor = r
                keyedPaths = r.paths
            } else {
                keylessPaths = paths
            }
            if let actor {
                actorOverlapsRedaction = paths.contains { p in
                    let n = min(p.tokens.count, actor.tokens.count)
                    return Array(p.tokens.prefix(n)) == Array(actor.tokens.prefix(n))
                }
            }
        } else if key != nil {
            report.notes.append("the export is not redacted; the key file is not used")
        }
        plan = ExportPlan(first: manifest.firstOffset, last: manifest.lastOffset, key: manifest.key, type: manifest.type,
                          columns: manifest.columns, actor: actor, summaryWidth: manifest.summaryWidth, redactor: redactor, rules: rules)
    }

    /// Makes the expected rows in order.
    func run(progress: (@Sendable (Int64, Int64) -> Void)?, _ body: (AuditRow, RowSource?) throws -> Void) throws {
        guard let plan else { return }
        var generator = RowGenerator(log: log, plan: plan)
        generator.wantsSource = true
        try generator.run(progress: progress) { row, source in
            try body(row.auditRow(), source)
            return true
        }
    }

    /// `expected` with the tokens of `actual` put at the redacted paths where the log has a value, and
    /// how many were put (values that cannot be compared without the key).
    private func substitute(_ expected: JSON?, _ actual: JSON?) -> (JSON?, Int) {
        guard var e = expected, let actual else { return (expected, 0) }
        var n = 0
        for p in keylessPaths where p.resolve(in: e) != nil {
            if let token = p.resolve(in: actual), let t = token.stringValue, Redactor.isToken(t), let replaced = try? e.setting(p, to: token) {
                e = replaced
                n += 1
            }
        }
        return (e, n)
    }

    private static func shown(_ s: String) -> String {
        var out: [UInt8] = []
        JSONSerializer.writeString(TextSafety.truncate(s, toWidth: 60), into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares one row with the log's; a difference is one problem naming the row, its line and the columns.
    func compare(expected: AuditRow, source: RowSource?, actual: AuditRow, line: Int, report: inout AuditReport) {
        report.rowsCompared += 1
        var differences: [String] = []
        func check(_ column: String, _ a: String, _ e: String) {
            if a != e { differences.append("\(column) (export \(Self.shown(a)), log \(Self.shown(e)))") }
        }
        check("offset", String(actual.offset), String(expected.offset))
        check("logTime", actual.logTime, expected.logTime)
        check("eventTime", actual.eventTime, expected.eventTime)
        check("key", actual.key, expected.key)
        check("type", actual.type, expected.type)
        check("id", actual.id, expected.id)
        check("version", String(actual.version), String(expected.version))
        check("hash", actual.hash, expected.hash)
        check("prev", actual.prev, expected.prev)
        let keyless = !keylessPaths.isEmpty
        if actual.actor != expected.actor {
            if keyless && actorOverlapsRedaction && actual.actor.contains(Redactor.tokenPrefix) {
                report.redactedNotCompared += 1
            } else {
                check("actor", actual.actor, expected.actor)
            }
        }
        if actual.summary != expected.summary {
            if keyless && (Redactor.touches(source?.before, paths: keylessPaths) || Redactor.touches(source?.after, paths: keylessPaths)) {
                report.redactedSummariesNotCompared += 1
            } else {
                check("summary", actual.summary, expected.summary)
            }
        }
        for column in ["data", "state"] where (column == "data" ? manifest.columns.includeData : manifest.columns.includeState) {
            let a = column == "data" ? actual.data : actual.state
            var e = column == "data" ? expected.data : expected.state
            if keyless {
                let (substituted, n) = substitute(e, a)
                e = substituted
                report.redactedNotCompared += n
            } else if !keyedPaths.isEmpty, let raw = column == "data" ? source?.data : source?.after {
                report.redactedCompared += keyedPaths.filter { $0.resolve(in: raw) != nil }.count
            }
            if (a ?? .null) != (e ?? .null) {
                differences.append("\(column) (export \(TextSafety.truncate(JSONSerializer.compact(a ?? .null), toWidth: 60)), log \(TextSafety.truncate(JSONSerializer.compact(e ?? .null), toWidth: 60)))")
            }
        }
        if !differences.isEmpty {
            report.add(AuditProblem(kind: .mismatch, row: actual.seq, line: line,
                                    message: "row \(actual.seq) (line \(line), offset \(expected.offset)) does not match the log: " + differences.joined(separator: "; ")))
        }
    }
}
