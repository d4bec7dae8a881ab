import Foundation
import PropertyBased
import Testing
@testable import HindsightCore

@Suite("Replay: rules, fold, checkpoints, versions")
struct ReplayTests {
    /// A log of the given JSONL lines, imported with rules.
    func makeLog(_ dir: TempDir, _ lines: [String], rules: String = bankRules, segmentBytes: Int? = nil) throws -> Replayer {
        let parsedRules = try Rules.parse(Array(rules.utf8), name: "rules.json")
        let input = InputData(name: "in.jsonl", bytes: Array(lines.joined(separator: "\n").utf8))
        let writer = try LogWriter.make(dir.file("log"), segmentBytes: segmentBytes)
        _ = try ImportJob.run(input, into: writer, options: ImportOptions(fields: parsedRules.fields ?? FieldMapping()))
        writer.close()
        return Replayer(log: try LogReader(directory: dir.file("log")), rules: parsedRules, checkpointInterval: 3)
    }

    let bank = [
        #"{"id":"1","account":"acct-1","type":"DEPOSIT","timestamp":"2026-11-21T09:00:00Z","data":{"amount":100}}"#,
        #"{"id":"2","account":"acct-1","type":"WITHDRAW","timestamp":"2026-11-21T09:05:00Z","data":{"amount":20}}"#,
        #"{"id":"3","account":"acct-1","type":"DEPOSIT","timestamp":"2026-11-21T09:10:00Z","data":{"amount":50}}"#,
        #"{"id":"4","account":"acct-2","type":"OPENED","timestamp":"2026-11-21T09:11:00Z","data":{"owner":"Bob"}}"#,
        #"{"id":"5","account":"acct-2","type":"ITEM_ADDED","timestamp":"2026-11-21T09:12:00Z","data":{"item":"card"}}"#,
        #"{"id":"6","account":"acct-1","type":"ERASED","timestamp":"2026-11-21T09:13:00Z","data":{}}"#,
        #"{"id":"7","account":"acct-2","type":"SNAPSHOT","timestamp":"2026-11-21T09:14:00Z","data":{"owner":"Bob B","items":[]}}"#,
    ]

    @Test func bankAccountBalanceOverTime() throws {
        let dir = TempDir()
        let r = try makeLog(dir, bank)
        #expect(try r.state(of: "acct-1", at: 0) == ["balance": 100])
        #expect(try r.state(of: "acct-1", at: 1) == ["balance": 80])
        #expect(try r.state(of: "acct-1", at: 2) == ["balance": 130])
        #expect(try r.state(of: "acct-1", at: -1) == nil)
        // Tombstone: gone from the state, still in the history.
        #expect(try r.state(of: "acct-1", at: 5) == nil)
        #expect(try r.states(at: 5)["acct-1"] == nil)
        #expect(try r.history(of: "acct-1").count == 4)
        #expect(try r.state(of: "acct-2", at: 4) == ["owner": "Bob", "items": ["card"]])
        #expect(try r.state(of: "acct-2", at: 6) == ["owner": "Bob B", "items": []])
        // At a time: the last event at or before it.
        let at = try r.offset(at: Timestamp.parse("2026-11-21T09:07:00Z") ?? Timestamp(microseconds: 0))
        #expect(at == 1)
        #expect(try r.state(of: "acct-1", at: at) == ["balance": 80])
        // One second before the first event: nothing yet.
        #expect(try r.offset(at: Timestamp.parse("2026-11-21T08:59:59Z") ?? Timestamp(microseconds: 0)) == -1)
    }

    @Test func versionsAndPositions() throws {
        let dir = TempDir()
        let r = try makeLog(dir, bank)
        #expect(try r.versions(of: "acct-1") == [0, 1, 2, 5])
        let v2 = try r.version(of: "acct-1", number: 2)
        #expect(v2.before == ["balance": 100])
        #expect(v2.after == ["balance": 80])
        #expect(try r.resolve(try PositionSpec("v3"), key: "acct-1").offset == 2)
        #expect(try r.resolve(try PositionSpec("4"), key: "acct-1").version == 3)
        #expect(try r.resolve(.start, key: "acct-1").offset == -1)
        #expect(throws: HindsightError.self) { try r.resolve(try PositionSpec("v9"), key: "acct-1") }
        #expect(throws: HindsightError.self) { try r.resolve(try PositionSpec("99")) }
        #expect(throws: HindsightError.self) { try r.resolve(try PositionSpec("v1")) }
        #expect(throws: HindsightError.self) { try PositionSpec("soon") }
    }

