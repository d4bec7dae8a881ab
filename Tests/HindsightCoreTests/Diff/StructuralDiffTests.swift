@testable import HindsightCore
import PropertyBased
import Testing

private func j(_ text: String) throws -> JSON { try DiffTestSupport.json(text) }
private typealias Change = StructuralDiff.Change

/// A change built from pointer text.
private func change(_ path: String, _ kind: Change.Kind) throws -> Change {
    Change(path: try DiffTestSupport.pointer(path), kind: kind)
}

/// The changes between two documents written as JSON text.
private func changes(_ a: String, _ b: String) throws -> [Change] {
    StructuralDiff.changes(from: try j(a), to: try j(b))
}

@Suite("StructuralDiff")
struct StructuralDiffTests {
    @Test func equalDocumentsHaveNoChanges() throws {
        #expect(try changes(#"{"a":[1,{"b":2}],"c":1.0}"#, #"{"c":1,"a":[1,{"b":2}]}"#).isEmpty)
        #expect(StructuralDiff.changes(from: nil, to: nil).isEmpty)
    }

    @Test func createdAndDeletedRecordsChangeAtTheRoot() throws {
        let record = try j(#"{"a":1}"#)
        #expect(StructuralDiff.changes(from: nil, to: record) == [Change(path: .root, kind: .added(record))])
        #expect(StructuralDiff.changes(from: record, to: nil) == [Change(path: .root, kind: .removed(record))])
    }

    @Test func nestedObjectChangeHasANestedPath() throws {
        #expect(try changes(#"{"owner":{"name":"Al","age":3},"id":1}"#, #"{"owner":{"name":"Bo","age":3},"id":1}"#)
            == [try change("/owner/name", .replaced(old: "Al", new: "Bo"))])
    }

