import HindsightCore
import PropertyBased
import Testing

private func j(_ text: String) throws -> JSON { try DiffTestSupport.json(text) }
private func p(_ text: String) throws -> JSONPointer { try DiffTestSupport.pointer(text) }

/// The changes between two documents written as JSON text.
private func changes(_ a: String, _ b: String) throws -> [StructuralDiff.Change] {
    StructuralDiff.changes(from: try j(a), to: try j(b))
}

@Suite("DiffText")
struct DiffTextTests {
    @Test func oneLinePerChange() throws {
        let found = try changes(#"{"balance":80,"nickname":"Al","items":["pear"]}"#, #"{"balance":130,"items":["pear","apple"]}"#)
        #expect(DiffText.lines(found) == [
            "~ /balance: 80 → 130",
            "- /nickname: \"Al\"",
            "+ /items/1: \"apple\"",
        ])
        #expect(DiffText.render(found) == "~ /balance: 80 → 130\n- /nickname: \"Al\"\n+ /items/1: \"apple\"")
    }

    @Test func rootChangesNameTheRecord() throws {
        let record = try j(#"{"a":1}"#)
        #expect(DiffText.lines(StructuralDiff.changes(from: nil, to: record)) == [#"+ (root): {"a":1}"#])
        #expect(DiffText.lines(StructuralDiff.changes(from: record, to: nil)) == [#"- (root): {"a":1}"#])
    }

    @Test func longValuesAreCut() throws {
        let line = DiffText.line(.init(path: try p("/s"), kind: .added(.string("abcdefghijklmnop"))), valueWidth: 8)
        #expect(line == "+ /s: \"abcdef…")
        #expect(TextSafety.displayWidth(String(line.dropFirst(6))) == 8)
    }

    @Test func untrustedTextIsEscaped() throws {
        let found = try changes(#"{"k\u001b[2J":"x"}"#, #"{"k\u001b[2J":"\u202eevil"}"#)
        let line = DiffText.line(found[0])
        #expect(TextSafety.isSafe(line))
        #expect(line == #"~ /k\e[2J: "x" → "\u202eevil""#)
        #expect(TextSafety.isSafe(DiffText.summary(found)))
    }

    @Test func summaryOfAnAccountUpdate() throws {
        let found = try changes(#"{"balance":80,"items":["pear"]}"#, #"{"balance":130,"items":["pear","apple"]}"#)
        #expect(DiffText.summary(found) == "balance: 80 → 130, items +1")
    }

    @Test func summaryCountsArrayElementsAndNamesMembers() throws {
        let found = try changes(
            #"{"owner":{"name":"Al"},"tags":["a","b","c"],"nickname":"Al","lines":[{"qty":1}]}"#,
            #"{"owner":{"name":"Bo"},"tags":["b","c","d","e"],"vip":true,"lines":[{"qty":2}]}"#)
        #expect(DiffText.summary(found) == #"owner.name: "Al" → "Bo", tags +2 -1, -nickname, lines[0].qty: 1 → 2, +vip: true"#)
    }

    @Test func summaryOfCreatedDeletedAndUnchanged() throws {
        #expect(DiffText.summary(StructuralDiff.changes(from: nil, to: .emptyObject)) == "created")
        #expect(DiffText.summary(StructuralDiff.changes(from: .emptyObject, to: nil)) == "deleted")
        #expect(DiffText.summary([]) == "no changes")
        #expect(DiffText.summary(StructuralDiff.changes(from: 1, to: 2)) == "(root): 1 → 2")
    }

    @Test func summaryIsCappedWithACount() throws {
        let found = try changes(#"{"a":1,"b":2,"c":3,"d":4}"#, #"{"a":10,"b":20,"c":30,"d":40}"#)
        #expect(DiffText.summary(found) == "a: 1 → 10, b: 2 → 20, c: 3 → 30, d: 4 → 40")
        #expect(DiffText.summary(found, maxWidth: 31) == "a: 1 → 10, b: 2 → 20, … +2 more")
        #expect(DiffText.summary(found, maxWidth: 30) == "a: 1 → 10, … +3 more")
        #expect(DiffText.summary(found, maxWidth: 12) == "a: 1 → 10, …")
        #expect(DiffText.summary(found, maxWidth: 0) == "")
    }

    @Test("dotted paths", arguments: [
        ("", "(root)"), ("/owner/name", "owner.name"), ("/items/2", "items[2]"), ("/items/2/qty", "items[2].qty"),
        ("/0/a", "[0].a"), ("/first name", #"["first name"]"#), ("/a/b.c", #"a["b.c"]"#), ("/a/", #"a[""]"#),
        ("/_id/$ref/snake-case", "_id.$ref.snake-case"), ("/naïve", "naïve"), ("/a~1b", #"["a/b"]"#),
        ("/x\u{1b}", #"["x\u001b"]"#), ("/01", #"["01"]"#),
    ])
    func dottedPath(_ pointer: String, _ dotted: String) throws {
        #expect(DiffText.dottedPath(try p(pointer)) == dotted)
    }

    @Test func theDocumentTellsIndicesFromDigitNames() throws {
        let a = try j(#"{"0":{"a":1},"list":[{"7":"x"}]}"#)
        let b = try j(#"{"0":{"a":2},"list":[{"7":"y"}],"1":true}"#)
        let found = StructuralDiff.changes(from: a, to: b)
        #expect(DiffText.summary(found, in: b) == #"["0"].a: 1 → 2, list[0]["7"]: "x" → "y", +["1"]: true"#)
        #expect(DiffText.summary(found) == #"[0].a: 1 → 2, list[0][7]: "x" → "y", (root) +1"#)
        #expect(DiffText.dottedPath(try p("/list/0/7"), in: b) == #"list[0]["7"]"#)
        #expect(DiffText.dottedPath(try p("/list/5/7"), in: b) == "list[5][7]")
    }

    @Test("text is terminal-safe and the summary fits its width")
    func renderingProperties() async {
        await propertyCheck(count: 200, input: DiffTestSupport.relatedPair, Gen.int(in: 0...60)) { pair, width in
            let found = StructuralDiff.changes(from: pair.0, to: pair.1)
            let summary = DiffText.summary(found, in: pair.1, maxWidth: width)
            #expect(TextSafety.displayWidth(summary) <= width)
            #expect(TextSafety.isSafe(summary))
            #expect(DiffText.lines(found, valueWidth: 20).allSatisfy(TextSafety.isSafe))
        }
    }
}