    @Test func everyOperation() throws {
        let rules = """
            {"types": {
              "SET": [{"op": "set", "path": "/a/b", "value": 5}],
              "REPLACE_FROM": [{"op": "replace", "path": "/name", "from": "/n"}],
              "INC": [{"op": "increment", "path": "/count", "by": 2}],
              "DEC": [{"op": "increment", "path": "/count", "from": "/x", "negate": true}],
              "PUSH": [{"op": "append", "path": "/list", "from": "/v"}],
              "PULL": [{"op": "remove", "path": "/list", "from": "/v"}],
              "DROP": [{"op": "remove", "path": "/name"}],
              "MERGE_AT": [{"op": "merge", "path": "/profile"}],
              "GONE": [{"op": "delete"}]
            }}
            """
        let lines = [
            #"{"key":"k","type":"SET"}"#, #"{"key":"k","type":"REPLACE_FROM","data":{"n":"Al"}}"#, #"{"key":"k","type":"INC","data":{}}"#,
            #"{"key":"k","type":"DEC","data":{"x":0.5}}"#, #"{"key":"k","type":"PUSH","data":{"v":"x"}}"#, #"{"key":"k","type":"PUSH","data":{"v":"y"}}"#,
            #"{"key":"k","type":"PUSH","data":{"v":"x"}}"#, #"{"key":"k","type":"PULL","data":{"v":"x"}}"#, #"{"key":"k","type":"DROP","data":{}}"#,
            #"{"key":"k","type":"MERGE_AT","data":{"age":3,"tmp":null}}"#, #"{"key":"k","type":"GONE","data":{}}"#,
            #"{"key":"k","type":"MERGE_AT","data":{"again":true}}"#,
        ]
        let dir = TempDir()
        let r = try makeLog(dir, lines, rules: rules)
        #expect(try r.state(of: "k", at: 0) == ["a": ["b": 5]])
        #expect(try r.state(of: "k", at: 1) == ["a": ["b": 5], "name": "Al"])
        #expect(try r.state(of: "k", at: 2)?["count"] == 2)
        #expect(try r.state(of: "k", at: 3)?["count"] == 1.5)
        #expect(try r.state(of: "k", at: 6)?["list"] == ["x", "y", "x"])
        #expect(try r.state(of: "k", at: 7)?["list"] == ["y", "x"])
        #expect(try r.state(of: "k", at: 8)?["name"] == nil)
        #expect(try r.state(of: "k", at: 9)?["profile"] == ["age": 3])
        #expect(try r.state(of: "k", at: 10) == nil)
        #expect(try r.state(of: "k", at: 11) == ["profile": ["again": true]])
    }

    @Test func operationsThatCannotApplyAreReportedNotFatal() throws {
        let rules = #"{"types": {"INC": [{"op": "increment", "path": "/n", "from": "/by"}]}}"#
        let dir = TempDir()
        let r = try makeLog(dir, [#"{"key":"k","type":"X","data":{"n":"text"}}"#, #"{"key":"k","type":"INC","data":{"by":1}}"#], rules: rules)
        #expect(try r.state(of: "k", at: 1) == ["n": "text"])
        #expect(r.issues[1]?.first?.contains("not a number") == true)
    }

    @Test("rules files are checked", arguments: [
        (#"{"types": {"A": [{"op": "explode"}]}}"#, "unknown operation \"explode\""),
        (#"{"types": {"A": [{"op": "increment", "path": "/n"}]}}"#, "increment needs"),
        (#"{"types": {"A": {"op": "merge"}}}"#, "must be an array"),
        (#"{"typos": {}}"#, "unknown member \"typos\""),
        (#"{"types": {"A": [{"op": "merge", "path": "balance"}]}}"#, "must start with '/'"),
        (#"{"types": {"A": [{"op": "delete", "path": "/x"}]}}"#, "is not a member of a delete operation"),
        (#"[1]"#, "must be a JSON object"),
        (#"{"types": "#, "invalid JSON"),
    ])
    func badRules(_ text: String, _ reason: String) {
        do {
            _ = try Rules.parse(Array(text.utf8), name: "r.json")
            Issue.record("accepted \(text)")
        } catch let e as HindsightError {
            #expect(e.message.contains(reason), "\(e.message)")
            #expect(e.message.hasPrefix("r.json"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func checkpointedReplayEqualsFullReplay() async throws {
        await propertyCheck(count: 20, input: Gen.int(in: 1...1_000_000), Gen.int(in: 1...40)) { seed, interval in
            let dir = TempDir()
            let path = dir.file("log")
            do {
                let writer = try LogWriter(directory: path, create: true, segmentBytes: 5000, clock: StepClock().clock)
                _ = try writer.append(Drafts.random(count: 160, keys: 7, seed: UInt64(seed)))
                writer.close()
                let rules = try Rules.parse(Array(bankRules.replacingOccurrences(of: "ERASED", with: "CLOSED").utf8), name: "r")
                let log = try LogReader(directory: path)
                let checkpointed = Replayer(log: log, rules: rules, checkpointInterval: interval, keyCheckpointInterval: max(1, interval / 4))
                let reference = Replayer(log: try LogReader(directory: path), rules: rules)
                var rng = SplitMix(seed: UInt64(seed))
                for _ in 0..<12 {
                    let o = Int64.random(in: -1..<160, using: &rng)
                    let full = try reference.fullReplay(through: o)
                    #expect(try checkpointed.states(at: o) == full)
                    // One record's state equals its entry in the whole-log state.
                    for k in 0..<7 {
                        #expect(try checkpointed.state(of: "k\(k)", at: o) == full["k\(k)"])
                    }
                }
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func theSampleRulesFilesParse() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../sample-data").standardized.path
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".rules.json") }
        #expect(names.count >= 7)
        for name in names {
            _ = try Rules.parse(try FileSystem.readAll(dir + "/" + name), name: name)
        }
    }
}
