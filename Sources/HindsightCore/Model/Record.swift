/// One record of the log: an event as stored, with its position, times and chain hash.
public struct Record: Sendable, Hashable {
    /// 0-based index of the record in the log.
    public var offset: Int64
    /// When the record was appended.
    public var logTime: Timestamp
    /// When the event happened (from the event's time field; the log time when it has none).
    public var eventTime: Timestamp
    /// The event's id (given, or derived from its content when it had none).
    public var id: String
    /// The key of the entity (record) the event belongs to.
    public var key: String
    /// The event's type.
    public var type: String
    /// Importer metadata (e.g. Kafka topic/partition/offset, CloudEvents attributes): compact JSON, or empty.
    public var meta: [UInt8]
    /// The event's data: UTF-8 JSON text.
    public var payload: [UInt8]
    /// `SHA256(previous record's hash || this record's body)`.
    public var hash: ChainHash

    public init(offset: Int64, logTime: Timestamp, eventTime: Timestamp, id: String, key: String, type: String,
                meta: [UInt8], payload: [UInt8], hash: ChainHash) {
        self.offset = offset
        self.logTime = logTime
        self.eventTime = eventTime
        self.id = id
        self.key = key
        self.type = type
        self.meta = meta
        self.payload = payload
        self.hash = hash
    }

    /// The event's data as a JSON value (`null` when the stored bytes do not parse, which a verified log never has).
    public func data() -> JSON {
        (try? JSONParser.parse(payload)) ?? .null
    }

    /// The importer metadata as a JSON object, if any.
    public func metadata() -> JSON? {
        meta.isEmpty ? nil : (try? JSONParser.parse(meta))
    }
}

/// A SHA-256 digest in the hash chain.
public struct ChainHash: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The hash before the first record: 32 zero bytes.
    public static let genesis = ChainHash(bytes: [UInt8](repeating: 0, count: 32))

    /// Lower-case hex.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    /// Parses 64 hex digits.
    public init?(hex: String) {
        let u = Array(hex.utf8)
        guard u.count == 64 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(32)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var i = 0
        while i < 64 {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self.bytes = out
    }
}
