/// Why a terminal cannot be used.
public struct TerminalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// stdin or stdout is not a terminal (piped, redirected, or a CI job).
        case notATerminal
        /// The terminal library could not set up the screen (unknown `TERM`, ...).
        case setupFailed
        /// ``Terminal/draw(_:)`` or ``Terminal/nextEvent(timeout:)`` was called outside start/stop.
        case notStarted
        /// Input ended (the terminal went away).
        case inputClosed
        /// A scripted ``InMemoryTerminal`` ran out of events while the caller waited without a timeout.
        case scriptExhausted
    }

    public var code: Code
    /// A full sentence for the user: what failed and what to do.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The error for a missing TTY, pointing at the scripted commands.
    public static let notATerminal = TerminalError(
        .notATerminal,
        "hindsight: the explorer needs a terminal; use the scripted commands (events, state, history, diff, export) "
            + "for pipes and scripts, or run it in a terminal"
    )

    public var description: String { message }
}
