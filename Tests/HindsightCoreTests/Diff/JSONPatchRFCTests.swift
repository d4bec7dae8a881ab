import HindsightCore
import Testing

private func j(_ text: String) throws -> JSON { try DiffTestSupport.json(text) }

/// RFC 6902 Appendix A, one test per example.
@Suite("JSON Patch: RFC 6902 Appendix A")
struct JSONPatchRFCTests {
    /// Applies `patch` to `document` and compares with `expected`.
    func check(_ document: String, _ patch: String, _ expected: String) throws {
        #expect(try DiffTestSupport.apply(patch, to: document) == (try j(expected)))
    }

    /// Expects `patch` to fail on `document` with a message containing `message`.
    func checkFails(_ document: String, _ patch: String, mentioning message: String) throws {
        do {
            let result = try DiffTestSupport.apply(patch, to: document)
            Issue.record("expected an error, got \(result)")
        } catch let error as HindsightError {
            #expect(error.code == .badInput)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test("A.1 Adding an Object Member") func a1() throws {
        try check(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"baz":"qux","foo":"bar"}"#)
    }

    @Test("A.2 Adding an Array Element") func a2() throws {
        try check(#"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, #"{"foo":["bar","qux","baz"]}"#)
    }

    @Test("A.3 Removing an Object Member") func a3() throws {
        try check(#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#, #"{"foo":"bar"}"#)
    }

    @Test("A.4 Removing an Array Element") func a4() throws {
        try check(#"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","baz"]}"#)
    }

    @Test("A.5 Replacing a Value") func a5() throws {
        try check(#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"boo","foo":"bar"}"#)
    }

    @Test("A.6 Moving a Value") func a6() throws {
        try check(#"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
                  #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
                  #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#)
    }

    @Test("A.7 Moving an Array Element") func a7() throws {
        try check(#"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
                  #"{"foo":["all","cows","eat","grass"]}"#)
    }

    @Test("A.8 Testing a Value: Success") func a8() throws {
        try check(#"{"baz":"qux","foo":["a",2,"c"]}"#,
                  #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
                  #"{"baz":"qux","foo":["a",2,"c"]}"#)
    }

    @Test("A.9 Testing a Value: Error") func a9() throws {
        try checkFails(#"{"baz":"qux"}"#, #"[{"op":"test","path":"/baz","value":"bar"}]"#, mentioning: "test failed")
    }

    @Test("A.10 Adding a Nested Member Object") func a10() throws {
        try check(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
                  #"{"foo":"bar","child":{"grandchild":{}}}"#)
    }

    @Test("A.11 Ignoring Unrecognized Elements") func a11() throws {
        try check(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, #"{"foo":"bar","baz":"qux"}"#)
    }

    @Test("A.12 Adding to a Nonexistent Target") func a12() throws {
        try checkFails(#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, mentioning: "\"/baz\" does not exist")
    }

    @Test("A.13 Invalid JSON Patch Document") func a13() throws {
        #expect(throws: HindsightError.self) {
            try JSONPatch(parsing: #"[{"op":"add","path":"/baz","value":"qux","op":"remove"}]"#)
        }
    }

    @Test("A.14 ~ Escape Ordering") func a14() throws {
        try check(#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#, #"{"/":9,"~1":10}"#)
    }

    @Test("A.15 Comparing Strings and Numbers") func a15() throws {
        try checkFails(#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":"10"}]"#, mentioning: "test failed")
    }

    @Test("A.16 Adding an Array Value") func a16() throws {
        try check(#"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, #"{"foo":["bar",["abc","def"]]}"#)
    }
}
