/// Thrown by ``Terminal/nextEvent(timeout:)`` when a terminating signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) arrived.
///
/// Let it unwind: ``TerminalSession/run(_:_:)`` stops the terminal on the way out. The caller then
/// exits with ``exitStatus`` (128 + signal, the shell convention), or re-raises the signal.
public struct TerminalInterrupted: Error, Sendable, Hashable, CustomStringConvertible {
    /// The signal number (2 SIGINT, 15 SIGTERM, 1 SIGHUP, 3 SIGQUIT on Linux).
    public var signal: Int32

    public init(signal: Int32) {
        self.signal = signal
    }

    /// The conventional exit status for a process ended by this signal: 128 + signal.
    public var exitStatus: Int32 { 128 + signal }

    public var description: String {
        let name: String
        switch signal {
        case 1: name = "SIGHUP"
        case 2: name = "SIGINT"
        case 3: name = "SIGQUIT"
        case 15: name = "SIGTERM"
        default: name = "signal \(signal)"
        }
        return "hindsight: interrupted by \(name)"
    }
}
