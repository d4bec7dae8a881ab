/// Something wrong with an audit export, naming the row and the line where it was found.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The manifest does not hash to its manifestHash, or does not fit the file.
        case manifest
        /// A line that is not a valid row.
        case malformed
        /// A row whose content does not match its rowHash (or that does not chain from the row before it).
        case edited
        /// A row of the manifest's sequence that is not in the file.
        case removed
        /// A row that is not part of the sequence (a repeat, or beyond the manifest's rows).
        case inserted
        /// A row before one that should precede it.
        case reordered
        /// The manifest's digest does not close the rows' chain.
        case digest
        /// The log is not the one exported from, or is damaged.
        case log
        /// A row that differs from what the log gives.
        case mismatch
        /// A value at a path the manifest lists as redacted that is not a redaction token.
        case unredacted
    }

    public var kind: Kind
    /// The row's seq, when the problem is about one row.
    public var row: Int?
    /// The file line, when known.
    public var line: Int?
    public var message: String

    public init(kind: Kind, row: Int?, line: Int?, message: String) {
        self.kind = kind
        self.row = row
        self.line = line
        self.message = message
    }

    public var description: String { message }
}

/// The outcome of `hindsight verify --audit`.
public struct AuditReport: Sendable {
    public var path: String
    public var format: ExportFormat
    public var manifest: AuditManifest
    /// Where the manifest was read.
    public var manifestOrigin: String
    /// Lines read as rows (valid or not).
    public var rowsRead = 0
    /// The first ``AuditVerifier/maxProblems`` problems, in file order.
    public var problems: [AuditProblem] = []
    /// How many problems were found in all.
    public var problemCount = 0
    /// Whether the rows were compared with a log.
    public var logChecked = false
    /// Rows compared with the log.
    public var rowsCompared = 0
    /// Redacted values checked by recomputing their HMAC with the key file.
    public var redactedCompared = 0
    /// Redacted values (and actors made from them) that could not be compared without the key.
    public var redactedNotCompared = 0
    /// Summaries made from redacted values that could not be compared without the key.
    public var redactedSummariesNotCompared = 0
    public var notes: [String] = []

    /// Whether every check passed.
    public var isValid: Bool { problemCount == 0 }

    mutating func add(_ p: AuditProblem) {
        problemCount += 1
        if problems.count < AuditVerifier.maxProblems { problems.append(p) }
    }
}

/// Checks an audit export on its own (its manifest, each row's digest, the sequence and the closing
/// digest) and, given the log, that every row is what the log gives. See docs/AUDIT.md.
public enum AuditVerifier {
    /// The number of problems a report keeps (it counts them all).
    public static let maxProblems = 200

