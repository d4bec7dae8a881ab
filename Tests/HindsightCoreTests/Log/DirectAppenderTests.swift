import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

#if canImport(Glibc)
import Glibc
#endif

/// Segment records and checkpoint files are appended to with direct I/O for their whole pages
/// (``DirectAppender``); after every append the file must hold exactly the bytes appended, as ordinary
/// writes would leave it.
@Suite("Log: direct appends")
struct DirectAppenderTests {
    @Test func everyAppendLeavesTheFileHoldingAllTheBytes() async throws {
        // Existing content of 0-9000 bytes, then appends of 0-20000 bytes (many inside one 4 KiB block).
        await propertyCheck(count: 25, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...9000)) { seed, existing in
            do {
                var rng = SplitMix(seed: UInt64(seed))
                let dir = TempDir()
                let path = dir.file("blocks")
                var expected = (0..<existing).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                #expect(FileManager.default.createFile(atPath: path, contents: Data(expected)))
                let appender = try DirectAppender(file: RawFile.openForWriting(path, create: false), size: existing)
                for _ in 0..<12 {
                    let n = rng.next() % 3 == 0 ? Int(rng.next() % 200) : Int(rng.next() % 20_000)
                    let chunk = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    try appender.append(chunk)
                    expected.append(contentsOf: chunk)
                    #expect(appender.size == expected.count)
                    let onDisk = try FileSystem.readAll(path)
                    #expect(onDisk == expected, "seed \(seed): \(onDisk.count) bytes on disk, \(expected.count) appended")
                }
                try appender.sync()
                // Where this file system takes direct writes, the appender used them throughout.
                #expect(appender.isDirect == DirectAppenderTests.takesDirectWrites(dir.file("probe")), "seed \(seed)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    /// The appender opened on a file written by another (as an import continues a segment's file)
    /// finishes its partial last page and keeps every byte before it.
    @Test func aReopenedFileKeepsItsBytes() throws {
        let dir = TempDir()
        let path = dir.file("blocks")
        let first = [UInt8](repeating: 7, count: 5000)
        let second = [UInt8](repeating: 9, count: 9000)
        do {
            let f = try RawFile.openForWriting(path, create: true)
            try DirectAppender(file: f, size: 0).append(first)
            #expect(try FileSystem.readAll(path) == first)
        }
        let again = try DirectAppender(file: RawFile.openForWriting(path, create: false), size: first.count)
        try again.append(second)
        #expect(try FileSystem.readAll(path) == first + second)
    }

    /// Whether the file system under `path` takes direct writes: an aligned one succeeds, and one at a
    /// misaligned offset is refused with EINVAL (which only `O_DIRECT` does: a wrong flag that left the
    /// descriptor writing through the page cache would accept it).
    static func takesDirectWrites(_ path: String) -> Bool {
        guard FileManager.default.createFile(atPath: path, contents: nil), let fd = DirectIO.openForWriting(path) else { return false }
        defer { close(fd) }
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, DirectIO.block, DirectIO.block) == 0, let p else { return false }
        defer { free(p) }
        memset(p, 1, DirectIO.block)
        guard pwrite(fd, p, DirectIO.block, 0) == DirectIO.block else { return false }
        let misaligned = pwrite(fd, p, DirectIO.block, 1)
        #expect(misaligned < 0 && errno == EINVAL, "a misaligned write on the O_DIRECT descriptor was not refused: the flag is not in effect")
        return misaligned < 0
    }

    /// On this project's machines (ext4) direct writes are taken, so the direct path is what the tests
    /// above check; elsewhere they check the ordinary path only, and this says so.
    @Test func directWritesAreInEffectWhereTheFileSystemHasThem() throws {
        let dir = TempDir()
        let direct = DirectAppenderTests.takesDirectWrites(dir.file("probe"))
        if !direct { print("direct appends: \(dir.path) takes no O_DIRECT writes; only the ordinary path was tested") }
        let appender = DirectAppender(file: try RawFile.openForWriting(dir.file("f"), create: true), size: 0)
        #expect(appender.isDirect == direct)
    }
}
