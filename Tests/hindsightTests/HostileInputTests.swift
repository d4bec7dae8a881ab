import Foundation
import Testing

@testable import HindsightCore

/// Hostile input through the real binary: each case gets a clear one-line error (or is read as
/// documented) and never a crash. docs/RELIABILITY.md lists the decisions.
@Suite("Hostile input (the real binary)")
struct HostileInputTests {
    @Test func missingPathsAreNamed() throws {
        let s = Scratch()
        let missing = s.file("nope")
        for args in [["events", missing], ["state", missing + ".jsonl"], ["verify", missing], ["history", missing, "--key", "k"],
                     ["export", missing], ["find", missing, "--when", "x"]] {
            let r = try CLI.run(args, cache: s.cache)
            Reliability.expectError(r, status: HindsightError.Code.notFound.exitStatus, mentions: [args[1]], args.joined(separator: " "))
        }
        let imp = try CLI.run(["import", missing, "--log", s.file("log")], cache: s.cache)
        Reliability.expectError(imp, status: HindsightError.Code.notFound.exitStatus, mentions: [missing, "No such file"], "import of a missing file")
        #expect(!FileManager.default.fileExists(atPath: s.file("log")), "a failed import created the log")
        let rules = try CLI.run(["state", CLI.sample("bank-account.jsonl"), "--rules", s.file("no.rules.json")], cache: s.cache)
        Reliability.expectError(rules, status: HindsightError.Code.notFound.exitStatus, mentions: [s.file("no.rules.json")], "missing rules")
    }

    @Test func unreadableFilesAreNamed() throws {
        let s = Scratch()
        chmod(s.path, 0o755)
        let input = s.file("secret.jsonl")
        try FileManager.default.copyItem(atPath: CLI.sample("bank-account.jsonl"), toPath: input)
        chmod(input, 0o000)
        defer { chmod(input, 0o644) }
        let r = try Reliability.runUnprivileged(["events", input], cache: s.file("nobody-cache"))
        if Reliability.isRoot && !Reliability.canDropPrivileges { return }  // root reads anything; nothing to check
        Reliability.expectError(r, status: HindsightError.Code.io.exitStatus, mentions: [input, "Permission denied"], "unreadable input")
    }

    @Test func anUnreadableLogDirectoryIsNamedAsSuch() throws {
        guard !Reliability.isRoot || Reliability.canDropPrivileges else { return }
        let s = Scratch()
        chmod(s.path, 0o755)
        let log = s.file("log")
        #expect(try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log, "--rules", CLI.sample("bank-account.rules.json")], cache: s.cache).status == 0)
        chmod(log, 0o700)
        defer { chmod(log, 0o755) }
        let r = try Reliability.runUnprivileged(["events", log], cache: s.file("nobody-cache"))
        #expect(r.status != 0)
        Reliability.expectError(r, status: HindsightError.Code.io.exitStatus, mentions: [log, "Permission denied"], "unreadable log directory")
    }

