import Crypto

/// The result of checking a whole log.
public struct VerifyReport: Sendable {
    /// The first record that failed a check.
    public struct Problem: Sendable, Equatable {
        public var offset: Int64
        public var segment: String
        public var position: Int
        public var reason: String
    }

    public var records: Int64 = 0
    public var segments: Int = 0
    public var bytes: Int = 0
    /// The last good record's chain hash (names the verified history).
    public var headHash: ChainHash = .genesis
    public var problem: Problem?
    /// A torn tail (left by an interrupted write): the segment, its byte count, the offset the
    /// unfinished record would have had and what is wrong with it.
    public var tornTail: (segment: String, bytes: Int, offset: Int64, reason: String)?
    /// Derived-index problems: they do not make the log bad (indexes are rebuilt), but are reported.
    public var indexNotes: [String] = []

    /// Whether every record is whole and every checksum and chain link holds.
    public var isWhole: Bool { problem == nil && tornTail == nil }
}

/// Recomputes every record's checksum and the hash chain, and checks offsets and segment bases.
public enum Verifier {
    /// Verifies a log directory. `progress` gets (bytes checked, total bytes).
    public static func verify(directory: String, progress: ((Int, Int) -> Void)? = nil) throws -> VerifyReport {
        _ = try LogMeta.read(directory: directory)
        var report = VerifyReport()
        let bases = try SegmentFiles.list(directory: directory)
        report.segments = bases.count
        var expected: Int64 = 0
        var previous = ChainHash.genesis
        var total = 0
        for base in bases { total += (try? RawFile.openForReading(SegmentFiles(directory: directory, base: base).log).size()) ?? 0 }
        var done = 0
        for (n, base) in bases.enumerated() {
            let files = SegmentFiles(directory: directory, base: base)
            let segment = try SegmentFile(files: files)
            let size = try segment.file.size()
            if base != expected {
                report.problem = .init(offset: expected, segment: files.log, position: 0,
                                       reason: base > expected ? "records \(expected)..<\(base) are missing (no segment holds them)" : "segment starts at \(base), inside the previous segment")
                return report
            }
            var position = 0
            while position < size {
                let decoded = try segment.decode(at: position, expectedOffset: expected, limit: size, scan: true)
                switch decoded {
                case .record(let r, let recordSize):
                    let ok: Bool = try segment.withBytes(at: position, count: recordSize, scan: true) { raw in
                        RecordFormat.chainHash(previous: previous, body: RecordFormat.hashedBody(raw)) == r.hash
                    }
                    if !ok {
                        report.problem = .init(offset: expected, segment: files.log, position: position,
                                               reason: "the hash chain breaks: the stored hash is not SHA256(previous hash || record)")
                        return report
                    }
                    previous = r.hash
                    report.headHash = r.hash
                    report.records += 1
                    position += recordSize
                    expected += 1
                    if report.records & 0xFFFF == 0 { progress?(done + position, total) }
                case .incomplete:
                    if n == bases.count - 1, try !segment.validRecordFollows(position, offset: expected, size: size) {
                        report.tornTail = (files.log, size - position, expected, "the record is cut short")
                    } else {
                        let reason = n == bases.count - 1 ? "the record's length runs past the end of the segment and valid records follow it (a damaged length)"
                            : "the record is cut short inside a sealed segment"
                        report.problem = .init(offset: expected, segment: files.log, position: position, reason: reason)
                    }
                    return report
                case .newerVersion(let v):
                    report.problem = .init(offset: expected, segment: files.log, position: position, reason: "record format version \(v) is newer than this build reads")
                    return report
                case .corrupt(let reason):
                    // A damaged frame at the very end of the last segment with nothing valid after it is a torn tail.
                    if n == bases.count - 1, try !followedByRecord(segment, position: position, expected: expected, size: size) {
                        report.tornTail = (files.log, size - position, expected, reason)
                        return report
                    }
                    report.problem = .init(offset: expected, segment: files.log, position: position, reason: reason)
                    return report
                }
            }
            report.bytes += size
            done += size
            checkIndexes(files, base: base, count: Int(expected - base), size: size, report: &report)
        }
        progress?(total, total)
        return report
    }

    static func followedByRecord(_ f: SegmentFile, position: Int, expected: Int64, size: Int) throws -> Bool {
        if let frame = try f.frameSize(at: position, limit: size), position + frame < size,
            case .record = try f.decode(at: position + frame, expectedOffset: expected + 1, limit: size)
        {
            return true
        }
        // A damaged length field: look for any valid record after the damage.
        return try f.validRecordFollows(position, offset: expected, size: size)
    }

    /// Notes derived indexes that are missing or do not match the records (they are rebuilt when used).
    static func checkIndexes(_ files: SegmentFiles, base: Int64, count: Int, size: Int, report: inout VerifyReport) {
        let name = SegmentFiles.name(base)
        if let o = try? FileSystem.readAll(files.offsetIndex), let t = try? FileSystem.readAll(files.timeIndex) {
            if SparseIndex.decode(offsetFile: o, timeFile: t, segmentSize: size) == nil {
                report.indexNotes.append("\(name).index/.timeindex fail their sanity check (they are rebuilt when read)")
            }
        } else {
            report.indexNotes.append("\(name).index or .timeindex is missing (rebuilt when read)")
        }
        for (label, path) in [("keys", files.keys), ("ids", files.ids)] {
            guard let bytes = try? FileSystem.readAll(path), let index = HashIndex.decode(bytes, maxRelativeOffset: UInt32(max(0, count - 1))) else {
                report.indexNotes.append("\(name).\(label) is missing or damaged (rebuilt when read)")
                continue
            }
            if index.count != count && index.sorted {
                report.indexNotes.append("\(name).\(label) covers \(index.count) of \(count) records (rebuilt when read)")
            }
        }
    }
}
