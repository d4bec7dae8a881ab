// THROWAWAY: local conformance run against /work/shared/corpus (normalized in /tmp). Not to be kept.
import Foundation
import Testing
@testable import HindsightCore

@Suite struct ZZScratchCorpus {
    func load() throws -> JSON {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/tmp/hindsight-corpus/cases.json"))
        return try JSONParser.parse([UInt8](data))
    }

    @Test func corpus() throws {
        let all = try load()
        var ok = 0, bad = 0, skipped = 0
        var report: [String] = []
        for c in all["apply"]?.arrayValue ?? [] {
            let name = "\(c["src"]!.stringValue!): \(c["name"]!.description)"
            if c["disabled"] == .bool(true) { skipped += 1; report.append("SKIP(disabled) \(name)"); continue }
            let expectError = c["error"] == .bool(true)
            do {
                let patch = try JSONPatch(json: c["patch"]!)
                let out = try patch.apply(to: c["doc"]!)
                if expectError { bad += 1; report.append("FAIL(no error) \(name) -> \(out)"); continue }
                if c["hasExpected"] == .bool(true), out != c["expected"]! {
                    bad += 1; report.append("FAIL(value) \(name) got \(out) want \(c["expected"]!)"); continue
                }
                ok += 1
            } catch {
                if expectError { ok += 1; report.append("  err ok \(name): \(error)") } else { bad += 1; report.append("FAIL(error) \(name): \(error)") }
            }
        }
        print("APPLY ok=\(ok) bad=\(bad) skipped=\(skipped)")
        var iok = 0, ibad = 0
        for c in all["invalid"]?.arrayValue ?? [] {
            do { _ = try JSONPatch(json: c["patch"]!); ibad += 1; report.append("FAIL(invalid parsed) \(c["patch"]!)") }
            catch { iok += 1; report.append("  invalid ok: \(error)") }
        }
        print("INVALID ok=\(iok) bad=\(ibad)")
        var dok = 0, dbad = 0, sameOps = 0, withRef = 0
        for c in all["diff"]?.arrayValue ?? [] {
            let a = c["a"]!, b = c["b"]!
            let p = StructuralDiff.jsonPatch(from: a, to: b)
            let got = try? p.apply(to: a)
            if got == b { dok += 1 } else { dbad += 1; report.append("FAIL(diff) \(c["name"]!) \(a) -> \(b): \(p) gives \(String(describing: got))") }
            if let ref = c["patch"]?.arrayValue {
                withRef += 1
                if ref.count >= p.count { sameOps += 1 } else { report.append("  longer diff \(c["name"]!): ours \(p.count) \(p) vs ref \(ref.count) \(JSON.array(ref))") }
            }
            if !StructuralDiff.changes(from: a, to: a).isEmpty { dbad += 1 }
        }
        print("DIFF ok=\(dok) bad=\(dbad) refs=\(withRef) notLonger=\(sameOps)")
        var mok = 0, mbad = 0
        for c in all["merge"]?.arrayValue ?? [] {
            let out = MergePatch.apply(c["patch"]!, to: c["target"]!)
            if out == c["result"]! { mok += 1 } else { mbad += 1; report.append("FAIL(merge) \(c)") }
        }
        print("MERGE ok=\(mok) bad=\(mbad)")
        try report.joined(separator: "\n").write(toFile: "/tmp/hindsight-corpus/report.txt", atomically: true, encoding: .utf8)
    }
}
