import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

@Suite("Find folded on text")
struct TextFindTests {
    // MARK: Paths on text

    /// A JSON text with random spacing, repeated and escaped member names, names that are equal only as
    /// `String`s (the Kelvin sign and K, a precomposed and a combining é) and nested containers.
    static func randomText(_ rng: inout SplitMix, depth: Int = 0) -> String {
        let names = ["a", "b", "K", "\u{212A}", "\\u0061", "\u{E9}", "e\u{301}", "0", "a b", "\\\"q"]
        func space(_ rng: inout SplitMix) -> String { ["", "", " ", "\n  "][Int.random(in: 0..<4, using: &rng)] }
        let kind = depth >= 3 ? Int.random(in: 2..<7, using: &rng) : Int.random(in: 0..<7, using: &rng)
        switch kind {
        case 0, 1:
            let n = Int.random(in: 0...4, using: &rng)
            let members = (0..<n).map { _ in
                "\"\(names[Int.random(in: 0..<names.count, using: &rng)])\"\(space(&rng)):\(space(&rng))\(randomText(&rng, depth: depth + 1))"
            }
            return "{" + space(&rng) + members.joined(separator: "," + space(&rng)) + space(&rng) + "}"
        case 2:
            let n = Int.random(in: 0...3, using: &rng)
            return "[" + (0..<n).map { _ in space(&rng) + randomText(&rng, depth: depth + 1) }.joined(separator: ",") + "]"
        case 3: return ["1", "-0", "2.5e1", "25", "0"][Int.random(in: 0..<5, using: &rng)]
        case 4: return ["\"x\"", "\"\\u0078\"", "\"]}\\\\\"", "\"\u{E9}\""][Int.random(in: 0..<4, using: &rng)]
        case 5: return ["true", "false"][Int.random(in: 0..<2, using: &rng)]
        default: return "null"
        }
    }

