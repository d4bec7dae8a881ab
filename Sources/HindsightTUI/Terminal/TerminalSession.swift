/// Runs code with a started terminal and stops it on every exit path.
public enum TerminalSession {
    /// Starts `terminal`, runs `body`, and stops the terminal when `body` returns or throws.
    ///
    /// If ``Terminal/start()`` throws, the terminal is stopped (undoing a partial start) and the
    /// error is rethrown without running `body`. A ``TerminalInterrupted`` from `body` is rethrown
    /// after the terminal is restored, so the caller can exit with its status.
    public static func run<T: Terminal, Value>(
        _ terminal: T, _ body: (T) throws -> Value
    ) throws -> Value {
        defer { terminal.stop() }
        try terminal.start()
        return try body(terminal)
    }
}