    @Test func membersAddedRemovedAndChanged() throws {
        #expect(try changes(#"{"balance":80,"nickname":"Al","x":1}"#, #"{"balance":130,"x":1,"vip":true}"#) == [
            try change("/balance", .replaced(old: 80, new: 130)),
            try change("/nickname", .removed("Al")),
            try change("/vip", .added(true)),
        ])
    }

    @Test func typeChangeIsOneReplace() throws {
        #expect(try changes(#"{"a":[1]}"#, #"{"a":{"0":1}}"#) == [try change("/a", .replaced(old: [1], new: ["0": 1]))])
        #expect(try changes("1", #""1""#) == [Change(path: .root, kind: .replaced(old: 1, new: "1"))])
    }

    @Test func pointerTokensAreEscaped() throws {
        #expect(try changes(#"{"a/b":{"m~n":1}}"#, #"{"a/b":{"m~n":2}}"#).map(\.path.description) == ["/a~1b/m~0n"])
    }

    @Test func arrayInsertInTheMiddleIsOneAdd() throws {
        #expect(try changes(#"["a","b","c","d"]"#, #"["a","b","x","c","d"]"#) == [try change("/2", .added("x"))])
    }

    @Test func arrayRemovalInTheMiddleIsOneRemove() throws {
        #expect(try changes(#"[{"id":1},{"id":2},{"id":3}]"#, #"[{"id":1},{"id":3}]"#) == [try change("/1", .removed(["id": 2]))])
    }

    @Test func changedElementGivesNestedChanges() throws {
        #expect(try changes(#"{"items":[{"id":1,"qty":1},{"id":2,"qty":5}]}"#, #"{"items":[{"id":1,"qty":2},{"id":2,"qty":5}]}"#)
            == [try change("/items/0/qty", .replaced(old: 1, new: 2))])
    }

    @Test func shiftedArrayUsesTheAlignmentNotPositions() throws {
        // Inserting at the front and dropping the last element is two changes, not five replacements.
        #expect(try changes("[1,2,3,4,5]", "[0,1,2,3,4]") == [try change("/4", .removed(5)), try change("/0", .added(0))])
    }

    @Test func equalLengthArraysCompareByPositionWhenThatIsSmaller() throws {
        #expect(try changes("[1,2,3]", "[1,9,3]") == [try change("/1", .replaced(old: 2, new: 9))])
        #expect(try changes("[1,2,3,4]", "[5,2,6,4]") == [
            try change("/0", .replaced(old: 1, new: 5)), try change("/2", .replaced(old: 3, new: 6)),
        ])
    }

    @Test func removalsComeHighestFirstThenAdditionsLowestFirst() throws {
        #expect(try changes("[1,2,3,4,5,6]", "[1,9,3,5,8,6,7]") == [
            try change("/3", .removed(4)),
            try change("/4", .added(8)),
            try change("/6", .added(7)),
            try change("/1", .replaced(old: 2, new: 9)),
        ])
    }

    @Test func jsonPatchUsesAddRemoveReplace() throws {
        let patch = StructuralDiff.jsonPatch(from: try j(#"{"a":1,"b":[1,2],"c":true}"#), to: try j(#"{"a":2,"b":[1],"d":null}"#))
        #expect(patch.description == #"[{"op":"replace","path":"/a","value":2},{"op":"remove","path":"/b/1"},{"op":"remove","path":"/c"},{"op":"add","path":"/d","value":null}]"#)
    }

    @Test func jsonPatchCreatesAndDeletesRecords() throws {
        let record = try j(#"{"a":1}"#)
        #expect(try StructuralDiff.jsonPatch(from: nil, to: record).apply(toRecord: nil) == record)
        #expect(try StructuralDiff.jsonPatch(from: record, to: nil).apply(toRecord: record) == nil)
        #expect(StructuralDiff.jsonPatch(from: nil, to: nil).isEmpty)
    }

    @Test func hugeArraysFallBackToPositions() throws {
        // Every other element differs: the edit distance is beyond the search budget.
        let count = ArrayAlignment.maxEditDistance * 2
        let a = JSON.array((0..<count).map { .int(Int64($0)) })
        let b = JSON.array((0..<count).map { .int(Int64($0 % 2 == 0 ? $0 : -$0)) })
        let found = StructuralDiff.changes(from: a, to: b)
        #expect(found.count == count / 2)
        #expect(try StructuralDiff.jsonPatch(from: a, to: b).apply(to: a) == b)
    }

    @Test func longArraysWithFewChangesStayCheap() throws {
        let a = JSON.array((0..<20_000).map { .int(Int64($0)) })
        var elements = a.arrayValue ?? []
        elements.remove(at: 5_000)
        elements.insert("new", at: 15_000)
        let b = JSON.array(elements)
        #expect(StructuralDiff.changes(from: a, to: b) == [try change("/5000", .removed(5000)), try change("/15000", .added("new"))])
    }
}

@Suite("StructuralDiff properties")
struct StructuralDiffPropertyTests {
    @Test("changes(a, a) is empty")
    func noChangesForEqualDocuments() async {
        await propertyCheck(count: 300, input: DiffTestSupport.randomJSON) { a in
            #expect(StructuralDiff.changes(from: a, to: a).isEmpty)
        }
    }

    @Test("jsonPatch(a, b) applied to a gives b")
    func patchRoundTrip() async throws {
        await propertyCheck(count: 500, input: DiffTestSupport.randomJSON, DiffTestSupport.randomJSON) { a, b throws in
            #expect(try StructuralDiff.jsonPatch(from: a, to: b).apply(to: a) == b)
        }
    }

    @Test("jsonPatch(a, edited a) applied to a gives the edited document")
    func patchRoundTripRelated() async throws {
        await propertyCheck(count: 500, input: DiffTestSupport.relatedPair) { pair throws in
            let (a, b) = pair
            let patch = StructuralDiff.jsonPatch(from: a, to: b)
            #expect(try patch.apply(to: a) == b)
            // The patch survives its JSON form.
            #expect(try JSONPatch(parsing: patch.description).apply(to: a) == b)
        }
    }

    @Test("the alignment keeps a longest common subsequence (against a dynamic-programming reference)")
    func alignmentIsOptimal() async {
        let small = Gen.int(in: 0...3).array(of: 0...12)
        await propertyCheck(count: 400, input: small, small) { a, b in
            guard let matches = ArrayAlignment.longestCommonSubsequence(a, b) else {
                Issue.record("no alignment")
                return
            }
            #expect(matches.count == referenceLCSLength(a, b))
            for (x, y) in matches { #expect(a[x] == b[y]) }
            #expect(zip(matches, matches.dropFirst()).allSatisfy { $0.0 < $1.0 && $0.1 < $1.1 })
        }
    }

    /// The LCS length by the textbook O(n·m) table.
    func referenceLCSLength(_ a: [Int], _ b: [Int]) -> Int {
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for k in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][k] = a[i] == b[k] ? table[i + 1][k + 1] + 1 : max(table[i + 1][k], table[i][k + 1])
            }
        }
        return table[0][0]
    }
}
