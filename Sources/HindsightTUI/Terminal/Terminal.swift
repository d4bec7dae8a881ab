/// A screen that shows ``Buffer``s and produces ``InputEvent``s.
///
/// Two implementations: `NcursesTerminal` (module HindsightTerminal) for real use and
/// ``InMemoryTerminal`` for tests. A terminal is used from one thread (the app loop).
///
/// Life cycle: ``start()`` takes over the screen, ``stop()`` gives it back and is idempotent.
/// Prefer ``TerminalSession/run(_:_:)``, which stops on every exit path.
public protocol Terminal: AnyObject {
    /// The current size in cells (draw buffers of this size).
    var size: Size { get }

    /// Whether the terminal is between ``start()`` and ``stop()``.
    var isStarted: Bool { get }

    /// Takes over the screen. Throws ``TerminalError`` when that is impossible (e.g. not a TTY).
    func start() throws

    /// Restores the screen and input modes. Safe to call more than once, and without ``start()``.
    func stop()

    /// Shows `buffer` (cells beyond the terminal's size are clipped).
    func draw(_ buffer: Buffer) throws

    /// The next input event, waiting at most `timeout` (nil: wait until there is one).
    ///
    /// - Returns: nil when the timeout passed without input (the app may then make a ``InputEvent/tick``).
    /// - Throws: ``TerminalInterrupted`` when SIGINT/SIGTERM/SIGHUP/SIGQUIT arrived: unwind and stop.
    func nextEvent(timeout: Duration?) throws -> InputEvent?
}
