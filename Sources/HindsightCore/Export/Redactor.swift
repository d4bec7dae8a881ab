import Crypto

/// Replaces values at given paths with a keyed hash, so an export can be shared without the values
/// while equal values stay linkable (the same value always gives the same token under one key).
///
/// A token is `hmac:` and 32 hex digits: HMAC-SHA256 (swift-crypto's `HMAC<SHA256>`) of the value's
/// ``CanonicalJSON`` text under the key, cut to its first 128 bits. Without the key a token cannot be
/// turned back into the value, nor checked against a guess.
public struct Redactor: Sendable {
    /// The manifest's name for the algorithm.
    public static let algorithm = "HMAC-SHA256-128"
    /// What every token starts with.
    public static let tokenPrefix = "hmac:"
    /// The shortest key accepted, in bytes.
    public static let minimumKeyBytes = 16

    /// The redacted paths in the order they apply; a path inside another redacted path is dropped
    /// (the outer one hides it already).
    public let paths: [JSONPointer]
    private let key: [UInt8]
    /// A fingerprint of the key (16 hex digits), safe to publish: HMAC of a fixed label under the key.
    public let keyID: String

    /// - Throws: a usage error when a path is the whole document or the key is shorter than ``minimumKeyBytes``.
    public init(paths: [JSONPointer], key: [UInt8]) throws {
        guard key.count >= Redactor.minimumKeyBytes else {
            throw HindsightError(.usage, "the redaction key has \(key.count) bytes; it needs at least \(Redactor.minimumKeyBytes)",
                                 hint: "make one with: head -c 32 /dev/urandom > audit.key")
        }
        for p in paths where p.isRoot {
            throw HindsightError(.usage, "--redact needs a path inside the data, not the whole document", hint: "write e.g. --redact email or --redact /user/email")
        }
        var kept: [JSONPointer] = []
        for p in paths where !kept.contains(p) { kept.append(p) }
        self.paths = kept.filter { p in !kept.contains { q in q != p && q.tokens.count < p.tokens.count && Array(p.tokens.prefix(q.tokens.count)) == q.tokens } }
        self.key = key
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        mac.update(data: Array("hindsight-audit key id".utf8))
        self.keyID = ChainHash(bytes: Array(Array(mac.finalize()).prefix(8))).hex
    }

    /// Reads a `--redact PATH` argument: a JSON Pointer (`/user/email`) or a dotted path (`user.email`).
    public static func path(_ text: String) throws -> JSONPointer {
        let p = try FieldPath(text).pointer
        if p.isRoot { throw HindsightError(.usage, "--redact needs a path inside the data, not the whole document", hint: "write e.g. --redact email or --redact /user/email") }
        return p
    }

    /// Reads a key file: its bytes, without trailing CR/LF (so `openssl rand -hex 32 > FILE` works too).
    public static func readKey(file path: String) throws -> [UInt8] {
        guard FileSystem.exists(path) else {
            throw HindsightError(.notFound, "redaction key file \(path) does not exist", hint: "make one with: head -c 32 /dev/urandom > \(path)")
        }
        var bytes = try FileSystem.readAll(path)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        return bytes
    }

    /// The token for a value.
    public func token(for value: JSON) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        mac.update(data: CanonicalJSON.bytes(value))
        return Redactor.tokenPrefix + ChainHash(bytes: Array(Array(mac.finalize()).prefix(16))).hex
    }

    /// `document` with the value at each path replaced by its token (absent paths are left alone).
    public func redact(_ document: JSON) -> JSON {
        var doc = document
        for p in paths {
            guard let v = p.resolve(in: doc) else { continue }
            if let redacted = try? doc.setting(p, to: .string(token(for: v))) { doc = redacted }
        }
        return doc
    }

    /// Whether `s` has the shape of a token.
    public static func isToken(_ s: String) -> Bool {
        guard s.hasPrefix(tokenPrefix) else { return false }
        let hex = s.utf8.dropFirst(tokenPrefix.utf8.count)
        return hex.count == 32 && hex.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Whether any of `paths` has a value in `document`.
    public static func touches(_ document: JSON?, paths: [JSONPointer]) -> Bool {
        guard let document else { return false }
        return paths.contains { $0.resolve(in: document) != nil }
    }
}
