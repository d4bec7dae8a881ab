import Foundation
import Testing
@testable import HindsightCore

/// `FileSystem.readAll` reads a large file (an import's input) in two halves on two cores; the bytes
/// must be the file's, in order, whatever the size's parity.
@Suite("Log: reading whole files")
struct FileReadTests {
    /// `count` bytes: 64 KiB of random bytes over and over, each 4 KiB page stamped with its number (so
    /// that pages read to the wrong place do not compare equal).
    static func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix(seed: seed)
        let tile = (0..<(1 << 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count { out.append(contentsOf: tile.prefix(count - out.count)) }
        out.withUnsafeMutableBytes { raw in
            for page in stride(from: 0, to: raw.count - 8, by: 4096) {
                raw.storeBytes(of: UInt64(page / 4096), toByteOffset: page, as: UInt64.self)
            }
        }
        return out
    }

    @Test(arguments: [0, 1, 4095, FileSystem.parallelReadBytes - 1, FileSystem.parallelReadBytes, FileSystem.parallelReadBytes + 4097])
    func aFileReadsBackWhole(size: Int) throws {
        let dir = TempDir()
        let path = dir.file("input")
        let bytes = FileReadTests.pattern(size, seed: UInt64(size) &+ 7)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let read = try FileSystem.readAll(path)
        #expect(read.count == size)
        let same = read == bytes  // compared outside #expect, which would print 64 MiB on a failure
        #expect(same, "the bytes read differ from the file's")
    }
}
