import HindsightCore
import Testing

private func j(_ text: String) throws -> JSON { try DiffTestSupport.json(text) }
private func p(_ text: String) throws -> JSONPointer { try DiffTestSupport.pointer(text) }

/// The error `body` throws, or nil (recording an issue) when it throws none or another kind.
private func patchError(_ body: () throws -> Any) -> HindsightError? {
    do {
        let value = try body()
        Issue.record("expected an error, got \(value)")
    } catch let error as HindsightError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
    }
    return nil
}

@Suite("JSON Patch: reading and writing")
struct JSONPatchCodingTests {
    @Test func readsAllSixOperations() throws {
        let patch = try JSONPatch(parsing: #"""
            [{"op":"add","path":"/a","value":1}, {"op":"remove","path":"/b"},
             {"op":"replace","path":"/c","value":null}, {"op":"move","from":"/d","path":"/e"},
             {"op":"copy","from":"/f","path":"/g/-"}, {"op":"test","path":"","value":[1]}]
            """#)
        #expect(patch.operations == [
            .add(path: try p("/a"), value: 1), .remove(path: try p("/b")), .replace(path: try p("/c"), value: .null),
            .move(from: try p("/d"), path: try p("/e")), .copy(from: try p("/f"), path: try p("/g/-")),
            .test(path: .root, value: [1]),
        ])
    }

    @Test func writesAndReadsBack() throws {
        let patch: JSONPatch = [
            .add(path: try p("/a~1b"), value: ["x": 1]), .remove(path: try p("/m~0n/0")),
            .move(from: try p("/a"), path: try p("/b")), .test(path: try p("/c"), value: "s"),
        ]
        #expect(patch.description == #"[{"op":"add","path":"/a~1b","value":{"x":1}},{"op":"remove","path":"/m~0n/0"},{"op":"move","from":"/a","path":"/b"},{"op":"test","path":"/c","value":"s"}]"#)
        #expect(try JSONPatch(json: patch.json) == patch)
        #expect(try JSONPatch(parsing: patch.description) == patch)
    }

    @Test("bad operations name their index and the problem", arguments: [
        (#"{"op":"add"}"#, #"JSON Patch must be an array"#),
        (#"[1]"#, #"index 0: expected an object, found a number"#),
        (#"[{"op":"test","path":"","value":1},{"path":"/a"}]"#, #"index 1: missing "op""#),
        (#"[{"op":7,"path":"/a"}]"#, #""op" must be a string"#),
        (#"[{"op":"spam","path":"/a"}]"#, #"unknown op "spam""#),
        (#"[{"op":"add","value":1}]"#, #""add" needs a "path" member"#),
        (#"[{"op":"remove","path":null}]"#, #""path" must be a string"#),
        (#"[{"op":"remove","path":"a"}]"#, #"must start with '/'"#),
        (#"[{"op":"remove","path":"/a~2"}]"#, #"'~' not followed by 0 or 1"#),
        (#"[{"op":"add","path":"/a"}]"#, #""add" needs a "value" member"#),
        (#"[{"op":"replace","path":"/a"}]"#, #""replace" needs a "value" member"#),
        (#"[{"op":"test","path":"/a"}]"#, #""test" needs a "value" member"#),
        (#"[{"op":"move","path":"/a"}]"#, #""move" needs a "from" member"#),
        (#"[{"op":"copy","from":1,"path":"/a"}]"#, #""from" must be a string"#),
        (#"[{"op":"add","path":"/a","value":1,"op":"remove"}]"#, #"duplicate"#),
        (#"[{"op":"add",]"#, #"not valid JSON"#),
    ])
    func rejectsBadOperations(_ text: String, _ message: String) throws {
        let error = patchError { try JSONPatch(parsing: text) }
        #expect(error?.code == .badInput)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func valueMayBeNull() throws {
        #expect(try DiffTestSupport.apply(#"[{"op":"add","path":"/a","value":null}]"#, to: "{}") == (try j(#"{"a":null}"#)))
    }
}

@Suite("JSON Patch: applying")
struct JSONPatchApplyTests {
    @Test("operations that succeed", arguments: [
        // add: replace root, replace a member, append with "-", insert at the end index
        (#"{"a":1}"#, #"[{"op":"add","path":"","value":[1]}]"#, #"[1]"#),
        (#"{"a":1}"#, #"[{"op":"add","path":"/a","value":2}]"#, #"{"a":2}"#),
        (#"[1,2]"#, #"[{"op":"add","path":"/-","value":3}]"#, #"[1,2,3]"#),
        (#"[1,2]"#, #"[{"op":"add","path":"/2","value":3}]"#, #"[1,2,3]"#),
        (#"[1,2]"#, #"[{"op":"add","path":"/0","value":0}]"#, #"[0,1,2]"#),
        (#"{"":{"":1}}"#, #"[{"op":"add","path":"//","value":2}]"#, #"{"":{"":2}}"#),
        // replace at the root and deep inside
        (#""x""#, #"[{"op":"replace","path":"","value":{"b":1}}]"#, #"{"b":1}"#),
        (#"{"a":[{"b":1}]}"#, #"[{"op":"replace","path":"/a/0/b","value":2}]"#, #"{"a":[{"b":2}]}"#),
        // move and copy
        (#"{"a":1}"#, #"[{"op":"move","from":"/a","path":"/a"}]"#, #"{"a":1}"#),
        (#"[0,1,2]"#, #"[{"op":"move","from":"/0","path":"/-"}]"#, #"[1,2,0]"#),
        (#"{"a":{"b":1}}"#, #"[{"op":"copy","from":"/a","path":"/c"},{"op":"replace","path":"/a/b","value":2}]"#, #"{"a":{"b":2},"c":{"b":1}}"#),
        (#"{"a":[1]}"#, #"[{"op":"copy","from":"/a/0","path":"/a/0"}]"#, #"{"a":[1,1]}"#),
        // test uses data-model equality: members unordered, numbers by value
        (#"{"a":{"x":1,"y":2.0}}"#, #"[{"op":"test","path":"/a","value":{"y":2,"x":1e0}}]"#, #"{"a":{"x":1,"y":2}}"#),
        (#"[null]"#, #"[{"op":"test","path":"/0","value":null}]"#, #"[null]"#),
    ])
    func succeeds(_ document: String, _ patch: String, _ expected: String) throws {
        #expect(try DiffTestSupport.apply(patch, to: document) == (try j(expected)))
    }

    @Test("operations that fail say which and why", arguments: [
        (#"{"a":1}"#, #"[{"op":"remove","path":"/b"}]"#, #"index 0 (remove "/b") failed: path does not exist"#),
        (#"[1]"#, #"[{"op":"remove","path":"/1"}]"#, #"index 1 is out of bounds: the array has 1 element"#),
        (#"[1]"#, #"[{"op":"add","path":"/2","value":0}]"#, #"the largest index to add at is 1"#),
        (#"[1]"#, #"[{"op":"add","path":"/01","value":0}]"#, #""01" is not an array index"#),
        (#"[1]"#, #"[{"op":"replace","path":"/-","value":0}]"#, #""-" (the end of the array) names no element"#),
        (#"[1]"#, #"[{"op":"add","path":"/a","value":0}]"#, #""a" is not an array index"#),
        (#"{"a":1}"#, #"[{"op":"add","path":"/a/b","value":0}]"#, #"cannot add a member to a number"#),
        (#"{"a":1}"#, #"[{"op":"replace","path":"/b","value":0}]"#, #"path does not exist"#),
        (#"{"a":1}"#, #"[{"op":"add","path":"/x/y/z","value":0}]"#, #""/x" does not exist"#),
        (#"{"a":{"b":1}}"#, #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#, #"into one of its own children"#),
        (#"{"a":1}"#, #"[{"op":"move","from":"/x","path":"/y"}]"#, #""from" location does not exist"#),
        (#"{"a":1}"#, #"[{"op":"copy","from":"/x","path":"/y"}]"#, #""from" location does not exist"#),
        (#"{"a":1}"#, #"[{"op":"test","path":"/a","value":"1"}]"#, #"test failed: the value is 1, not "1""#),
        (#"{"a":1}"#, #"[{"op":"test","path":"/b","value":null}]"#, #"path does not exist"#),
        (#"{"a":1}"#, #"[{"op":"remove","path":""}]"#, #"removes the whole document"#),
        (#"{"a":1}"#, #"[{"op":"add","path":"/b","value":1},{"op":"remove","path":"/c"}]"#, #"index 1 (remove "/c")"#),
    ])
    func fails(_ document: String, _ patch: String, _ message: String) throws {
        let error = patchError { try DiffTestSupport.apply(patch, to: document) }
        #expect(error?.code == .badInput)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func failingPatchLeavesNothingHalfApplied() throws {
        let original = try j(#"{"a":[1,2],"b":{"c":1}}"#)
        let patch = try JSONPatch(parsing: #"[{"op":"add","path":"/a/-","value":3},{"op":"remove","path":"/b/c"},{"op":"test","path":"/a/0","value":9}]"#)
        let document = original
        #expect(throws: HindsightError.self) { try patch.apply(to: document) }
        #expect(document == original)
        #expect(JSONSerializer.compact(document) == #"{"a":[1,2],"b":{"c":1}}"#)
    }

    @Test func recordsCanBeCreatedAndDeleted() throws {
        let create = try JSONPatch(parsing: #"[{"op":"add","path":"","value":{"a":1}}]"#)
        #expect(try create.apply(toRecord: nil) == (try j(#"{"a":1}"#)))
        let delete = try JSONPatch(parsing: #"[{"op":"remove","path":""}]"#)
        #expect(try delete.apply(toRecord: try j(#"{"a":1}"#)) == nil)
        let error = patchError { try delete.apply(toRecord: nil) as Any }
        #expect(error?.message.contains("the record does not exist") == true)
        #expect(throws: HindsightError.self) { try JSONPatch(parsing: #"[{"op":"test","path":"","value":null}]"#).apply(toRecord: nil) }
    }

    @Test func errorTextIsTerminalSafe() throws {
        let error = patchError { try DiffTestSupport.apply(#"[{"op":"remove","path":"/\u001b[2J"}]"#, to: "{}") }
        #expect(error.map { TextSafety.isSafe($0.description) } == true)
    }
}
