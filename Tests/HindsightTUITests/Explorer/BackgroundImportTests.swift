import Foundation
import HindsightCore
import Testing
@testable import HindsightTUI

@Suite("Explorer: browsing a JSONL file while it is imported")
struct BackgroundImportTests {
    func makeInput(_ dir: String, events: Int, badLine: Int? = nil) -> String {
        var text = ""
        for i in 0..<events {
            if i == badLine { text += "{broken\n"; continue }
            text += #"{"id":"e\#(i)","key":"k\#(i % 7)","type":"T","time":"2026-11-21T09:00:\#(String(format: "%02d", i % 60))Z","data":{"n":\#(i)}}"# + "\n"
        }
        let path = dir + "/events.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func theListGrowsBatchByBatchAndTheLogMovesIntoTheCache() throws {
        let dir = NSTemporaryDirectory() + "hs-bg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = makeInput(dir, events: 2000)
        let options = SourceOptions(cacheDirectory: dir + "/cache")
        let pending = try #require(try LogSource.prepare(input, options: options))
        #expect(try pending.cachedLog() == nil)
        let job = BackgroundImport(pending, batchSize: 100)
        try job.start { _ in }
        let data = ExplorerData(log: try LogReader(directory: pending.staging), rules: pending.rules, name: pending.name)
        #expect(data.count >= 100)
        var state = ExplorerState(size: Size(width: 100, height: 30))
        let deadline = Date().addingTimeInterval(30)
        while state.message == nil && Date() < deadline {
            job.tick(&state, data)
            Thread.sleep(forTimeInterval: 0.005)
        }
        #expect(data.count == 2000)
        #expect(state.importStatus == nil)
        #expect(state.message?.text.contains("imported 2000 events") == true)
        #expect(!FileManager.default.fileExists(atPath: pending.staging))
        #expect(FileManager.default.fileExists(atPath: pending.directory + "/log.json"))
        #expect(data.log.directory == pending.directory)
        // The second open finds the cache.
        let again = try #require(try LogSource.prepare(input, options: options))
        #expect(try again.cachedLog()?.count == 2000)
        job.cancelAndWait()
    }

    @Test func aBadLineStopsTheImportAndSaysWhere() throws {
        let dir = NSTemporaryDirectory() + "hs-bg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = makeInput(dir, events: 1000, badLine: 700)
        let pending = try #require(try LogSource.prepare(input, options: SourceOptions(cacheDirectory: dir + "/cache")))
        let job = BackgroundImport(pending, batchSize: 100)
        try job.start { _ in }
        let data = ExplorerData(log: try LogReader(directory: pending.staging), rules: pending.rules, name: pending.name)
        var state = ExplorerState(size: Size(width: 100, height: 30))
        let deadline = Date().addingTimeInterval(30)
        while state.message == nil && Date() < deadline {
            job.tick(&state, data)
            Thread.sleep(forTimeInterval: 0.005)
        }
        #expect(state.message?.kind == .error)
        #expect(state.message?.text.contains("line 701") == true)
        #expect(data.count == 700)
        job.cancelAndWait()
        // Nothing half-imported is left in the cache.
        #expect(!FileManager.default.fileExists(atPath: pending.staging))
        #expect(!FileManager.default.fileExists(atPath: pending.directory))
    }

    @Test func quittingEarlyCancelsAndCleansUp() throws {
        let dir = NSTemporaryDirectory() + "hs-bg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = makeInput(dir, events: 3000)
        let pending = try #require(try LogSource.prepare(input, options: SourceOptions(cacheDirectory: dir + "/cache")))
        let job = BackgroundImport(pending, batchSize: 10)
        try job.start { _ in }
        job.cancelAndWait()
        #expect(!FileManager.default.fileExists(atPath: pending.staging))
        #expect(!FileManager.default.fileExists(atPath: pending.directory))
    }
}
