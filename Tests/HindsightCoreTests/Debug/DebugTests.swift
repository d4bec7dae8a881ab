import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

@Suite("Watch expressions")
struct WatchExpressionTests {
    let record = Record(offset: 7, logTime: Timestamp(microseconds: 0), eventTime: Timestamp(microseconds: 1_000_000), id: "e7", key: "acct-1",
                        type: "WITHDRAW", meta: [], payload: Array(#"{"amount":20}"#.utf8), hash: .genesis)

    func eval(_ text: String, before: JSON? = ["balance": 100], after: JSON? = ["balance": 80, "owner": ["name": "Ann"], "items": [["sku": "A"], ["sku": "B"]], "frozen": false, "note": nil]) throws -> Bool {
        try WatchExpression.parse(text).evaluate(WatchContext(before: before, after: after, record: record))
    }

    @Test func comparisonsAndPaths() throws {
        #expect(try eval("balance < 100"))
        #expect(try !eval("balance >= 100"))
        #expect(try eval("balance == 80 and owner.name == \"Ann\""))
        #expect(try eval("items[0].sku == \"A\""))
        #expect(try eval("items[-1].sku == \"B\""))
        #expect(try eval("items[*].sku == \"B\""))
        #expect(try !eval("items[*].sku == \"C\""))
        #expect(try eval("items[*].sku != \"C\""))
        #expect(try eval("not frozen"))
        #expect(try eval("exists(note)"))
        #expect(try !eval("exists(missing)"))
        #expect(try !eval("missing"))
        #expect(try eval("missing == null or balance == 80"))
        #expect(try eval("owner.name > \"Al\" && balance <= 80"))
        #expect(try eval("!(balance > 80)"))
        #expect(try eval("balance == 8e1"))
    }

    @Test func eventAndBeforeAndChanged() throws {
        #expect(try eval("event.type == \"WITHDRAW\" and event.data.amount == 20"))
        #expect(try eval("event.offset == 7 and event.key == \"acct-1\""))
        #expect(try eval("before.balance == 100"))
        #expect(try eval("changed(balance)"))
        #expect(try !eval("changed(owner)", before: ["owner": ["name": "Ann"]], after: ["owner": ["name": "Ann"]]))
        #expect(try WatchExpression.parse("changed(balance)").isEventPredicate)
        #expect(try !WatchExpression.parse("balance < 0").isEventPredicate)
    }

    @Test("parse errors point at the column", arguments: [
        ("balance <", 10, "expected a value after <"),
        ("balance = 3", 9, "use == to compare"),
        ("(balance > 1", 13, "expected )"),
        ("balance > 1 xor 2", 13, "expected and, or, or the end"),
        ("owner..name", 7, "expected a field name"),
        ("\"open", 1, "unterminated string"),
        ("", 1, "empty"),
        ("items[x]", 7, "expected an index or *"),
    ])
    func parseErrors(_ text: String, _ column: Int, _ what: String) {
        do {
            _ = try WatchExpression.parse(text)
            Issue.record("accepted \(text)")
        } catch let e as HindsightError {
            #expect(e.message.contains("column \(column): "), "\(e.message)")
            #expect(e.message.contains(what), "\(e.message)")
        } catch {
            Issue.record("\(error)")
        }
    }
}

@Suite("Find, blame, cross-record diff, what-if")
struct DebugTests {
    func makeTimeline(_ dir: TempDir, count: Int = 200, keys: Int = 6, seed: UInt64 = 3, checkpoint: Int = 16) throws -> Timeline {
        let writer = try LogWriter.make(dir.file("log"), segmentBytes: 6000)
        _ = try writer.append(Drafts.random(count: count, keys: keys, seed: seed))
        writer.close()
        let rules = try Rules.parse(Array(bankRules.replacingOccurrences(of: "ERASED", with: "CLOSED").utf8), name: "r")
        return Timeline(replayer: Replayer(log: try LogReader(directory: dir.file("log")), rules: rules, checkpointInterval: checkpoint))
    }

    /// The reference: every transition of the expression, by brute force over full replays.
    func transitions(_ e: WatchExpression, _ t: Timeline) throws -> [Int64] { try FindReference.transitions(e, t).map(\.offset) }

    @Test func findMatchesABruteForceReference() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 1...100_000)) { seed in
            do {
                let dir = TempDir()
                let t = try makeTimeline(dir, seed: UInt64(seed))
                for text in ["balance < 0", "balance > 150 and tags[*] == 1", "changed(balance) and event.data.amount > 90", "exists(name) and not (balance > 0)"] {
                    let e = try WatchExpression.parse(text)
                    let all = try transitions(e, t)
                    var rng = SplitMix(seed: UInt64(seed))
                    for _ in 0..<6 {
                        let from = Int64.random(in: 0..<200, using: &rng)
                        #expect(try Finder.find(e, in: t, key: nil, from: from, backward: false)?.offset == all.first { $0 >= from }, "\(text) from \(from)")
                        #expect(try Finder.find(e, in: t, key: nil, from: from, backward: true)?.offset == all.last { $0 <= from }, "\(text) back from \(from)")
                        for k in ["k0", "k3"] {
                            let keyed = try transitions(e, t).filter { (try? t.log.record(at: $0).key) == k }
                            #expect(try Finder.find(e, in: t, key: k, from: from, backward: false)?.offset == keyed.first { $0 >= from })
                            #expect(try Finder.find(e, in: t, key: k, from: from, backward: true)?.offset == keyed.last { $0 <= from })
                        }
                    }
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func aForwardScanSplitInTwoFindsWhatOneScanFinds() async throws {
        await propertyCheck(count: 8, input: Gen.int(in: 1...100_000)) { seed in
            do {
                let dir = TempDir()
                let t = try makeTimeline(dir, seed: UInt64(seed))
                let alternate = Timeline(replayer: t.replayer, skip: [7, 90, 120])
                for text in ["balance < 0", "balance > 150 and tags[*] == 1", "changed(balance) and event.data.amount > 90", "exists(name) and not (balance > 0)"] {
                    let e = try WatchExpression.parse(text)
                    for timeline in [t, alternate] {
                        let all = try transitions(e, timeline)
                        for from: Int64 in [0, 5, 33, 100, 150] {
                            // A threshold of 1 splits every scan in two at a checkpoint.
                            let split = try Finder.find(e, in: timeline, key: nil, from: from, backward: false, splitThreshold: 1)
                            let whole = try Finder.find(e, in: timeline, key: nil, from: from, backward: false, splitThreshold: .max)
                            #expect(split?.offset == all.first { $0 >= from }, "\(text) from \(from)")
                            #expect(split?.offset == whole?.offset)
                            #expect(split?.before == whole?.before && split?.after == whole?.after, "\(text) from \(from)")
                        }
                    }
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func stateTextsMatchTheTrees() throws {
        let dir = TempDir()
        let writer = try LogWriter(directory: dir.file("log"), segmentBytes: 6000, checkpointInterval: 7)
        _ = try writer.append(Drafts.random(count: 200, keys: 6, seed: 5))
        writer.close()
        let log = try LogReader(directory: dir.file("log"))
        for offset in [-1, 0, 5, 6, 7, 50, 123, 199] as [Int64] {
            let texts = try #require(try Replayer(log: log, rules: .mergeAll).stateTexts(at: offset))
            let trees = try Replayer(log: log, rules: .mergeAll).states(at: offset)
            #expect(texts.map(\.key) == trees.keys.sorted(), "at \(offset)")
            for (key, text) in texts { #expect(try JSONParser.parse(text) == trees[key], "\(key) at \(offset)") }
        }
    }

    @Test func whatIfSkipsEventsWithoutWritingTheLog() throws {
        let dir = TempDir()
        let t = try makeTimeline(dir)
        let before = try FileSystem.list(dir.file("log")).sorted().map { try FileSystem.readAll(dir.file("log") + "/" + $0) }
        let skip: Set<Int64> = [5, 40, 41]
        let alt = Timeline(replayer: t.replayer, skip: skip)
        // Reference: fold everything but the skipped offsets.
        var map = StateMap()
        try t.log.forEach(from: 0) { r in
            if !skip.contains(r.offset) { t.replayer.apply(r, to: &map) }
            return true
        }
        #expect(try alt.states(at: 199) == map)
        for k in 0..<6 { #expect(try alt.state(of: "k\(k)", at: 199) == map["k\(k)"]) }
        // Before the first skipped offset the timelines agree.
        #expect(try alt.states(at: 4) == (try t.states(at: 4)))
        #expect(try alt.versions(of: "k0").allSatisfy { !skip.contains($0) })
        let after = try FileSystem.list(dir.file("log")).sorted().map { try FileSystem.readAll(dir.file("log") + "/" + $0) }
        #expect(before == after)
    }

    @Test func blameNamesTheLastSetter() throws {
        let dir = TempDir()
        let lines = [
            #"{"id":"1","account":"a","type":"OPENED","data":{"owner":{"name":"Ann","city":"Oslo"},"tags":["x"]}}"#,
            #"{"id":"2","account":"a","type":"DEPOSIT","data":{"amount":10}}"#,
            #"{"id":"3","account":"b","type":"DEPOSIT","data":{"amount":1}}"#,
            #"{"id":"4","account":"a","type":"MOVED","data":{"owner":{"city":"Bergen"}}}"#,
            #"{"id":"5","account":"a","type":"DEPOSIT","data":{"amount":5}}"#,
        ]
        let rules = try Rules.parse(Array(bankRules.utf8), name: "r")
        let writer = try LogWriter.make(dir.file("log"))
        _ = try ImportJob.run(InputData(name: "x", bytes: Array(lines.joined(separator: "\n").utf8)), into: writer, options: ImportOptions(fields: rules.fields ?? FieldMapping()))
        writer.close()
        let t = Timeline(replayer: Replayer(log: try LogReader(directory: dir.file("log")), rules: rules))
        let blame = try Blame.blame(t, key: "a", at: 4)
        let byPath = Dictionary(uniqueKeysWithValues: blame.map { ($0.path.description, $0.record.offset) })
        #expect(byPath == ["/owner/name": 0, "/owner/city": 3, "/tags/0": 0, "/balance": 4])
        #expect(blame.map(\.path.description) == ["/owner/name", "/owner/city", "/tags/0", "/balance"])
        let earlier = try Blame.blame(t, key: "a", at: 2)
        #expect(earlier.first { $0.path.description == "/balance" }?.record.offset == 1)
        #expect(try Blame.blame(t, key: "a", at: -1).isEmpty)
    }

    @Test func crossRecordDiff() throws {
        let a: StateMap = ["x": ["n": 1], "y": ["n": 2], "z": ["n": 3]]
        let b: StateMap = ["x": ["n": 1], "y": ["n": 5], "w": ["n": 0]]
        let d = CrossDiff.diff(from: a, to: b)
        #expect(d.map(\.key) == ["w", "y", "z"])
        #expect(d.map(\.kind) == [.created, .changed, .deleted])
        #expect(d[1].changes.count == 1)
        #expect(CrossDiff.diff(from: a, to: a).isEmpty)
    }
}
