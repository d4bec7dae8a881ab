import Foundation
import Testing

@testable import HindsightCore

/// Random damage to segments and indexes (issue 7): flip, zero and truncate bytes at random positions,
/// then check that readers neither crash nor hang and never return a wrong record, that `verify`
/// detects every change to the records, and that damaged indexes are rebuilt (reads still right).
///
/// `HINDSIGHT_CORRUPTION_TRIALS` (default 1000) and `HINDSIGHT_CORRUPTION_SEED` change the run;
/// `.ci/corruption-trials` runs a long one. The seed is printed when a trial fails.
@Suite("Corruption trials", .timeLimit(.minutes(5)))
struct CorruptionTrialTests {
    /// What the undamaged log holds, computed by scanning it.
    struct Reference {
        let records: [Record]
        let head: ChainHash
        let versions: [String: [Int64]]
        /// (time, the last offset whose running-maximum event time is at or before it).
        let times: [(Timestamp, Int64?)]
        let files: [String: [UInt8]]
    }

    enum Mutation: CustomStringConvertible {
        case flip(at: Int, mask: UInt8)
        case zero(at: Int, count: Int)
        case truncate(to: Int)
        case remove

        var description: String {
            switch self {
            case .flip(let at, let mask): return "flip byte \(at) ^ 0x\(String(mask, radix: 16))"
            case .zero(let at, let count): return "zero \(count) bytes at \(at)"
            case .truncate(let size): return "truncate to \(size) bytes"
            case .remove: return "remove"
            }
        }

        func apply(_ bytes: [UInt8]) -> [UInt8]? {
            var b = bytes
            switch self {
            case .flip(let at, let mask): b[at] ^= mask
            case .zero(let at, let count): for i in at..<min(b.count, at + count) { b[i] = 0 }
            case .truncate(let size): b.removeLast(b.count - size)
            case .remove: return nil
            }
            return b
        }
    }

    /// Tallies for the report.
    struct Tally: CustomStringConvertible {
        var trials = 0
        var recordChanges = 0
        var detectedByVerify = 0
        var indexChanges = 0
        var openRefused = 0
        var readErrors = 0
        /// Index trials that gave at least one wrong answer, by file kind; the first message of each.
        var wrongByKind: [String: Int] = [:]
        var indexTrialsByKind: [String: Int] = [:]
        var wrongIndexAnswers: [String] = []
        var description: String {
            let kinds = indexTrialsByKind.keys.sorted().map { "\($0) \(wrongByKind[$0] ?? 0)/\(indexTrialsByKind[$0] ?? 0)" }.joined(separator: ", ")
            return "\(trials) trials: \(recordChanges) changed segments (verify detected \(detectedByVerify); \(openRefused) opens and \(readErrors) scans "
                + "refused with a clear error, no wrong record returned), \(indexChanges) changed indexes (trials with a wrong answer by kind: \(kinds))"
        }
    }