    /// Verifies an export file.
    /// - Parameters:
    ///   - manifestPath: a CSV export's manifest (default `FILE.manifest.json`).
    ///   - log: the log the export was made from; every row is then compared with it.
    ///   - redactionKey: the key of a redacted export: redacted values are then compared by recomputing
    ///     their HMAC; without it they are counted as not compared.
    /// - Throws: when the file cannot be read, has no manifest, or the key is not the export's.
    public static func verify(file path: String, manifestPath: String? = nil, log: LogReader? = nil, redactionKey: [UInt8]? = nil,
                              progress: (@Sendable (Int64, Int64) -> Void)? = nil) throws -> AuditReport {
        let reader = try AuditFileReader(path: path, manifestPath: manifestPath)
        let manifest = reader.manifest
        var report = AuditReport(path: path, format: reader.format, manifest: manifest, manifestOrigin: reader.manifestOrigin)
        let computed = manifest.computedManifestHash()
        var seed = computed
        if let stored = ChainHash(hex: manifest.manifestHash) {
            seed = stored
            if stored != computed {
                report.add(AuditProblem(kind: .manifest, row: nil, line: nil,
                                        message: "the manifest (\(reader.manifestOrigin)) was edited: its fields do not hash to its manifestHash"))
            }
        } else {
            report.add(AuditProblem(kind: .manifest, row: nil, line: nil, message: "the manifest (\(reader.manifestOrigin)) has no valid manifestHash"))
        }
        if manifest.format != reader.format {
            report.add(AuditProblem(kind: .manifest, row: nil, line: nil,
                                    message: "the manifest describes a \(manifest.format.rawValue) export, but \(path) is \(reader.format.rawValue): it belongs to another export"))
        }
        let fileSize = try RawFile.openForReading(path).size()
        var chain = ChainChecker(manifest: manifest, seed: seed, fileSize: fileSize)
        if manifest.rows > chain.capacity {
            report.add(AuditProblem(kind: .manifest, row: nil, line: nil,
                                    message: "the manifest lists \(manifest.rows) rows, more than \(path) (\(fileSize) bytes) can hold: the manifest was edited"))
        }

        if let log {
            report.logChecked = true
            let comparer = try LogComparer(manifest: manifest, log: log, key: redactionKey, report: &report)
            var pending: ParsedRow? = nil
            if comparer.plan != nil {
                try comparer.run(progress: progress) { expected, source in
                    while let next = try pending ?? reader.next() {
                        pending = nil
                        guard let seq = next.seq, next.row != nil, seq >= expected.seq else {
                            chain.take(next, into: &report)
                            continue
                        }
                        if seq > expected.seq {
                            pending = next  // the expected row is missing from the file
                            return
                        }
                        chain.take(next, into: &report)
                        if let row = next.row, chain.isFirstOccurrence(seq: seq, line: next.line) {
                            comparer.compare(expected: expected, source: source, actual: row, line: next.line, report: &report)
                        }
                        return
                    }
                }
            }
            if let p = pending { chain.take(p, into: &report) }
        }
        while let next = try reader.next() { chain.take(next, into: &report) }
        chain.finish(into: &report)
        report.problems.sort { ($0.line ?? 0, $0.row ?? 0) < ($1.line ?? 0, $1.row ?? 0) }
        return report
    }
}

/// The checks of an export on its own: each row's digest against the row before it, the sequence of
/// seq numbers (missing, repeated, out-of-order rows) and the manifest's closing digest.
///
/// Memory: about 45 bytes per row of the manifest (each row's stored digest, line and place in the
/// file), plus the content of rows that are out of place (checked at the end, when the row before them is known).
struct ChainChecker {
    let manifest: AuditManifest
    let seed: ChainHash
    /// The largest seq that can be valid: the manifest's rows, bounded by what the file can hold.
    let capacity: Int
    /// The line of each seq's accepted occurrence (0: not seen).
    private var lineOf: [Int32]
    /// Whether that occurrence directly followed its predecessor and chained from it.
    private var linked: [Bool]
    private var hashes: [UInt8]
    /// Accepted rows in file order (seq, line), for the order check.
    private var order: [(seq: Int32, line: Int32)] = []
    private var deferred: [(seq: Int, line: Int, canonical: [UInt8], stored: ChainHash)] = []
    private var previousSeq = 0
    private var previousHash: ChainHash
    /// The manifest's redacted paths: their values must be tokens.
    private let redacted: [JSONPointer]

    init(manifest: AuditManifest, seed: ChainHash, fileSize: Int) {
        self.manifest = manifest
        redacted = manifest.redaction?.paths.compactMap { try? Redactor.path($0) } ?? []
        self.seed = seed
        // Every row holds three 64-digit hashes and more: at least 200 bytes.
        capacity = max(0, min(manifest.rows, fileSize / 200 + 1))
        lineOf = [Int32](repeating: 0, count: capacity + 1)
        linked = [Bool](repeating: false, count: capacity + 1)
        hashes = [UInt8](repeating: 0, count: (capacity + 1) * 32)
        previousHash = seed
    }

    private func hash(of seq: Int) -> ChainHash { ChainHash(bytes: Array(hashes[(seq * 32)..<(seq * 32 + 32)])) }

