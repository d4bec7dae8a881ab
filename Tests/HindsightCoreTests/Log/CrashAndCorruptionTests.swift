import Foundation
import Testing
@testable import HindsightCore

@Suite("Log: crash recovery, corruption, locking, idempotency")
struct CrashAndCorruptionTests {
    /// Writes `count` events and returns the log path and the byte range of the last record.
    func makeLog(_ dir: TempDir, count: Int = 20) throws -> (String, Range<Int>) {
        let path = dir.file("log")
        let writer = try LogWriter.make(path)
        let drafts = Drafts.random(count: count, keys: 3, seed: 42, payloadBytes: 40)
        _ = try writer.append(Array(drafts.dropLast()))
        let before = try RawFile.openForReading(path + "/00000000000000000000.log").size()
        _ = try writer.append([drafts[drafts.count - 1]])
        let after = try RawFile.openForReading(path + "/00000000000000000000.log").size()
        writer.close()
        return (path, before..<after)
    }

    @Test func cuttingTheLastRecordAtEveryByteLeavesAnOpenablePrefix() throws {
        let dir = TempDir()
        let (path, last) = try makeLog(dir)
        let segment = path + "/00000000000000000000.log"
        let original = try FileSystem.readAll(segment)
        let reference = try LogReader(directory: path).records(0..<19)
        for cut in last.lowerBound..<last.upperBound {
            let trial = dir.file("trial-\(cut)")
            try FileManager.default.copyItem(atPath: path, toPath: trial)
            try FileSystem.writeAtomically(trial + "/00000000000000000000.log", Array(original[0..<cut]))
            let reader = try LogReader(directory: trial)
            #expect(reader.count == 19, "cut at \(cut)")
            if cut == last.lowerBound {
                #expect(reader.tail == .clean)
            } else {
                #expect(reader.tail == .torn(segment: trial + "/00000000000000000000.log", position: last.lowerBound, bytes: cut - last.lowerBound))
            }
            #expect(try reader.record(at: 18) == reference[18])
            let report = try Verifier.verify(directory: trial)
            #expect(report.problem == nil)
            #expect(report.records == 19)
            #expect((report.tornTail != nil) == (cut != last.lowerBound))
            // The next writer cuts the tail and reports it; the log is whole again.
            let writer = try LogWriter.make(trial)
            #expect(writer.recoveredBytes == cut - last.lowerBound)
            writer.close()
            #expect(try Verifier.verify(directory: trial).isWhole)
            try FileManager.default.removeItem(atPath: trial)
        }
    }

    @Test func aFlippedByteIsNamedByVerify() throws {
        let dir = TempDir()
        let (path, _) = try makeLog(dir, count: 30)
        let segment = path + "/00000000000000000000.log"
        let original = try FileSystem.readAll(segment)
        // Record boundaries from the reader.
        let reader = try LogReader(directory: path)
        var starts: [Int] = []
        var position = 0
        for _ in 0..<30 {
            starts.append(position)
            position += original.withUnsafeBytes { RecordFormat.frameSize(UnsafeRawBufferPointer(rebasing: $0[position...])) } ?? 0
        }
        #expect(reader.count == 30)
        for target in [0, 5, 17, 28] {
            for delta in [4, 9, 30, 60] {
                let at = starts[target] + delta
                var damaged = original
                damaged[at] ^= 0x5A
                try FileSystem.writeAtomically(segment, damaged)
                let report = try Verifier.verify(directory: path)
                #expect(report.problem?.offset == Int64(target), "byte \(at) of record \(target): \(String(describing: report.problem))")
                #expect(report.problem?.segment == segment)
                #expect(!report.isWhole)
            }
        }
        try FileSystem.writeAtomically(segment, original)
        #expect(try Verifier.verify(directory: path).isWhole)
    }

    @Test func damageInTheLastRecordIsATornTailAndNamesItsOffset() throws {
        let dir = TempDir()
        let (path, last) = try makeLog(dir)
        let segment = path + "/00000000000000000000.log"
        var bytes = try FileSystem.readAll(segment)
        bytes[last.lowerBound + 50] ^= 1
        try FileSystem.writeAtomically(segment, bytes)
        let report = try Verifier.verify(directory: path)
        #expect(!report.isWhole)
        #expect(report.tornTail?.offset == 19)
    }

    @Test func damageFollowedByValidRecordsIsNotCutByAWriter() throws {
        let dir = TempDir()
        let (path, _) = try makeLog(dir, count: 10)
        let segment = path + "/00000000000000000000.log"
        var bytes = try FileSystem.readAll(segment)
        bytes[60] ^= 0xFF  // inside record 0
        try FileSystem.writeAtomically(segment, bytes)
        #expect(try Verifier.verify(directory: path).problem?.offset == 0)
        // The tail scan starts at the last index entry, so opening still works; reading record 0 fails clearly.
        let reader = try LogReader(directory: path)
        do {
            _ = try reader.record(at: 0)
            Issue.record("read a damaged record")
        } catch let e as HindsightError {
            #expect(e.code == .corrupt)
            #expect(e.message.contains("offset 0"))
        }
        #expect(try reader.record(at: 1).offset == 1)
    }

    @Test func aSecondWriterIsRefused() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let first = try LogWriter.make(path)
        do {
            _ = try LogWriter.make(path)
            Issue.record("a second writer opened the log")
        } catch let e as HindsightError {
            #expect(e.code == .locked)
            #expect(e.message.contains("another process"))
        }
        first.close()
        // Once the first is gone, a writer may open.
        try LogWriter.make(path).close()
    }

    @Test func duplicateIdsAreNotAppendedTwice() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let drafts = Drafts.random(count: 500, keys: 10, seed: 77)
        let w1 = try LogWriter.make(path, segmentBytes: 8192)
        let r1 = try w1.append(drafts)
        #expect(r1.appended == 500)
        // Same batch again, in the same session: nothing appended.
        let r2 = try w1.append(drafts)
        #expect(r2.appended == 0)
        #expect(r2.duplicates == 500)
        w1.close()
        // And in a new session (ids now found through the sealed segments' id indexes).
        let w2 = try LogWriter.make(path)
        let r3 = try w2.append(drafts.reversed() + drafts)
        #expect(r3.appended == 0)
        #expect(r3.duplicates == 1000)
        // Duplicates inside one batch: one append.
        let fresh = EventDraft(id: "new-1", key: "k", type: "T", eventTime: nil, payload: Array("{}".utf8))
        let r4 = try w2.append([fresh, fresh, fresh])
        #expect(r4.appended == 1)
        #expect(r4.duplicates == 2)
        w2.close()
        #expect(try LogReader(directory: path).count == 501)
    }
}
