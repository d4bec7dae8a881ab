import Testing
@testable import HindsightCore

@Suite("JSON reading and writing")
struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONParser.parse(#"{"a":[1,-2.5e3,true,false,null,"x\n\u00e9\ud83d\ude00"],"b":{}}"#)
        #expect(v["a"] == [1, -2500.0, true, false, nil, "x\né😀"])
        #expect(v["b"] == .emptyObject)
    }

    @Test func locatesMoreThan64PathsAsOneAtATime() throws {
        // 70 members, some nested, and paths to each, to some absent ones and to the whole document.
        let members = (0..<70).map { i in i % 5 == 0 ? "\"m\(i)\":{\"in\":\(i)}" : "\"m\(i)\":\(i)" }
        let text = "{" + members.joined(separator: ",") + "}"
        var paths: [[String]] = (0..<75).map { i in i % 5 == 0 ? ["m\(i)", "in"] : ["m\(i)"] }
        paths.append([])
        try Array(text.utf8).withUnsafeBytes { bytes in
            let all = try JSONParser.locate(bytes, paths: paths)
            #expect(all.count == paths.count)
            for (i, path) in paths.enumerated() {
                #expect(all[i] == (try JSONParser.locate(bytes, paths: [path]))[0], "\(path)")
            }
            #expect(all[71] == nil && all[75] == 0..<bytes.count)
            if let r = all[69] { #expect(String(decoding: bytes[r], as: UTF8.self) == "69") } else { Issue.record("m69 not found") }
        }
    }

    @Test func keepsNumbersExactlyAsWritten() throws {
        let big = "123456789012345678901234567890"
        let v = try JSONParser.parse("[\(big), 0.1, 1e400, -0]")
        #expect(JSONSerializer.compact(v) == "[\(big),0.1,1e400,-0]")
        #expect(v.arrayValue?[0].numberValue?.int64 == nil)
        #expect(JSONNumber(validatedLiteral: "1.0") == JSONNumber(1))
        #expect(JSONNumber(validatedLiteral: "10e-1") == JSONNumber(1))
    }

    @Test func objectEqualityIgnoresMemberOrder() throws {
        #expect(try JSONParser.parse(#"{"a":1,"b":2}"#) == (try JSONParser.parse(#"{"b":2,"a":1}"#)))
        #expect(try JSONParser.parse(#"{"a":1,"b":2}"#).hashValue == (try JSONParser.parse(#"{"b":2,"a":1}"#)).hashValue)
        #expect(JSONSerializer.compact(try JSONParser.parse(#"{"z":1,"a":2}"#)) == #"{"z":1,"a":2}"#)
    }

    @Test("rejects invalid JSON with the byte offset", arguments: [
        ("{\"a\":}", 5), ("[1,]", 3), ("[01]", 2), ("\"abc", 0), ("{\"a\" 1}", 5), ("tru", 0), ("[1] x", 4), ("", 0),
        ("\"a\u{01}\"", 2), ("[1.]", 3), ("\"\\x\"", 1),
    ])
    func rejects(_ text: String, offset: Int) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
        }
    }

    @Test func rejectsInvalidUTF8() throws {
        let bytes: [UInt8] = Array("[\"ab".utf8) + [0xC3, 0x28] + Array("\"]".utf8)
        do {
            _ = try JSONParser.parse(bytes)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.reason.contains("UTF-8"))
            #expect(error.offset == 4)
        }
    }

    @Test func deepNestingIsRefusedWithoutCrashing() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONParser.parse(ok)) != nil)
        let deepObject = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        #expect(throws: JSONParseError.self) {
            try Array(deepObject.utf8).withUnsafeBytes { try JSONParser.locate($0, paths: [["a"]]) }
        }
    }

    @Test func duplicateKeysLastWinsOrRefused() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#)["a"] == 2)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"a":1,"a":2}"#, options: JSONReadOptions(rejectDuplicateKeys: true)) }
    }

    @Test func theScanStopsAtTheFirstSpecialByteInAStringWhereverItIs() throws {
        // A string of `length` plain bytes with one byte the scan must look at, at every position (each
        // place in an 8-byte word, before and after the words): a closing quote (the string ends there),
        // an escape, a raw control character (refused at its offset), a non-ASCII letter; the member after
        // the string is found (or not) accordingly. A start offset of 0-7 moves the words about.
        for pad in 0..<8 {
            for length in 0..<26 {
                for position in 0...length {
                    let lead = String(repeating: " ", count: pad) + #"{"s":""#
                    let before = String(repeating: "a", count: position), after = String(repeating: "b", count: length - position)
                    let cases: [(body: String, ends: Bool, bad: Bool)] = [
                        (before + #"","x":1,"y":""# + after, true, false),
                        (before + #"\""# + after, false, false),
                        (before + "\u{01}" + after, false, true),
                        (before + "é" + after, false, false),
                    ]
                    for c in cases {
                        let text = Array((lead + c.body + #"","n":7}"#).utf8)
                        do {
                            let found = try text.withUnsafeBytes { try JSONParser.locate($0, paths: [["n"], ["x"]]) }
                            #expect(!c.bad, "accepted a control character: \(c.body)")
                            #expect(found[0].map { String(decoding: text[$0], as: UTF8.self) } == "7", "\(pad) \(c.body)")
                            #expect((found[1] != nil) == c.ends, "\(pad) \(c.body)")
                        } catch let error as JSONParseError {
                            #expect(c.bad, "\(pad) \(c.body): \(error)")
                            #expect(error.offset == lead.utf8.count + position, "\(pad) \(c.body)")
                        }
                    }
                }
            }
        }
    }

    @Test func locateFindsNestedMembersWithoutBuildingATree() throws {
        let text = #"{"repo":{"name":"a/b","id":7},"type":"PushEvent","n\u0061me":"esc","payload":{"x":[{"repo":1}]}}"#
        let found = try Array(text.utf8).withUnsafeBytes { raw in
            try JSONParser.locate(raw, paths: [["repo", "name"], ["type"], ["name"], ["missing"], [], ["payload", "x"]])
        }
        let bytes = Array(text.utf8)
        func slice(_ r: Range<Int>?) -> String? { r.map { String(decoding: bytes[$0], as: UTF8.self) } }
        #expect(slice(found[0]) == "\"a/b\"")
        #expect(slice(found[1]) == "\"PushEvent\"")
        #expect(slice(found[2]) == "\"esc\"")
        #expect(found[3] == nil)
        #expect(slice(found[4]) == text)
        #expect(slice(found[5]) == #"[{"repo":1}]"#)
    }

    @Test func serializerEscapesEverythingATerminalMustNotSee() throws {
        let s: JSON = .string("a\u{1B}[31mb\u{07}c\u{9B}d\u{202E}e\u{2028}f\"\\")
        let out = JSONSerializer.compact(s)
        #expect(out == #""a\u001b[31mb\u0007c\u009bd\u202ee\u2028f\"\\""#)
        #expect(out.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F })
        #expect(try JSONParser.parse(out) == s)
    }

    @Test func prettyPrintingRoundTrips() throws {
        let v = try JSONParser.parse(#"{"a":[1,{"b":null}],"c":"d","e":[],"f":{}}"#)
        let pretty = JSONSerializer.pretty(v)
        #expect(pretty == "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": \"d\",\n  \"e\": [],\n  \"f\": {}\n}")
        #expect(try JSONParser.parse(pretty) == v)
    }
}

@Suite("JSON Pointer, field paths and edits")
struct JSONPointerTests {
    @Test func pointerEscapes() throws {
        let p = try JSONPointer("/a~1b/c~0d/0")
        #expect(p.tokens == ["a/b", "c~d", "0"])
        #expect(p.description == "/a~1b/c~0d/0")
        #expect(throws: HindsightError.self) { try JSONPointer("a") }
        #expect(throws: HindsightError.self) { try JSONPointer("/a~2") }
    }

    @Test func fieldPathsAreDottedOrPointers() throws {
        #expect(try FieldPath("repo.name").components == ["repo", "name"])
        #expect(try FieldPath("/repo/name").components == ["repo", "name"])
        #expect(try FieldPath("/a.b").components == ["a.b"])
        #expect(throws: HindsightError.self) { try FieldPath("a..b") }
    }

    @Test func settingAndRemoving() throws {
        let doc: JSON = ["a": ["b": [1, 2]]]
        #expect(try doc.setting(try JSONPointer("/a/c/d"), to: 5) == ["a": ["b": [1, 2], "c": ["d": 5]]])
        #expect(try doc.setting(try JSONPointer("/a/b/-"), to: 3) == ["a": ["b": [1, 2, 3]]])
        #expect(try doc.setting(try JSONPointer("/a/b/0"), to: 9) == ["a": ["b": [9, 2]]])
        #expect(throws: HindsightError.self) { try doc.setting(try JSONPointer("/a/b/7"), to: 9) }
        #expect(doc.removing(try JSONPointer("/a/b/0")) == ["a": ["b": [2]]])
        #expect(doc.removing(try JSONPointer("/x/y")) == doc)
    }
}

@Suite("Timestamps")
struct TimestampTests {
    @Test func rfc3339() {
        #expect(Timestamp.parse("2026-11-21T15:00:00Z")?.iso8601 == "2026-11-21T15:00:00Z")
        #expect(Timestamp.parse("2026-11-21T16:00:00+01:00")?.iso8601 == "2026-11-21T15:00:00Z")
        #expect(Timestamp.parse("2026-11-21 15:00:00.5Z")?.iso8601 == "2026-11-21T15:00:00.500Z")
        #expect(Timestamp.parse("2026-11-21T15:00:00.123456Z")?.iso8601 == "2026-11-21T15:00:00.123456Z")
        #expect(Timestamp.parse("2026-11-21")?.iso8601 == "2026-11-21T00:00:00Z")
        #expect(Timestamp.parse("1969-12-31T23:59:59Z")?.microseconds == -1_000_000)
        #expect(Timestamp.parse("2026-02-30T00:00:00Z") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.parse("2026-11-21T25:00:00Z") == nil)
    }

    @Test func epochNumbersByMagnitude() {
        // seconds, milliseconds, microseconds
        #expect(Timestamp.parse("1763737200")?.iso8601 == "2025-11-21T15:00:00Z")
        #expect(Timestamp.parse("1763737200000")?.iso8601 == "2025-11-21T15:00:00Z")
        #expect(Timestamp.parse("1763737200000000")?.iso8601 == "2025-11-21T15:00:00Z")
        #expect(Timestamp.fromEpochNumber(JSONNumber(validatedLiteral: "1763737200.25"))?.iso8601 == "2025-11-21T15:00:00.250Z")
    }
}
