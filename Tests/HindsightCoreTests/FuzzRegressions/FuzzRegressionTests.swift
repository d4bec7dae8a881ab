import Foundation
import Testing

@testable import HindsightCore

/// Replays every input kept in `Inputs/<target>/` (crashers and property failures found by the
/// libFuzzer targets in Fuzz/, see `.ci/fuzz`) through the same checks the fuzz targets run.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let inputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Inputs").path

    static func files(_ target: String) -> [String] {
        let dir = inputs + "/" + target
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted().map { dir + "/" + $0 }
    }

    /// Inputs that still fail a check, with the bug they show (in files this issue's owner may not edit).
    static let knownIssues: [String: String] = [:]

    @Test("Kept inputs pass the fuzz checks", arguments: FuzzHarness.targets)
    func keptInputs(_ target: String) throws {
        for path in FuzzRegressionTests.files(target) {
            let name = URL(fileURLWithPath: path).lastPathComponent
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let check = {
                do {
                    try bytes.withUnsafeBytes { try FuzzHarness.run(target, $0) }
                } catch {
                    Issue.record("\(target) \(name): \(error)")
                }
            }
            if let known = FuzzRegressionTests.knownIssues[target + "/" + name] {
                withKnownIssue(Comment(rawValue: known)) { check() }
            } else {
                check()
            }
        }
    }

    @Test func everyTargetHasKeptInputs() {
        for target in FuzzHarness.targets {
            #expect(!FuzzRegressionTests.files(target).isEmpty, "no kept inputs for \(target)")
        }
    }
}