    static func randomSteps(_ rng: inout SplitMix) -> [WatchPath.Step] {
        let names = ["a", "b", "K", "\u{212A}", "\u{E9}", "e\u{301}", "0", "a b", "\"q", "missing"]
        return (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: return .index(Int.random(in: -2...2, using: &rng))
            case 1: return .all
            default: return .member(names[Int.random(in: 0..<names.count, using: &rng)])
            }
        }
    }

    @Test func pathsOnTextReachWhatTheyReachOnTheParsedText() async throws {
        await propertyCheck(count: 400, input: Gen.int(in: 0...Int.max / 2)) { seed in
            var rng = SplitMix(seed: UInt64(seed))
            let text = Self.randomText(&rng)
            guard let tree = try? JSONParser.parse(text) else {
                Issue.record("the generator made invalid JSON: \(text)")
                return
            }
            for _ in 0..<8 {
                let path = WatchPath(root: .state, steps: Self.randomSteps(&rng), text: "p")
                let onText = Array(text.utf8).withUnsafeBytes { path.values(inText: $0) }
                #expect(onText == path.values(in: tree), "\(path.steps) in \(text)")
            }
        }
    }

    @Test func repeatedAndEquivalentNamesMeanTheLastValue() throws {
        func values(_ text: String, _ steps: [WatchPath.Step]) -> [JSON] {
            Array(text.utf8).withUnsafeBytes { WatchPath(root: .state, steps: steps, text: "p").values(inText: $0) }
        }
        #expect(values(#"{"a":1,"b":2,"a":3}"#, [.member("a")]) == [3])
        #expect(values(#"{"K":1,"\u212A":2}"#, [.member("K")]) == [2])
        #expect(values(#"{"\u0061":{"b":[1,2,3]}}"#, [.member("a"), .member("b"), .index(-1)]) == [3])
        #expect(values(#" { "a" : [ {"b":1} , {"b":2} ] } "#, [.member("a"), .all, .member("b")]) == [1, 2])
        #expect(values(#"{"a":1,"a":2}"#, [.all]) == [2])
        #expect(values(#"{"a":1}"#, [.member("a"), .member("b")]).isEmpty)
        #expect(values(#"[1]"#, [.member("a")]).isEmpty)
        #expect(values(#"{"a":"}"}"#, [.member("a")]) == ["}"])
        #expect(WatchPath(root: .state, steps: [], text: "p").values(inText: nil).isEmpty)
    }

    // MARK: Scans

    /// Events whose payloads set, change, nest and delete (null) members, over `keys` keys.
    static func drafts(count: Int, keys: Int, seed: UInt64) -> [EventDraft] {
        var rng = SplitMix(seed: seed)
        var time: Int64 = 1_763_715_600_000_000
        return (0..<count).map { i in
            time += Int64.random(in: 0...2_000_000, using: &rng)
            let amount = Int.random(in: 1...100, using: &rng)
            var members = ["\"amount\":\(amount)"]
            if Int.random(in: 0..<3, using: &rng) == 0 { members.append("\"owner\":{\"name\":\"n\(amount % 5)\",\"city\":null}") }
            if Int.random(in: 0..<4, using: &rng) == 0 { members.append("\"tags\":[\(amount % 3),\(amount % 2)]") }
            if Int.random(in: 0..<6, using: &rng) == 0 { members.append("\"tags\":null") }
            if Int.random(in: 0..<9, using: &rng) == 0 { members.append("\"amount\":null") }
            return EventDraft(id: "e\(i)", key: "k\(Int.random(in: 0..<keys, using: &rng))", type: ["DEPOSIT", "MOVED"][amount % 2],
                              eventTime: Timestamp(microseconds: time), payload: Array(("{" + members.joined(separator: ",") + "}").utf8))
        }
    }

    static let expressions = [
        "amount < 10", "amount > 90 and tags[*] == 1", "changed(amount) and event.data.amount > 90",
        "exists(owner) and not (amount > 50)", "before.amount > amount", "owner.name == \"n3\"", "tags[-1] == 0",
        "not exists(amount)",
    ]

    /// A timeline that merges every event, with checkpoints stored every 16 records.
    func timeline(_ dir: TempDir, seed: UInt64) throws -> Timeline {
        let writer = try LogWriter(directory: dir.file("log"), segmentBytes: 8000, checkpointInterval: 16)
        _ = try writer.append(Self.drafts(count: 240, keys: 7, seed: seed))
        writer.close()
        return Timeline(replayer: Replayer(log: try LogReader(directory: dir.file("log")), rules: .mergeAll, checkpointInterval: 16))
    }

    @Test func findOnTextMatchesABruteForceReference() async throws {
        await propertyCheck(count: 10, input: Gen.int(in: 1...100_000)) { seed in
            do {
                let dir = TempDir()
                let real = try timeline(dir, seed: UInt64(seed))
                for t in [real, Timeline(replayer: real.replayer, skip: [3, 100, 101])] {
                    for text in Self.expressions {
                        let e = try WatchExpression.parse(text)
                        let all = try FindReference.transitions(e, t)
                        var rng = SplitMix(seed: UInt64(seed))
                        for _ in 0..<5 {
                            let from = Int64.random(in: 0..<240, using: &rng)
                            let want = all.first { $0.offset >= from }
                            for threshold in [1, Int.max] {
                                let got = try Finder.find(e, in: t, key: nil, from: from, backward: false, splitThreshold: threshold)
                                #expect(got?.offset == want?.offset, "\(text) from \(from), split at \(threshold)")
                                #expect(got?.after == want?.after, "\(text) from \(from)")
                            }
                            let back = try Finder.find(e, in: t, key: nil, from: from, backward: true)
                            #expect(back?.offset == all.last { $0.offset <= from }?.offset, "\(text) back from \(from)")
                        }
                    }
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func theTextScanFindsWhatTheTreeScanFinds() async throws {
        await propertyCheck(count: 10, input: Gen.int(in: 1...100_000)) { seed in
            do {
                let dir = TempDir()
                let t = try timeline(dir, seed: UInt64(seed))
                var rng = SplitMix(seed: UInt64(seed) &+ 1)
                for text in Self.expressions {
                    let e = try WatchExpression.parse(text)
                    for _ in 0..<4 {
                        let lower = Int64.random(in: 0..<240, using: &rng)
                        let range = lower..<Int64.random(in: (lower + 1)...240, using: &rng)
                        let last = Bool.random(using: &rng)
                        let start = try #require(try Finder.textStart(t, before: range.lowerBound))
                        let onText = try Finder.scanText(e, log: t.log, skip: [], start: start, range: range, last: last, cancelled: { false })
                        let onTrees = try Finder.scan(e, log: t.log, fold: t.replayer.fold, skip: [], start: try t.states(at: range.lowerBound - 1),
                                                      range: range, last: last, cancelled: { false })
                        #expect(onText?.offset == onTrees?.offset, "\(text) in \(range)")
                        #expect(onText?.before == onTrees?.before && onText?.after == onTrees?.after, "\(text) in \(range)")
                    }
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func rulesThatDoNotMergeEverythingFoldTrees() throws {
        let dir = TempDir()
        let t = try timeline(dir, seed: 9)
        let rules = try Rules.parse(Array(bankRules.utf8), name: "r")
        let banked = Timeline(replayer: Replayer(log: t.log, rules: rules))
        #expect(try Finder.textStart(banked, before: 0) == nil)
        #expect(try Finder.textStart(t, before: 100) != nil)
    }
}

/// Where a watch expression turns true, by brute force: every record folded as trees from offset 0.
enum FindReference {
    /// Every transition (offset) and the record's state after it.
    static func transitions(_ e: WatchExpression, _ t: Timeline) throws -> [(offset: Int64, after: JSON?)] {
        var map = StateMap()
        var previous: [String: Bool] = [:]
        var out: [(offset: Int64, after: JSON?)] = []
        try t.log.forEach(from: 0) { r in
            if t.skip.contains(r.offset) { return true }
            let before = map[r.key]
            let after = t.replayer.apply(r, to: before)
            map[r.key] = after
            let truth = e.evaluate(WatchContext(before: before, after: after, record: r))
            if truth && (e.isEventPredicate || !(previous[r.key] ?? false)) { out.append((r.offset, after)) }
            previous[r.key] = truth
            return true
        }
        return out
    }
}