    /// Whether `line` holds the accepted occurrence of row `seq` (a repeat is not compared with the log).
    func isFirstOccurrence(seq: Int, line: Int) -> Bool { seq >= 1 && seq <= capacity && Int(lineOf[seq]) == line }

    private func rowName(_ seq: Int, _ line: Int) -> String { "row \(seq) (line \(line))" }

    private mutating func accept(seq: Int, line: Int, stored: ChainHash, linked isLinked: Bool) {
        lineOf[seq] = Int32(clamping: line)
        linked[seq] = isLinked
        hashes.replaceSubrange((seq * 32)..<(seq * 32 + 32), with: stored.bytes)
    }

    /// Checks the next row in file order.
    mutating func take(_ parsed: ParsedRow, into report: inout AuditReport) {
        report.rowsRead += 1
        let line = parsed.line
        guard let row = parsed.row, let stored = parsed.stored else {
            let reason = parsed.error ?? "it is not a row"
            if let seq = parsed.seq, seq >= 1, seq <= capacity, lineOf[seq] == 0 {
                // The seq is readable: the row is there but was damaged by an edit.
                lineOf[seq] = Int32(clamping: line)
                order.append((Int32(seq), Int32(clamping: line)))
                report.add(AuditProblem(kind: .edited, row: seq, line: line, message: "\(rowName(seq, line)) was edited: \(reason)"))
            } else {
                report.add(AuditProblem(kind: .malformed, row: nil, line: line, message: "line \(line) is not a valid row: \(reason)"))
            }
            previousSeq = -1
            return
        }
        let seq = row.seq
        defer {
            previousSeq = seq
            previousHash = stored
        }
        for p in redacted {
            for (column, document) in [("data", row.data), ("state", row.state)] {
                guard let document, let v = p.resolve(in: document) else { continue }
                if !(v.stringValue.map(Redactor.isToken) ?? false) {
                    report.add(AuditProblem(kind: .unredacted, row: seq, line: line,
                                            message: "row \(seq) (line \(line)): \(column) \(p) is not redacted, though the manifest lists it"))
                }
            }
        }
        guard seq >= 1, seq <= capacity else {
            report.add(AuditProblem(kind: .inserted, row: nil, line: line,
                                    message: "line \(line) was inserted: it holds row \(seq), but the export has rows 1…\(manifest.rows)"))
            return
        }
        let inPlace = previousSeq == seq - 1
        let isLinked = inPlace && AuditRow.chainedHash(previous: previousHash, canonical: parsed.canonical) == stored
        if lineOf[seq] != 0 {
            let earlier = Int(lineOf[seq])
            if isLinked && !linked[seq] {
                // This one sits in its place and chains: the earlier occurrence is the inserted one.
                report.add(AuditProblem(kind: .inserted, row: seq, line: earlier,
                                        message: "line \(earlier) was inserted: it repeats row \(seq) (line \(line))"))
                if let i = order.lastIndex(where: { Int($0.seq) == seq }) { order[i].line = Int32(clamping: line) }
                accept(seq: seq, line: line, stored: stored, linked: true)
            } else {
                report.add(AuditProblem(kind: .inserted, row: seq, line: line,
                                        message: "line \(line) was inserted: it repeats row \(seq) (line \(earlier))"))
            }
            return
        }
        accept(seq: seq, line: line, stored: stored, linked: isLinked)
        order.append((Int32(seq), Int32(clamping: line)))
        if inPlace {
            if !isLinked { report.add(editedProblem(seq: seq, line: line)) }
        } else {
            deferred.append((seq, line, parsed.canonical, stored))
        }
    }

    private func editedProblem(seq: Int, line: Int) -> AuditProblem {
        let message = seq == 1
            ? "\(rowName(seq, line)) was edited: its content does not match its rowHash (or the manifest's manifestHash was changed)"
            : "\(rowName(seq, line)) was edited: its content does not match its rowHash (or row \(seq - 1)'s rowHash was recomputed)"
        return AuditProblem(kind: .edited, row: seq, line: line, message: message)
    }

