import Foundation
import Testing
@testable import HindsightCore

@Suite("Audit export: redaction with a keyed hash")
struct RedactionTests {
    static let key = Array("0123456789abcdef0123456789abcdef".utf8)
    static let otherKey = Array("fedcba9876543210fedcba9876543210".utf8)

    static var gdprLines: [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = (try? String(contentsOf: root.appendingPathComponent("sample-data/gdpr-erasure.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    static let gdprRules = """
        {"fields": {"key": "key", "type": "type", "time": "time", "id": "id", "data": "data"},
         "types": {"USER_ERASED": [{"op": "delete"}]}, "default": [{"op": "merge"}]}
        """

    func redactor(_ paths: [String], key: [UInt8] = RedactionTests.key) throws -> Redactor {
        try Redactor(paths: paths.map(Redactor.path), key: key)
    }

    @Test func tokensAreKeyedStableAndLinkable() throws {
        let r = try redactor(["email"])
        let a = r.token(for: "dana@example.org")
        #expect(Redactor.isToken(a))
        #expect(a.hasPrefix("hmac:") && a.count == 37)
        #expect(r.token(for: "dana@example.org") == a)
        #expect(r.token(for: "eli@example.org") != a)
        #expect(try redactor(["email"], key: Self.otherKey).token(for: "dana@example.org") != a)
        // Equal JSON values give equal tokens whatever their member order.
        #expect(r.token(for: try JSONParser.parse(#"{"a":1,"b":2}"#)) == r.token(for: try JSONParser.parse(#"{"b":2,"a":1}"#)))
        #expect(r.keyID.count == 16)
        #expect(try redactor(["x"]).keyID == r.keyID)
        #expect(try redactor(["x"], key: Self.otherKey).keyID != r.keyID)
    }

    @Test func pathsAreDottedOrPointersAndAbsentOnesAreLeftAlone() throws {
        let r = try redactor(["user.email", "/phones/0", "user", "missing.path"])
        // `user.email` is inside `user`: only `user` is kept.
        #expect(r.paths.map(\.description) == ["/phones/0", "/user", "/missing/path"])
        let doc: JSON = ["user": ["email": "a@b.c", "name": "A"], "phones": ["+49 1", "+49 2"], "n": 1]
        let out = r.redact(doc)
        #expect(out["n"] == 1)
        #expect(out["user"]?.stringValue.map(Redactor.isToken) == true)
        #expect(out["phones"]?.arrayValue?[1] == "+49 2")
        #expect(out["phones"]?.arrayValue?[0].stringValue.map(Redactor.isToken) == true)
        #expect(throws: HindsightError.self) { try Redactor.path("") }
        #expect(throws: HindsightError.self) { try Redactor(paths: [], key: Array("short".utf8)) }
    }

    /// The GDPR sample: the erased user's history with name and email redacted.
    @Test func anErasedUsersHistoryExportsWithoutPersonalData() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, Self.gdprLines, rules: Self.gdprRules)
        for format in ExportFormat.allCases {
            let path = try ExportFixture.export(dir, log, rules, filter: ExportFilter(key: "user-42"), format: format,
                                                options: ExportFixture.options {
                                                    $0.includeData = true
                                                    $0.includeState = true
                                                    $0.redactor = try? self.redactor(["name", "email"])
                                                })
            var text = try ExportFixture.text(path)
            if format == .csv { text += try ExportFixture.text(path + ".manifest.json") }
            for pii in ["Dana", "dana@example.org", "dana.e@example.org"] {
                #expect(!text.contains(pii), "\(format) leaks \(pii)")
            }
            #expect(text.contains("GDPR-118"))  // not redacted
            let report = try AuditVerifier.verify(file: path)
            #expect(report.isValid, "\(format): \(report.problems)")
            #expect(report.manifest.rows == 4)
            #expect(report.manifest.redaction?.paths == ["/name", "/email"])
            // With the log but no key: everything else is compared, redacted values are counted.
            let keyless = try AuditVerifier.verify(file: path, log: log)
            #expect(keyless.isValid, "\(format): \(keyless.problems)")
            #expect(keyless.redactedNotCompared > 0 && keyless.redactedSummariesNotCompared > 0)
            #expect(keyless.redactedCompared == 0)
            // With the key: redacted values are compared by recomputing their HMAC.
            let keyed = try AuditVerifier.verify(file: path, log: log, redactionKey: Self.key)
            #expect(keyed.isValid, "\(format): \(keyed.problems)")
            #expect(keyed.redactedCompared > 0)
            #expect(keyed.redactedNotCompared == 0 && keyed.redactedSummariesNotCompared == 0)
            // Another key is refused by name.
            #expect(throws: HindsightError.self) { try AuditVerifier.verify(file: path, log: log, redactionKey: Self.otherKey) }
        }
        let path = try ExportFixture.export(dir, log, rules, filter: ExportFilter(key: "user-42"),
                                            options: ExportFixture.options { $0.includeState = true; $0.redactor = try? self.redactor(["name", "email"]) })
        let rows = try ExportFixture.jsonRows(path)
        #expect(rows.map { $0["type"] } == ["USER_REGISTERED", "EMAIL_CHANGED", "ERASURE_REQUESTED", "USER_ERASED"])
        // The email change is still visible as a change between two tokens; equal values stay linkable.
        let summary = rows[1]["summary"]?.stringValue ?? ""
        #expect(summary.hasPrefix("email: \"hmac:") && summary.contains(" → \"hmac:"), "\(summary)")
        #expect(rows[0]["state"]?["email"] != rows[1]["state"]?["email"])
        #expect(rows[1]["state"]?["name"] == rows[0]["state"]?["name"])
        #expect(rows[3]["summary"] == "deleted")
        #expect(rows[3]["state"] == .null)
    }

    /// A forged redacted value (another token, rows re-chained) passes the export-only check and the
    /// keyless log check, and is caught with the key.
    @Test func aForgedTokenIsCaughtWithTheKey() throws {
        let dir = TempDir()
        let (log, rules) = try ExportFixture.log(dir, Self.gdprLines, rules: Self.gdprRules)
        let r = try redactor(["email"])
        let path = try ExportFixture.export(dir, log, rules, filter: ExportFilter(key: "user-42"),
                                            options: ExportFixture.options { $0.includeData = true; $0.redactor = r })
        var lines = try ExportFixture.lines(path)
        let real = r.token(for: "dana.e@example.org")
        let fake = r.token(for: "someone.else@example.org")
        #expect(lines[2].contains(real))
        lines[2] = lines[2].replacingOccurrences(of: real, with: fake)
        try ExportFixture.write(path, lines: lines)
        try ExportFixture.rechainJSONL(path)
        #expect(try AuditVerifier.verify(file: path).isValid)
        #expect(try AuditVerifier.verify(file: path, log: log).isValid)
        let keyed = try AuditVerifier.verify(file: path, log: log, redactionKey: Self.key)
        #expect(keyed.problems.map(\.kind) == [.mismatch], "\(keyed.problems)")
        #expect(keyed.problems.first?.row == 2)
        // A value left in the clear where the manifest says it is redacted is named, even without the log.
        var clear = try ExportFixture.lines(path)
        clear[2] = clear[2].replacingOccurrences(of: fake, with: "dana.e@example.org")
        try ExportFixture.write(path, lines: clear)
        try ExportFixture.rechainJSONL(path)
        #expect(try AuditVerifier.verify(file: path).problems.map(\.kind) == [.unredacted])
        let keyless = try AuditVerifier.verify(file: path, log: log)
        #expect(keyless.problems.contains { $0.kind == .unredacted && $0.row == 2 && $0.message == "row 2 (line 3): data /email is not redacted, though the manifest lists it" },
                "\(keyless.problems)")
    }
}
