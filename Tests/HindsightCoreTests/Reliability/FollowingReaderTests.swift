import Foundation
import Testing

@testable import HindsightCore

/// A reader that follows a log (the explorer's `L`, `refresh()`) while a writer appends and rolls
/// segments must answer exactly as a reader opened afresh: what it cached about the segment that was
/// active (its running maximum time, its key and id indexes) does not hold once more records are added.
@Suite("Following reader")
struct FollowingReaderTests {
    @Test func aFollowingReaderAnswersLikeAFreshOneAcrossSegmentRolls() throws {
        let dir = TempDir("follow")
        let path = dir.file("log")
        let drafts = Drafts.random(count: 400, keys: 5, seed: 11, payloadBytes: 40)
        let keys = Set(drafts.map(\.key)).sorted()
        let writer = try LogWriter.make(path, segmentBytes: 4096)
        defer { writer.close() }
        _ = try writer.append(Array(drafts.prefix(10)))
        let follower = try LogReader(directory: path)
        var start = 10
        while start < drafts.count {
            // Use (and cache) everything the follower knows before the writer goes on.
            for key in keys { _ = try follower.offsets(forKey: key) }
            _ = try follower.offset(forID: "e0")
            _ = try follower.maxEventTime()
            _ = try follower.offset(atOrBefore: Timestamp(microseconds: 1_763_715_600_000_000 + Int64(start) * 1_500_000))
            let end = min(drafts.count, start + 23)
            _ = try writer.append(Array(drafts[start..<end]))
            start = end
            try follower.refresh()
            let fresh = try LogReader(directory: path)
            let label = "after \(end) events, \(fresh.segments.count) segments"
            #expect(follower.count == fresh.count, "\(label)")
            for key in keys { #expect(try follower.offsets(forKey: key) == fresh.offsets(forKey: key), "\(label): key \(key)") }
            #expect(try follower.maxEventTime() == fresh.maxEventTime(), "\(label)")
            for r in try fresh.records(0..<fresh.count) where r.offset % 7 == 0 {
                #expect(try follower.offset(forID: r.id) == r.offset, "\(label): id \(r.id)")
                for delta: Int64 in [-1, 0] {
                    let t = Timestamp(microseconds: r.eventTime.microseconds + delta)
                    #expect(try follower.offset(atOrBefore: t) == fresh.offset(atOrBefore: t), "\(label): time \(t.microseconds)")
                }
            }
        }
    }
}