    /// The checks that need the whole file: rows out of place, missing rows and the digest.
    mutating func finish(into report: inout AuditReport) {
        for d in deferred where Int(lineOf[d.seq]) == d.line {
            let previous: ChainHash? = d.seq == 1 ? seed : (lineOf[d.seq - 1] != 0 ? hash(of: d.seq - 1) : nil)
            guard let previous else { continue }  // the row before it is missing: reported as removed
            if AuditRow.chainedHash(previous: previous, canonical: d.canonical) != d.stored {
                report.add(editedProblem(seq: d.seq, line: d.line))
            }
        }
        reportOrder(into: &report)
        reportMissing(into: &report)
        let last = capacity > 0 && lineOf[capacity] != 0 ? hash(of: capacity) : (capacity == 0 ? seed : nil)
        if let last, last.hex != manifest.digest, capacity == manifest.rows {
            report.add(AuditProblem(kind: .digest, row: nil, line: nil,
                                    message: "the manifest's digest does not match the rowHash of its last row (\(manifest.rows)): the manifest's rows or digest were edited"))
        }
    }

    /// Rows outside the longest run of rows in increasing order are the ones that were moved.
    private func reportOrder(into report: inout AuditReport) {
        let seqs = order.sorted { $0.line < $1.line }.map(\.seq)
        guard seqs.count > 1 else { return }
        // Longest increasing subsequence (patience sorting), keeping predecessors to recover it.
        var tails: [Int] = []
        var previous = [Int](repeating: -1, count: seqs.count)
        for (i, s) in seqs.enumerated() {
            var lo = 0, hi = tails.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if seqs[tails[mid]] < s { lo = mid + 1 } else { hi = mid }
            }
            if lo > 0 { previous[i] = tails[lo - 1] }
            if lo == tails.count { tails.append(i) } else { tails[lo] = i }
        }
        guard tails.count < seqs.count, var k = tails.last else { return }
        var inOrder = Set<Int32>()
        while k >= 0 {
            inOrder.insert(seqs[k])
            k = previous[k]
        }
        for s in seqs where !inOrder.contains(s) {
            let seq = Int(s)
            let line = Int(lineOf[seq])
            var place = ""
            if seq > 1, lineOf[seq - 1] != 0 {
                place = "it belongs after row \(seq - 1) (line \(lineOf[seq - 1]))"
            } else if seq < capacity, lineOf[seq + 1] != 0 {
                place = "it belongs before row \(seq + 1) (line \(lineOf[seq + 1]))"
            } else {
                place = "it is not in sequence"
            }
            report.add(AuditProblem(kind: .reordered, row: seq, line: line, message: "\(rowName(seq, line)) is out of order: \(place)"))
        }
    }

    private func reportMissing(into report: inout AuditReport) {
        var s = 1
        while s <= capacity {
            guard lineOf[s] == 0 else { s += 1; continue }
            var e = s
            while e + 1 <= capacity && lineOf[e + 1] == 0 { e += 1 }
            let what = s == e ? "row \(s) was removed" : "rows \(s)…\(e) were removed"
            let before = s > 1 ? Int(lineOf[s - 1]) : 0
            let after = e < capacity ? Int(lineOf[e + 1]) : 0
            let place: String
            if s == 1 && e == capacity {
                place = "the export has none of its \(manifest.rows) rows"
            } else if s == 1 {
                place = "missing before row \(e + 1) (line \(after))"
            } else if e == capacity {
                place = "missing after row \(s - 1) (line \(before)), at the end"
            } else {
                place = "missing between row \(s - 1) (line \(before)) and row \(e + 1) (line \(after))"
            }
            report.add(AuditProblem(kind: .removed, row: s, line: after != 0 ? after : nil, message: "\(what): \(place)"))
            s = e + 1
        }
    }
}
