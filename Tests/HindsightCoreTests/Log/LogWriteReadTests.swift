import Crypto
import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

@Suite("Log: write, read, segments and indexes")
struct LogWriteReadTests {
    @Test func appendsAndReadsBack() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path)
        let drafts = Drafts.random(count: 50, keys: 5, seed: 1)
        let report = try writer.append(drafts)
        #expect(report.appended == 50)
        #expect(report.duplicates == 0)
        #expect(report.firstOffset == 0)
        #expect(report.nextOffset == 50)
        writer.close()

        let reader = try LogReader(directory: path)
        #expect(reader.count == 50)
        #expect(reader.tail == .clean)
        for (i, d) in drafts.enumerated() {
            let r = try reader.record(at: Int64(i))
            #expect(r.offset == Int64(i))
            #expect(r.id == d.id)
            #expect(r.key == d.key)
            #expect(r.type == d.type)
            #expect(r.payload == d.payload)
            #expect(r.eventTime == d.eventTime)
        }
    }

    @Test func segmentsRollAtTheSizeLimitAndAreNamedByBaseOffset() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path, segmentBytes: 4096)
        _ = try writer.append(Drafts.random(count: 300, keys: 10, seed: 2))
        writer.close()
        let names = try FileSystem.list(path).filter { $0.hasSuffix(".log") }.sorted()
        #expect(names.count > 3)
        #expect(names.first == "00000000000000000000.log")
        for name in names {
            let size = try RawFile.openForReading(path + "/" + name).size()
            #expect(size <= 4096)
            #expect(name.count == 24)
        }
        let reader = try LogReader(directory: path)
        #expect(reader.count == 300)
        for s in reader.segments {
            #expect(try reader.record(at: s.base).offset == s.base)
            #expect(s.files.log.hasSuffix(SegmentFiles.name(s.base) + ".log"))
        }
    }

    @Test func emptyLogHasNoRecords() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path)
        _ = try writer.append([])
        writer.close()
        let reader = try LogReader(directory: path)
        #expect(reader.count == 0)
        #expect(try reader.headHash() == .genesis)
        #expect(try reader.offset(atOrBefore: Timestamp(microseconds: 0)) == nil)
        #expect(throws: HindsightError.self) { try reader.record(at: 0) }
    }

    @Test func appendingAcrossWriterSessionsContinuesOffsetsAndChain() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let all = Drafts.random(count: 90, keys: 4, seed: 3)
        for chunk in stride(from: 0, to: 90, by: 30) {
            let writer = try LogWriter.make(path, segmentBytes: 2048)
            let r = try writer.append(Array(all[chunk..<(chunk + 30)]))
            #expect(r.firstOffset == Int64(chunk))
            writer.close()
        }
        let reader = try LogReader(directory: path)
        #expect(reader.count == 90)
        let report = try Verifier.verify(directory: path)
        #expect(report.isWhole)
        #expect(report.records == 90)
        #expect(report.headHash == (try reader.headHash()))
    }

    @Test func chainHashIsSHA256OfPreviousHashAndBody() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path)
        _ = try writer.append(Drafts.random(count: 3, keys: 1, seed: 4))
        writer.close()
        let bytes = try FileSystem.readAll(path + "/00000000000000000000.log")
        var previous = ChainHash.genesis
        var position = 0
        for _ in 0..<3 {
            let size = bytes.withUnsafeBytes { RecordFormat.frameSize(UnsafeRawBufferPointer(rebasing: $0[position...])) } ?? 0
            #expect(size > 0)
            let record = Array(bytes[position..<(position + size)])
            let body = Array(record[8..<(size - 32)])
            let expected = Array(SHA256.hash(data: previous.bytes + body))
            #expect(Array(record[(size - 32)...]) == expected)
            previous = ChainHash(bytes: expected)
            position += size
        }
        #expect(position == bytes.count)
    }

    @Test("index lookup equals a linear scan", arguments: [1, 7, 64])
    func indexLookupMatchesScan(seed: Int) throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path, segmentBytes: 3000)
        let drafts = Drafts.random(count: 400, keys: 20, seed: UInt64(seed), payloadBytes: 200)
        _ = try writer.append(drafts)
        writer.close()
        let reader = try LogReader(directory: path)
        let scanned = try reader.records(0..<reader.count)
        #expect(scanned.count == 400)
        var rng = SplitMix(seed: UInt64(seed))
        for _ in 0..<200 {
            let o = Int64.random(in: 0..<400, using: &rng)
            #expect(try reader.record(at: o) == scanned[Int(o)])
        }
    }

    @Test func propertyIndexedReadEqualsScanAcrossSegmentSizes() async throws {
        await propertyCheck(count: 25, input: Gen.int(in: 1...1_000_000), Gen.int(in: 600...20_000)) { seed, segmentBytes in
            let dir = TempDir()
            let path = dir.file("log")
            do {
                let writer = try LogWriter(directory: path, create: true, segmentBytes: segmentBytes, clock: StepClock().clock)
                _ = try writer.append(Drafts.random(count: 120, keys: 9, seed: UInt64(seed), payloadBytes: 150))
                writer.close()
                let reader = try LogReader(directory: path)
                let scanned = try reader.records(0..<reader.count)
                for o in stride(from: Int64(119), through: 0, by: -7) {
                    #expect(try reader.record(at: o) == scanned[Int(o)])
                }
                for k in 0..<9 {
                    let key = "k\(k)"
                    #expect(try reader.offsets(forKey: key) == scanned.filter { $0.key == key }.map(\.offset))
                }
                for o in stride(from: 0, to: 120, by: 11) {
                    #expect(try reader.offset(forID: "e\(o)") == Int64(o))
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func timeLookupEqualsRunningMaxScan() async throws {
        await propertyCheck(count: 20, input: Gen.int(in: 1...1_000_000)) { seed in
            let dir = TempDir()
            let path = dir.file("log")
            do {
                let writer = try LogWriter(directory: path, create: true, segmentBytes: 2500, clock: StepClock().clock)
                let drafts = Drafts.random(count: 150, keys: 5, seed: UInt64(seed), payloadBytes: 120)
                _ = try writer.append(drafts)
                writer.close()
                let reader = try LogReader(directory: path)
                var maxima: [Int64] = []
                var m = Int64.min
                for d in drafts {
                    m = max(m, d.eventTime?.microseconds ?? 0)
                    maxima.append(m)
                }
                var rng = SplitMix(seed: UInt64(seed))
                let lo = (drafts.compactMap { $0.eventTime?.microseconds }.min() ?? 0) - 10_000_000
                let hi = m + 10_000_000
                for _ in 0..<60 {
                    let t = Int64.random(in: lo...hi, using: &rng)
                    let expected = maxima.lastIndex(where: { $0 <= t }).map(Int64.init)
                    #expect(try reader.offset(atOrBefore: Timestamp(microseconds: t)) == expected)
                }
                for (i, value) in maxima.enumerated() where i % 10 == 0 {
                    let expected = maxima.lastIndex(where: { $0 <= value }).map(Int64.init)
                    #expect(try reader.offset(atOrBefore: Timestamp(microseconds: value)) == expected)
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func missingOrDamagedIndexesAreRebuilt() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path, segmentBytes: 4000)
        _ = try writer.append(Drafts.random(count: 200, keys: 6, seed: 9, payloadBytes: 100))
        writer.close()
        let reference = try LogReader(directory: path).records(0..<200)
        let files = try FileSystem.list(path)
        for (i, name) in files.sorted().enumerated() {
            if name.hasSuffix(".index") && i % 2 == 0 { FileSystem.remove(path + "/" + name) }
            if name.hasSuffix(".timeindex") && i % 3 == 0 {
                _ = FileManager.default.createFile(atPath: path + "/" + name, contents: Data([1, 2, 3, 4, 5]))
            }
            if name.hasSuffix(".keys") && i % 2 == 1 {
                _ = FileManager.default.createFile(atPath: path + "/" + name, contents: Data(repeating: 0xFF, count: 40))
            }
        }
        let reader = try LogReader(directory: path)
        #expect(reader.count == 200)
        for o in stride(from: 0, to: 200, by: 3) { #expect(try reader.record(at: Int64(o)) == reference[o]) }
        #expect(try reader.offsets(forKey: "k1") == reference.filter { $0.key == "k1" }.map(\.offset))
        let damaged = try Verifier.verify(directory: path)
        #expect(damaged.isWhole)
        #expect(!damaged.indexNotes.isEmpty)
        // A writer repairs them on disk.
        try LogWriter.make(path).close()
        let report = try Verifier.verify(directory: path)
        #expect(report.isWhole)
        #expect(report.indexNotes.isEmpty, "\(report.indexNotes)")
    }

    @Test func staleIndexPointingPastTheDataIsNotTrusted() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path)
        _ = try writer.append(Drafts.random(count: 100, keys: 3, seed: 5, payloadBytes: 200))
        writer.close()
        let reference = try LogReader(directory: path).records(0..<100)
        // An index entry claiming offset 50 lives at byte 8 (a lie).
        var index = try FileSystem.readAll(path + "/00000000000000000000.index")
        index.replaceSubrange(8..<16, with: [50, 0, 0, 0, 8, 0, 0, 0])
        try FileSystem.writeAtomically(path + "/00000000000000000000.index", index)
        let reader = try LogReader(directory: path)
        #expect(reader.count == 100)
        for o in [0, 49, 50, 51, 99] { #expect(try reader.record(at: Int64(o)) == reference[o]) }
    }

    @Test func readerSeesAppendsAfterRefresh() throws {
        let dir = TempDir()
        let path = dir.file("log")
        let writer = try LogWriter.make(path, segmentBytes: 3000)
        _ = try writer.append(Drafts.random(count: 10, keys: 2, seed: 11))
        let reader = try LogReader(directory: path)
        #expect(reader.count == 10)
        let more = Drafts.random(count: 60, keys: 2, seed: 12).enumerated().map { i, d in
            var d = d
            d.id = "more-\(i)"
            return d
        }
        _ = try writer.append(more)
        #expect(reader.count == 10)
        #expect(try reader.refresh())
        #expect(reader.count == 70)
        #expect(try reader.record(at: 69).id == "more-59")
        #expect(try reader.offsets(forKey: "k0").count == (try reader.records(0..<70)).filter { $0.key == "k0" }.count)
        writer.close()
    }

    @Test func directoryThatIsNotALogIsRefused() throws {
        let dir = TempDir()
        dir.write("notes.txt", "hello")
        #expect(throws: HindsightError.self) { try LogReader(directory: dir.path) }
        do {
            _ = try LogWriter.make(dir.path)
            Issue.record("a writer opened a non-empty directory that is not a log")
        } catch let e as HindsightError {
            #expect(e.message.contains("not a hindsight log") || e.message.contains("not empty"))
        }
    }

    @Test func newerFormatVersionIsRefusedClearly() throws {
        let dir = TempDir()
        let path = dir.file("log")
        try LogWriter.make(path).close()
        let meta = path + "/log.json"
        let text = try String(contentsOfFile: meta, encoding: .utf8).replacingOccurrences(of: "\"format\": 1", with: "\"format\": 9")
        try text.write(toFile: meta, atomically: true, encoding: .utf8)
        do {
            _ = try LogReader(directory: path)
            Issue.record("opened a log of a newer format")
        } catch let e as HindsightError {
            #expect(e.code == .unsupported)
            #expect(e.message.contains("format 9"))
        }
    }
}
