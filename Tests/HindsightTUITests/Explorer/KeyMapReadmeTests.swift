import Foundation
import Testing
@testable import HindsightTUI

@Suite("Key table")
struct KeyMapTests {
    static var readmePath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../README.md").standardized.path
    }

    @Test func everyKeyHasOneAction() {
        var seen: [Key: ExplorerAction] = [:]
        for b in KeyMap.bindings {
            for k in b.keys {
                #expect(seen[k] == nil, "\(k) is bound twice")
                seen[k] = b.action
            }
        }
        #expect(KeyMap.action(for: .char("q")) == .quit)
        #expect(KeyMap.action(for: .ctrl("c")) == .quit)
    }

    /// The README's key list is generated from the table (HINDSIGHT_RECORD_SNAPSHOTS=1 rewrites it).
    @Test func readmeKeyListMatchesTheTable() throws {
        let readme = try String(contentsOfFile: KeyMapTests.readmePath, encoding: .utf8)
        let begin = "<!-- keys:begin -->\n", end = "<!-- keys:end -->"
        guard let b = readme.range(of: begin), let e = readme.range(of: end) else {
            Issue.record("README.md has no keys:begin/keys:end markers")
            return
        }
        let current = String(readme[b.upperBound..<e.lowerBound])
        let expected = KeyMap.markdownTable()
        if current != expected {
            if ProcessInfo.processInfo.environment["HINDSIGHT_RECORD_SNAPSHOTS"] == "1" {
                try (String(readme[..<b.upperBound]) + expected + String(readme[e.lowerBound...])).write(toFile: KeyMapTests.readmePath, atomically: true, encoding: .utf8)
                Issue.record("README key list rewritten from the key table; run again")
            } else {
                Issue.record("README.md's key list differs from KeyMap; run the tests with HINDSIGHT_RECORD_SNAPSHOTS=1 to regenerate it")
            }
        }
    }
}
