import HindsightCore
import PropertyBased
import Testing

private func j(_ text: String) throws -> JSON { try DiffTestSupport.json(text) }

@Suite("MergePatch (RFC 7396)")
struct MergePatchTests {
    /// RFC 7396 Appendix A: original, patch, result.
    static let appendixA: [(String, String, String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test("RFC 7396 Appendix A", arguments: appendixA.indices)
    func appendixAExample(_ index: Int) throws {
        let (original, patch, result) = Self.appendixA[index]
        #expect(MergePatch.apply(try j(patch), to: try j(original)) == (try j(result)))
    }

    @Test("RFC 7396 section 3 example")
    func section3Example() throws {
        let original = try j(#"""
            {"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"},
             "tags": ["example", "sample"], "content": "This will be unchanged"}
            """#)
        let patch = try j(#"""
            {"title": "Hello!", "phoneNumber": "+01-123-456-7890",
             "author": {"familyName": null}, "tags": ["example"]}
            """#)
        let expected = try j(#"""
            {"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"],
             "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"}
            """#)
        #expect(MergePatch.apply(patch, to: original) == expected)
    }

    @Test func absentTargetMergesIntoAnEmptyObject() throws {
        #expect(MergePatch.apply(try j(#"{"a":1,"b":null}"#), to: nil) == (try j(#"{"a":1}"#)))
        #expect(MergePatch.apply(try j("[1]"), to: nil) == (try j("[1]")))
    }

    @Test func applyKeepsMemberOrder() throws {
        let result = MergePatch.apply(try j(#"{"a":2,"z":0}"#), to: try j(#"{"a":1,"b":1}"#))
        #expect(result.objectValue?.keys.elements == ["a", "b", "z"])
    }

    @Test func diffListsOnlyWhatChanged() throws {
        let a = try j(#"{"balance":80,"owner":{"name":"Al","city":"Oslo"},"nickname":"Al","tags":[1]}"#)
        let b = try j(#"{"balance":130,"owner":{"name":"Al","city":"Bergen"},"tags":[1],"vip":true}"#)
        #expect(MergePatch.diff(from: a, to: b) == (try j(#"{"balance":130,"owner":{"city":"Bergen"},"nickname":null,"vip":true}"#)))
        #expect(MergePatch.diff(from: a, to: a) == .emptyObject)
    }

    @Test func diffReplacesNonObjects() throws {
        #expect(MergePatch.diff(from: try j("[1,2]"), to: try j("[2]")) == (try j("[2]")))
        #expect(MergePatch.diff(from: try j(#"{"a":1}"#), to: .null) == .null)
        #expect(MergePatch.diff(from: nil, to: try j(#"{"a":{"b":1}}"#)) == (try j(#"{"a":{"b":1}}"#)))
        #expect(MergePatch.diff(from: try j(#"{"a":"x"}"#), to: try j(#"{"a":{"b":1}}"#)) == (try j(#"{"a":{"b":1}}"#)))
    }

    @Test("apply(diff(a, b), a) == b when b has no null members")
    func diffRoundTrip() async {
        await propertyCheck(count: 300, input: DiffTestSupport.randomJSON, DiffTestSupport.randomJSON) { a, rawB in
            let b = RandomJSON.withoutNullMembers(rawB)
            #expect(MergePatch.apply(MergePatch.diff(from: a, to: b), to: a) == b)
            #expect(MergePatch.apply(MergePatch.diff(from: nil, to: b), to: nil) == b)
        }
    }

    @Test("apply(diff(a, b), a) == b for related documents")
    func diffRoundTripRelated() async {
        await propertyCheck(count: 300, input: DiffTestSupport.relatedPair) { pair in
            let a = pair.0
            let b = RandomJSON.withoutNullMembers(pair.1)
            #expect(MergePatch.apply(MergePatch.diff(from: a, to: b), to: a) == b)
        }
    }
}