    static func makeLog(_ dir: TempDir, count: Int = 160) throws -> (String, Reference) {
        let path = dir.file("log")
        let writer = try LogWriter.make(path, segmentBytes: 8192)
        let drafts = Drafts.random(count: count, keys: 7, seed: 2026, payloadBytes: 30)
        _ = try writer.append(Array(drafts.prefix(count / 2)))
        _ = try writer.append(Array(drafts.dropFirst(count / 2)))
        writer.close()
        let reader = try LogReader(directory: path)
        #expect(reader.segments.count >= 3, "the trial log should have sealed segments and an active one")
        let records = try reader.records(0..<reader.count)
        var versions: [String: [Int64]] = [:]
        for r in records { versions[r.key, default: []].append(r.offset) }
        var times: [(Timestamp, Int64?)] = []
        var runningMax: [Int64] = []
        for r in records { runningMax.append(max(runningMax.last ?? Int64.min, r.eventTime.microseconds)) }
        for r in records.enumerated().filter({ $0.offset % 11 == 0 }).map(\.element) {
            for delta: Int64 in [-1, 0, 1] {
                let t = r.eventTime.microseconds + delta
                times.append((Timestamp(microseconds: t), runningMax.lastIndex { $0 <= t }.map(Int64.init)))
            }
        }
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path) where name != ".lock" {
            files[name] = try FileSystem.readAll(path + "/" + name)
        }
        return (path, Reference(records: records, head: records.last?.hash ?? .genesis, versions: versions, times: times, files: files))
    }

    static func randomMutation(of bytes: [UInt8], index: Bool, using rng: inout SplitMix) -> Mutation {
        guard !bytes.isEmpty else { return .remove }
        let at = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<(index ? 10 : 9), using: &rng) {
        case 0..<5: return .flip(at: at, mask: UInt8.random(in: 1...255, using: &rng))
        case 5..<7: return .zero(at: at, count: Int.random(in: 1...16, using: &rng))
        case 7..<9: return .truncate(to: at)
        default: return .remove
        }
    }

    @Test func randomDamageToSegmentsAndIndexes() throws {
        let env = ProcessInfo.processInfo.environment
        let trials = Int(env["HINDSIGHT_CORRUPTION_TRIALS"] ?? "") ?? 1000
        let seed = UInt64(env["HINDSIGHT_CORRUPTION_SEED"] ?? "") ?? 0xC0DE_2026
        let dir = TempDir("corrupt")
        let (path, reference) = try CorruptionTrialTests.makeLog(dir)
        var rng = SplitMix(seed: seed)
        var tally = Tally()
        let names = reference.files.keys.filter { $0 != LogMeta.fileName }.sorted()
        let segmentNames = names.filter { $0.hasSuffix(".log") }
        let start = Date()
        for trial in 0..<trials {
            // Half the trials hit segments, the rest the four kinds of index.
            let name = Bool.random(using: &rng) ? segmentNames.randomElement(using: &rng) ?? "" : names.randomElement(using: &rng) ?? ""
            guard let original = reference.files[name] else { continue }
            let isSegment = name.hasSuffix(".log")
            let mutation = CorruptionTrialTests.randomMutation(of: original, index: !isSegment, using: &rng)
            let damaged = mutation.apply(original)
            if damaged == original { continue }
            let label = "trial \(trial) (seed \(seed)): \(name): \(mutation)"
            let file = path + "/" + name
            if let damaged { try FileSystem.writeAtomically(file, damaged) } else { FileSystem.remove(file) }
            defer { try? FileSystem.writeAtomically(file, original) }
            tally.trials += 1
            if isSegment {
                tally.recordChanges += 1
                try checkDamagedSegment(path, reference, label, &tally)
                if let damaged { try checkTornTailIsGenuine(path, name: name, original: original, damaged: damaged, label) }
            } else {
                tally.indexChanges += 1
                let kind = String(name.split(separator: ".").last ?? "")
                tally.indexTrialsByKind[kind, default: 0] += 1
                let before = tally.wrongIndexAnswers.count
                try checkDamagedIndex(path, reference, label, &tally)
                if tally.wrongIndexAnswers.count > before {
                    tally.wrongByKind[kind, default: 0] += 1
                    tally.wrongIndexAnswers.removeSubrange((before + 1)...)
                }
            }
        }
        print("corruption trials (seed \(seed)): \(tally) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        #expect(tally.trials >= trials * 9 / 10)
        #expect(tally.detectedByVerify == tally.recordChanges, "verify missed damage to records")
        // Readers check what an index says against the records they read (the key and id indexes also
        // carry a checksum), so a damaged index never gives a wrong answer.
        #expect(tally.wrongIndexAnswers.isEmpty, "\(tally.wrongIndexAnswers.count) trials gave wrong answers; first: \(tally.wrongIndexAnswers.prefix(5).joined(separator: "\n"))")
    }

    /// Damage in a segment: opening and reading either fail with a clear error or return exactly the
    /// original records; verify reports a problem, a torn tail or a different (shorter) history.
    func checkDamagedSegment(_ path: String, _ reference: Reference, _ label: String, _ tally: inout Tally) throws {
        let report: VerifyReport
        do { report = try Verifier.verify(directory: path) } catch let e as HindsightError {
            Issue.record("\(label): verify threw instead of reporting: \(e)")
            return
        }
        if !report.isWhole || report.headHash != reference.head {
            tally.detectedByVerify += 1
        } else {
            Issue.record("\(label): verify found the log whole with the original head")
        }
        let reader: LogReader
        do { reader = try LogReader(directory: path) } catch is HindsightError {
            tally.openRefused += 1
            return
        }
        var offset: Int64 = 0
        do {
            try reader.forEach(from: 0) { r in
                #expect(offset < Int64(reference.records.count) && r == reference.records[Int(offset)], "\(label): a scan returned a wrong record at \(offset)")
                offset += 1
                return true
            }
        } catch is HindsightError {
            tally.readErrors += 1
        }
        for o in stride(from: Int64(0), to: reader.count, by: 7) {
            if let r = try? reader.record(at: o) {
                #expect(r == reference.records[Int(o)], "\(label): record(at: \(o)) returned a wrong record")
            }
        }
        for (key, versions) in reference.versions.prefix(3) {
            if let found = try? reader.offsets(forKey: key) {
                #expect(Set(found).isSubset(of: Set(versions)), "\(label): offsets(forKey: \(key)) returned another key's records")
            }
        }
        _ = try? reader.offset(atOrBefore: reference.times.first?.0 ?? Timestamp(microseconds: 0))
        _ = try? Replayer(log: reader, rules: .mergeAll).states(at: max(0, reader.count - 1))
    }

    /// A reader calls the end of a segment a torn tail (which the next writer cuts) only when no intact
    /// record follows the bad bytes: damage with whole records after it (a damaged length field too) is
    /// damage, never cut.
    func checkTornTailIsGenuine(_ path: String, name: String, original: [UInt8], damaged: [UInt8], _ label: String) throws {
        guard let reader = try? LogReader(directory: path), case .torn(let segment, let position, _) = reader.tail,
            segment.hasSuffix("/" + name)
        else { return }
        var q = 0
        while q + 4 <= original.count {
            let size = Int(UInt32(original[q]) | UInt32(original[q + 1]) << 8 | UInt32(original[q + 2]) << 16 | UInt32(original[q + 3]) << 24) + 4
            if q > position && q + size <= damaged.count && damaged[q..<(q + size)] == original[q..<(q + size)] {
                Issue.record("\(label): the reader calls the bytes from \(position) a torn tail, but the intact record at byte \(q) follows")
                return
            }
            q += size
        }
    }

    /// Damage in a derived index: the records are intact, so every read must give the original answer.
    func checkDamagedIndex(_ path: String, _ reference: Reference, _ label: String, _ tally: inout Tally) throws {
        let report = try Verifier.verify(directory: path)
        #expect(report.isWhole && report.headHash == reference.head && report.records == Int64(reference.records.count),
                "\(label): verify blamed the records for a damaged index")
        let reader = try LogReader(directory: path)
        #expect(reader.count == Int64(reference.records.count), "\(label): the reader sees \(reader.count) records")
        #expect(try reader.records(0..<reader.count) == reference.records, "\(label): a scan returned wrong records")
        for o in stride(from: Int64(0), to: reader.count, by: 5) {
            do {
                let r = try reader.record(at: o)
                if r != reference.records[Int(o)] { tally.wrongIndexAnswers.append("\(label): record(at: \(o)) is offset \(r.offset)") }
            } catch {
                tally.wrongIndexAnswers.append("\(label): record(at: \(o)) threw \(error)")
            }
        }
        for (key, versions) in reference.versions {
            let found = try? reader.offsets(forKey: key)
            if found != versions { tally.wrongIndexAnswers.append("\(label): offsets(forKey: \(key)) = \(found.map { "\($0)" } ?? "error"), expected \(versions)") }
        }
        for r in reference.records where r.offset % 9 == 0 {
            let found = Result(catching: { try reader.offset(forID: r.id) }).success
            if found != r.offset { tally.wrongIndexAnswers.append("\(label): offset(forID: \(r.id)) = \(String(describing: found)), expected \(r.offset)") }
        }
        for (time, expected) in reference.times {
            let found = Result(catching: { try reader.offset(atOrBefore: time) }).success
            if found != expected { tally.wrongIndexAnswers.append("\(label): offset(atOrBefore: \(time.microseconds)) = \(String(describing: found)), expected \(String(describing: expected))") }
        }
    }

    /// A damaged record inside the last segment (valid records after it) plus a torn tail: the reader
    /// reports the damage, not just the torn tail, and the next writer refuses the log instead of cutting
    /// the tail and appending after the damage (found by fuzz-record; see docs/RELIABILITY.md).
    @Test func damageBeforeATornTailIsNotHiddenByIt() throws {
        let dir = TempDir("damage-torn")
        let path = dir.file("log")
        let writer = try LogWriter.make(path)
        _ = try writer.append(Drafts.random(count: 12, keys: 3, seed: 5))
        writer.close()
        let segment = path + "/00000000000000000000.log"
        var bytes = try FileSystem.readAll(segment)
        bytes[60] ^= 0x40  // inside record 0: its checksum fails, records 1... are valid
        try FileSystem.writeAtomically(segment, bytes + [0x50, 0, 0, 0, 1, 2, 3])  // and a torn tail
        let report = try Verifier.verify(directory: path)
        #expect(report.problem?.offset == 0, "verify names the damage")
        let reader = try LogReader(directory: path)
        if case .damaged(_, let offset, _) = reader.tail {
            #expect(offset == 0)
        } else {
            Issue.record("the reader's tail is \(reader.tail), not the damage at offset 0")
        }
        let before = try FileSystem.readAll(segment)
        do {
            let w = try LogWriter.make(path)
            w.close()
            Issue.record("a writer opened a log with a damaged record")
        } catch let e as HindsightError {
            #expect(e.code == .corrupt)
            #expect(e.message.contains("00000000000000000000.log") && e.message.contains("offset 0"), "\(e.message)")
            #expect(e.hint?.contains("hindsight verify") ?? false)
        }
        #expect(try FileSystem.readAll(segment) == before, "the refused writer changed the segment")
    }

    /// A damaged length field in the active segment (too large, too small, or zero) makes the records
    /// after it unframeable from it; they are still there, so it is damage (verify exit 3, the writer
    /// refuses), not a torn tail that the next writer would cut with every record after it.
    @Test func aDamagedLengthFieldIsNotATornTail() throws {
        for (n, length) in [UInt32(0xFFFF_FF00), 0x0010_0000, 3, 0, 200].enumerated() {
            let dir = TempDir("length-\(n)")
            let path = dir.file("log")
            let writer = try LogWriter.make(path)
            _ = try writer.append(Drafts.random(count: 20, keys: 3, seed: 7))
            writer.close()
            let segment = path + "/00000000000000000000.log"
            let original = try FileSystem.readAll(segment)
            let reader0 = try LogReader(directory: path)
            let victim = try reader0.locate(5).position
            var bytes = original
            withUnsafeBytes(of: length.littleEndian) { for i in 0..<4 { bytes[victim + i] = $0[i] } }
            try FileSystem.writeAtomically(segment, bytes)
            let report = try Verifier.verify(directory: path)
            #expect(report.problem?.offset == 5 && report.tornTail == nil, "length \(length): \(String(describing: report.problem)) \(String(describing: report.tornTail))")
            let reader = try LogReader(directory: path)
            guard case .damaged(_, let offset, _) = reader.tail else {
                Issue.record("length \(length): the reader's tail is \(reader.tail)")
                continue
            }
            #expect(offset == 5)
            #expect(try reader.records(0..<5) == reader0.records(0..<5))
            #expect(throws: HindsightError.self) { let w = try LogWriter.make(path); w.close() }
            #expect(try FileSystem.readAll(segment) == bytes, "length \(length): the refused writer changed the segment")
        }
    }

    /// Indexes left behind by an earlier state of the log (a copy restored from a backup, a crash between
    /// appending records and writing index entries) are not trusted beyond what they cover; the next
    /// writer rewrites them.
    @Test func staleIndexesAreRebuiltTransparently() throws {
        let dir = TempDir("stale")
        let path = dir.file("log")
        let drafts = Drafts.random(count: 300, keys: 5, seed: 99, payloadBytes: 60)
        let w1 = try LogWriter.make(path, segmentBytes: 16384)
        _ = try w1.append(Array(drafts.prefix(100)))
        w1.close()
        var stale: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path) where !name.hasSuffix(".log") && name.hasPrefix("0") {
            stale[name] = try FileSystem.readAll(path + "/" + name)
        }
        let w2 = try LogWriter.make(path)
        _ = try w2.append(Array(drafts.dropFirst(100)))
        w2.close()
        let expected = try LogReader(directory: path).records(0..<300)
        for (name, bytes) in stale { try FileSystem.writeAtomically(path + "/" + name, bytes) }
        let reader = try LogReader(directory: path)
        #expect(reader.count == 300)
        #expect(try reader.records(0..<300) == expected)
        for o in stride(from: Int64(0), to: 300, by: 13) { #expect(try reader.record(at: o) == expected[Int(o)]) }
        for key in Set(expected.map(\.key)) {
            #expect(try reader.offsets(forKey: key) == expected.filter { $0.key == key }.map(\.offset), "key \(key)")
        }
        #expect(try reader.offset(forID: expected[250].id) == 250)
        // The next writer repairs them on disk: verify has no index notes afterwards.
        try LogWriter.make(path).close()
        #expect(try Verifier.verify(directory: path).indexNotes == [])
        #expect(try LogReader(directory: path).records(0..<300) == expected)
    }
}