    @Test func aDirectoryThatIsNotALog() throws {
        let s = Scratch()
        let dir = s.file("photos")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        s.write("photos/cat.jpg", "not a log")
        for args in [["events", dir], ["verify", dir], ["state", dir]] {
            let r = try CLI.run(args, cache: s.cache)
            Reliability.expectError(r, status: HindsightError.Code.badInput.exitStatus, mentions: [dir, "is not a hindsight log"], args[0])
        }
        let imp = try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", dir, "--rules", CLI.sample("bank-account.rules.json")], cache: s.cache)
        Reliability.expectError(imp, status: HindsightError.Code.badInput.exitStatus, mentions: [dir, "not a hindsight log"], "import into a non-log")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["cat.jpg"], "import wrote into a directory that is not a log")
        // A directory given where an input file is expected.
        let asInput = try CLI.run(["import", dir, "--log", s.file("log")], cache: s.cache)
        Reliability.expectError(asInput, status: HindsightError.Code.usage.exitStatus, mentions: [dir, "is a directory"], "a directory as input")
    }

    @Test func aLogOfANewerFormatIsRefused() throws {
        let s = Scratch()
        let log = s.file("log")
        #expect(try CLI.run(["import", CLI.sample("bank-account.jsonl"), "--log", log, "--rules", CLI.sample("bank-account.rules.json")], cache: s.cache).status == 0)
        let metaPath = log + "/log.json"
        let meta = try String(contentsOfFile: metaPath, encoding: .utf8)
        try meta.replacingOccurrences(of: "\"format\": 1", with: "\"format\": 2").write(toFile: metaPath, atomically: true, encoding: .utf8)
        for args in [["events", log], ["verify", log], ["import", CLI.sample("user-profile.jsonl"), "--log", log]] {
            let r = try CLI.run(args, cache: s.cache)
            Reliability.expectError(r, status: HindsightError.Code.unsupported.exitStatus, mentions: ["format 2", "newer hindsight"], args[0])
        }
        try meta.write(toFile: metaPath, atomically: true, encoding: .utf8)
        // A record of a newer record version (its checksum made right, so that it is not mere damage).
        let segment = log + "/00000000000000000000.log"
        var bytes = try FileSystem.readAll(segment)
        bytes[8] = 2
        let length = Int(bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) })
        let crc = bytes.withUnsafeBytes { RecordFormat.checksum(UnsafeRawBufferPointer(rebasing: $0[8..<(4 + length)])) }
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[4 + i] = $0[i] } }
        try FileSystem.writeAtomically(segment, bytes)
        let events = try CLI.run(["events", log], cache: s.cache)
        Reliability.expectError(events, status: HindsightError.Code.unsupported.exitStatus, mentions: [segment, "version 2", "newer hindsight"], "events on a newer record")
        let verify = try CLI.run(["verify", log], cache: s.cache)
        #expect(verify.status != 0)
        #expect(verify.stdout.contains("version 2") || verify.stderr.contains("version 2"), "\(verify.stdout) \(verify.stderr)")
    }

    @Test func emptyInputsImportNothingAndSaySo() throws {
        let s = Scratch()
        let empty = s.write("empty.jsonl", "")
        let blank = s.write("blank.jsonl", "\n \r\n\t\n")
        for input in [empty, blank] {
            let r = try CLI.run(["import", input, "--log", s.file("log")], cache: s.cache)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.hasPrefix("imported 0 events from \(input)"), "\(r.stdout)")
            let events = try CLI.run(["events", input], cache: s.cache)
            #expect(events.status == 0)
            #expect(events.stderr == "no events match\n")
            let state = try CLI.run(["state", input], cache: s.cache)
            #expect(state.stdout == "{}\n", "\(state.stdout)")
        }
        #expect(try LogReader(directory: s.file("log")).count == 0)
        #expect(try CLI.run(["verify", s.file("log")], cache: s.cache).status == 0)
        // An empty log.json is damage, named as such.
        #expect(FileManager.default.createFile(atPath: s.file("log") + "/log.json", contents: Data()))
        let r = try CLI.run(["events", s.file("log")], cache: s.cache)
        Reliability.expectError(r, status: HindsightError.Code.corrupt.exitStatus, mentions: [s.file("log") + "/log.json", "not valid JSON"], "empty log.json")
    }

    /// A 100 MB line without a line end: refused at once, naming the line and column, with bounded memory.
    @Test func aHundredMegabyteLine() throws {
        let s = Scratch()
        let path = s.file("huge.jsonl")
        var line = Data(repeating: UInt8(ascii: "x"), count: 100 << 20)
        line.replaceSubrange(0..<1, with: Data("{".utf8))
        try line.write(to: URL(fileURLWithPath: path))
        let r = try CLI.run(["import", path, "--log", s.file("log")], cache: s.cache)
        Reliability.expectError(r, status: HindsightError.Code.badInput.exitStatus, mentions: [path, "line 1", "column 2"], "a 100 MB line")
        #expect(!FileManager.default.fileExists(atPath: s.file("log")))
    }

    @Test func invalidUTF8AndNULBytesNameTheLine() throws {
        let s = Scratch()
        let cases: [(String, [UInt8], String)] = [
            ("utf8.jsonl", Array(#"{"key":"a","id":"1"}"#.utf8) + [0x0A] + Array(#"{"key":"b","v":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8) + [0x0A], "invalid UTF-8"),
            ("overlong.jsonl", Array(#"{"key":"a","id":"1"}"#.utf8) + [0x0A] + Array(#"{"key":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8) + [0x0A], "invalid UTF-8"),
            ("surrogate.jsonl", Array(#"{"key":"a","id":"1"}"#.utf8) + [0x0A] + Array(#"{"key":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8) + [0x0A], "invalid UTF-8"),
            ("nul.jsonl", Array(#"{"key":"a","id":"1"}"#.utf8) + [0x0A] + Array(#"{"key":"b",""#.utf8) + [0x00] + Array(#"":1}"#.utf8) + [0x0A], "control character"),
            ("nul-between.jsonl", Array(#"{"key":"a","id":"1"}"#.utf8) + [0x0A] + Array(#"{"key":"b"}"#.utf8) + [0x00, 0x0A], "line 2"),
        ]
        for (name, bytes, reason) in cases {
            let path = s.file(name)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let r = try CLI.run(["import", path, "--log", s.file("log-" + name)], cache: s.cache)
            Reliability.expectError(r, status: HindsightError.Code.badInput.exitStatus, mentions: [path, "line 2", reason], name)
            #expect(!FileManager.default.fileExists(atPath: s.file("log-" + name)))
            // --skip-invalid imports the good line and lists the bad one.
            let skip = try CLI.run(["import", path, "--log", s.file("log-" + name), "--skip-invalid"], cache: s.cache)
            #expect(skip.status == 0, "\(name): \(skip.stderr)")
            #expect(skip.stderr.contains("skipped \(path): line 2"), "\(name): \(skip.stderr)")
            #expect(try LogReader(directory: s.file("log-" + name)).count == 1)
        }
        // \u escapes that decode to controls or NUL are fine data: kept, shown escaped.
        let escaped = s.write("escaped.jsonl", #"{"key":"k\u0000","id":"1","data":{"t":"a\u0000b\ud800"}}"# + "\n")
        let events = try CLI.run(["events", escaped, "--format", "jsonl"], cache: s.cache)
        #expect(events.status == 0, "\(events.stderr)")
        let doc = try JSONParser.parse(events.stdout)
        #expect(doc["key"] == "k\u{0}")
        #expect(doc["data"]?["t"] == "a\u{0}b\u{FFFD}")
    }

    @Test func deepNestingIsRefusedWithoutAStackOverflow() throws {
        let s = Scratch()
        let depth = 100_000
        let deepData = "{\"key\":\"a\",\"data\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}\n"
        let deepObject = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        let deepArray = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        for (name, text) in [("data.jsonl", deepData), ("object.json", deepObject), ("array.json", deepArray)] {
            let path = s.write(name, text)
            let r = try CLI.run(["import", path, "--log", s.file("log")], cache: s.cache)
            Reliability.expectError(r, status: HindsightError.Code.badInput.exitStatus, mentions: [path, "line 1", "nested deeper than 512 levels"], name)
        }
        let rules = s.write("deep.rules.json", "{\"default\":" + deepArray + "}")
        let r = try CLI.run(["state", CLI.sample("bank-account.jsonl"), "--rules", rules], cache: s.cache)
        Reliability.expectError(r, status: HindsightError.Code.usage.exitStatus, mentions: [rules, "nested deeper than 512 levels"], "deep rules")
        // A pointer of 100k levels in a rules file (editing state walks pointers recursively).
        let pointer = String(repeating: "/a", count: depth)
        let deepPointer = s.write("pointer.rules.json", "{\"default\":[{\"op\":\"set\",\"path\":\"\(pointer)\",\"value\":1}]}")
        let p = try CLI.run(["state", CLI.sample("bank-account.jsonl"), "--rules", deepPointer], cache: s.cache)
        Reliability.expectError(p, status: HindsightError.Code.usage.exitStatus, mentions: [deepPointer, "the limit is 512"], "a 100k-level pointer")
        // Watch expressions: parentheses and `not` nest at most 100 deep; long and/or chains are fine.
        let bank = CLI.sample("bank-account.jsonl")
        for expression in [String(repeating: "(", count: 60_000) + "x" + String(repeating: ")", count: 60_000),
                           String(repeating: "not ", count: 30_000) + "x", String(repeating: "!", count: 100_000) + "x"] {
            let f = try CLI.run(["find", bank, "--when", expression], cache: s.cache)
            Reliability.expectError(f, status: HindsightError.Code.usage.exitStatus, mentions: ["nested deeper than 100 levels"], "a deep expression")
        }
        let chain = Array(repeating: "balance == 1", count: 5_000).joined(separator: " or ") + " or balance < 100"
        let found = try CLI.run(["find", bank, "--when", chain, "--key", "acct-1", "--format", "json"], cache: s.cache)
        #expect(found.status == 0, "\(found.stderr.prefix(300))")
        #expect(try JSONParser.parse(found.stdout)["offset"] == 1)
    }

    @Test func numbersBeyondSixtyFourBitsAreKeptExactly() throws {
        let s = Scratch()
        let big = "123456789012345678901234567890123456789"
        let input = s.write("big.jsonl", #"{"key":"k","id":"1","type":"SET","data":{"n":"# + big + #","neg":-"# + big + #","tiny":1e-400,"huge":1e400,"max":18446744073709551616}}"# + "\n")
        let events = try CLI.run(["events", input, "--format", "jsonl"], cache: s.cache)
        #expect(events.stdout.contains("\"n\":\(big)"), "\(events.stdout)")
        #expect(events.stdout.contains("\"neg\":-\(big)"))
        #expect(events.stdout.contains("\"huge\":1e400"))
        #expect(events.stdout.contains("\"max\":18446744073709551616"))
        let state = try CLI.run(["state", input, "--key", "k", "--format", "jsonl"], cache: s.cache)
        #expect(state.stdout.contains("\"n\":\(big)"), "\(state.stdout)")
        // Arithmetic that leaves the range of a double is refused and reported, never written as inf.
        let rules = s.write("big.rules.json", #"{"types":{"ADD":[{"op":"increment","path":"/total","from":"/v"}]}}"#)
        let adds = s.write("adds.jsonl", #"{"key":"k","id":"1","type":"ADD","data":{"v":1e308}}"# + "\n" + #"{"key":"k","id":"2","type":"ADD","data":{"v":1e308}}"# + "\n"
            + #"{"key":"k","id":"3","type":"ADD","data":{"v":9223372036854775807}}"# + "\n")
        let sum = try CLI.run(["state", adds, "--rules", rules, "--key", "k", "--format", "jsonl"], cache: s.cache)
        #expect(sum.status == 0, "\(sum.stderr)")
        let doc = try JSONParser.parse(sum.stdout)
        #expect(doc["total"]?.numberValue?.double.isFinite == true, "\(sum.stdout)")
        #expect(!sum.stdout.contains("inf") && !sum.stdout.contains("nan"))
        let history = try CLI.run(["history", adds, "--rules", rules, "--key", "k"], cache: s.cache)
        #expect(history.stdout.contains("beyond the range of a number"), "\(history.stdout)")
        // Epoch times beyond the representable range are refused, naming the line.
        let far = s.write("far.jsonl", #"{"key":"k","time":1e30}"# + "\n")
        let r = try CLI.run(["import", far, "--log", s.file("log")], cache: s.cache)
        Reliability.expectError(r, status: HindsightError.Code.badInput.exitStatus, mentions: [far, "line 1", "1e30"], "a time of 1e30")
    }

    @Test func duplicateObjectKeysLastOneWins() throws {
        let s = Scratch()
        let input = s.write("dup.jsonl", #"{"key":"a","key":"b","id":"1","data":{"x":1,"x":2,"y":{"z":1},"y":{"w":2}}}"# + "\n")
        let state = try CLI.run(["state", input, "--format", "jsonl"], cache: s.cache)
        #expect(state.status == 0, "\(state.stderr)")
        #expect(try JSONParser.parse(state.stdout) == ["b": ["x": 2, "y": ["w": 2]]], "\(state.stdout)")
    }

    @Test func crlfLineEndsAndAByteOrderMark() throws {
        let s = Scratch()
        let lines = [#"{"key":"a","id":"1","data":{"v":1}}"#, #"{"key":"a","id":"2","data":{"v":2}}"#, #"{"key":"b","id":"3","data":{"v":3}}"#]
        let crlf = s.file("crlf.jsonl")
        try Data([0xEF, 0xBB, 0xBF] + Array(lines.joined(separator: "\r\n").utf8) + [0x0D, 0x0A]).write(to: URL(fileURLWithPath: crlf))
        let cr = s.file("cr.jsonl")
        try Data(Array(lines.joined(separator: "\r").utf8)).write(to: URL(fileURLWithPath: cr))
        let bomArray = s.file("array.json")
        try Data([0xEF, 0xBB, 0xBF] + Array(("[" + lines.joined(separator: ",\r\n") + "]\r\n").utf8)).write(to: URL(fileURLWithPath: bomArray))
        for path in [crlf, cr, bomArray] {
            let r = try CLI.run(["events", path, "--format", "jsonl"], cache: s.cache)
            #expect(r.status == 0, "\(path): \(r.stderr)")
            let docs = try r.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
            #expect(docs.map { $0["key"] ?? nil } == ["a", "a", "b"], "\(path)")
            #expect(docs.map { $0["data"]?["v"] ?? nil } == [1, 2, 3], "\(path)")
            #expect(!r.stdout.contains("\\r") && !r.stdout.contains("\u{FEFF}"), "\(path): \(r.stdout)")
        }
        // A bad line in a CRLF file is named by its number.
        let bad = s.file("bad.jsonl")
        try Data(Array((lines[0] + "\r\n" + lines[1] + "\r\n{oops}\r\n").utf8)).write(to: URL(fileURLWithPath: bad))
        Reliability.expectError(try CLI.run(["import", bad, "--log", s.file("log")], cache: s.cache), status: 65, mentions: [bad, "line 3"], "bad CRLF line")
    }

    @Test func rulesWithAnUnknownOperationOrMember() throws {
        let s = Scratch()
        let bank = CLI.sample("bank-account.jsonl")
        let cases: [(String, [String])] = [
            (#"{"types":{"DEPOSIT":[{"op":"explode"}]}}"#, ["types.DEPOSIT[0]", "unknown operation \"explode\""]),
            (#"{"default":[{"op":"merge","paht":"/a"}]}"#, ["default[0]", "\"paht\" is not a member"]),
            (#"{"typos":{}}"#, ["unknown member \"typos\""]),
            (#"{"default":{"op":"merge"}}"#, ["default must be an array"]),
            (#"{"types":{"X":[{"op":"increment","path":"/n","by":"1"}]}}"#, ["types.X[0]", "\"by\" must be a number"]),
            (#"["merge"]"#, ["must be a JSON object"]),
            (#"{"types":{"X":[{"op":"set","path":"a"}]}}"#, ["types.X[0]", "must start with '/'"]),
            (#"{"types":{"\u001b[31mX":[{"op":"\u001b]52;c;aGk=\u0007"}]}}"#, ["types.\\e[31mX[0]", "unknown operation \"\\e]52;c;aGk=\\a\""]),
        ]
        for (n, (text, mentions)) in cases.enumerated() {
            let rules = s.write("r\(n).rules.json", text)
            let r = try CLI.run(["state", bank, "--rules", rules], cache: s.cache)
            Reliability.expectError(r, status: HindsightError.Code.usage.exitStatus, mentions: [rules] + mentions, text)
            let imp = try CLI.run(["import", bank, "--log", s.file("log\(n)"), "--rules", rules], cache: s.cache)
            Reliability.expectError(imp, status: HindsightError.Code.usage.exitStatus, mentions: [rules] + mentions, "import with " + text)
            #expect(!FileManager.default.fileExists(atPath: s.file("log\(n)")))
        }
    }

    @Test func topLevelValuesThatAreNotObjects() throws {
        let s = Scratch()
        let cases: [(String, [String])] = [
            ("42\n", ["line 1", "found number"]),
            ("\"text\"\n", ["line 1", "found string"]),
            ("null\n", ["line 1", "found null"]),
            ("true\n", ["line 1", "found boolean"]),
            (#"{"key":"a","id":"1"}"# + "\n[1,2]\n", ["line 2", "found array"]),
            (#"[{"key":"a","id":"1"}, 7, {"key":"b"}]"#, ["element 2", "found number"]),
            ("[[{\"key\":\"a\"}]]", ["event 1", "found array"]),
        ]
        for (n, (text, mentions)) in cases.enumerated() {
            let path = s.write("t\(n).jsonl", text)
            let r = try CLI.run(["import", path, "--log", s.file("log\(n)")], cache: s.cache)
            Reliability.expectError(r, status: HindsightError.Code.badInput.exitStatus, mentions: [path, "must be a JSON object"] + mentions, text)
        }
    }

    @Test func hostileTextInPathsAndArgumentsIsEscapedInErrors() throws {
        let s = Scratch()
        let evil = s.file("evil\u{1B}]52;c;aGk=\u{07}\u{1B}[2J\u{202E}.jsonl")
        let r = try CLI.run(["events", evil], cache: s.cache)
        Reliability.expectError(r, status: HindsightError.Code.notFound.exitStatus, mentions: ["evil\\e]52;c;aGk=\\a\\e[2J\\u{202e}.jsonl"], "an evil path")
        _ = FileManager.default.createFile(atPath: evil, contents: Data((#"{"key":"a","id":"1"}"# + "\n{bad\n").utf8))
        let imp = try CLI.run(["import", evil, "--log", s.file("log")], cache: s.cache)
        Reliability.expectError(imp, status: HindsightError.Code.badInput.exitStatus, mentions: ["evil\\e]52", "line 2"], "a bad line in an evil file")
        let key = try CLI.run(["history", CLI.sample("bank-account.jsonl"), "--key", "\u{1B}[2Jacct\u{9B}1"], cache: s.cache)
        #expect(key.status == HindsightError.Code.notFound.exitStatus)
        Reliability.expectNoRawControls(Array(key.stderr.utf8), "history of an evil key")
        let when = try CLI.run(["find", CLI.sample("bank-account.jsonl"), "--when", "\u{1B}[2J == \u{07}"], cache: s.cache)
        Reliability.expectError(when, status: HindsightError.Code.usage.exitStatus, mentions: ["column 1"], "an evil expression")
    }
}
