/// An error a user can act on: what failed, where, and what to do.
///
/// The CLI prints `hindsight: <message>` (plus the hint) on one line and exits with the code's status.
public struct HindsightError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The kind of failure; it decides the exit status.
    public enum Code: String, Sendable {
        /// A bad flag or argument.
        case usage
        /// Input that cannot be read or imported.
        case badInput
        /// A log that is damaged (checksum, chain or framing).
        case corrupt
        /// A missing file, key, version or offset.
        case notFound
        /// Another process holds the writer lock.
        case locked
        /// The operating system refused (permissions, disk full...).
        case io
        /// The log was written by a newer format version.
        case unsupported

        public var exitStatus: Int32 {
            switch self {
            case .usage: return 64
            case .badInput: return 65
            case .corrupt: return 3
            case .notFound: return 4
            case .locked: return 75
            case .io: return 74
            case .unsupported: return 69
            }
        }
    }

    public let code: Code
    public let message: String
    public let hint: String?

    public init(_ code: Code, _ message: String, hint: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
    }

    public var description: String {
        if let hint { return "\(message) (\(hint))" }
        return message
    }
}
