import CNcurses
import HindsightTUI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real ``Terminal``: draws ``Buffer``s and reads keys and mouse events with ncurses.
///
/// Nothing happens in `init`; ``start()`` takes over the screen and ``stop()`` (idempotent, also
/// run by `deinit`) restores it. Use it through ``TerminalSession/run(_:_:)``.
///
/// Signals: while started, SIGINT/SIGTERM/SIGHUP/SIGQUIT only set a flag; ``nextEvent(timeout:)``
/// polls in slices of at most 250 ms, sees the flag and throws ``TerminalInterrupted``, so the
/// app unwinds and ``stop()`` runs `endwin` in normal code. If a second such signal arrives
/// (the app is stuck), the handler restores the terminal with async-signal-safe calls only
/// (a reset sequence saved at start via `write`, the saved modes via `tcsetattr`) and exits with
/// 128 + signal. A crash signal (SEGV, ILL, TRAP, ABRT...) restores the same way, then hands the
/// signal to the previous handler (Swift's backtracer). See `shim.h`.
///
/// Use one started `NcursesTerminal` per process at a time (signal handlers and curses' current
/// screen are process-wide).
public final class NcursesTerminal: Terminal {
    /// Settings fixed at creation.
    public struct Options: Sendable {
        /// Report mouse clicks and the wheel (it takes over the terminal's own text selection; Shift+drag still selects).
        public var mouse: Bool
        /// Force a colour mode; nil picks monochrome when `NO_COLOR` is set or the terminal has no colours.
        public var colorMode: ColorMode?
        /// How long ncurses waits after Esc for the rest of an escape sequence, in milliseconds.
        public var escapeDelay: Int32

        public init(mouse: Bool = true, colorMode: ColorMode? = nil, escapeDelay: Int32 = 25) {
            self.mouse = mouse
            self.colorMode = colorMode
            self.escapeDelay = escapeDelay
        }
    }

    public let options: Options
    public private(set) var isStarted = false
    /// The colour mode in effect after ``start()``.
    public private(set) var colorMode: ColorMode = .monochrome

    private var screen: OpaquePointer?
    /// The standard screen's window while started.
    private(set) var currentWindow: UnsafeMutablePointer<WINDOW>?
    /// The colour pairs allocated so far.
    var colorPairs = ColorPairs(capacity: 0, colorCount: 0, hasDefaultColors: false)
    /// Whether the text cursor is shown (only while a buffer has a ``Buffer/cursor``).
    var cursorVisible = false

    /// The longest time one `wget_wch` call waits, so a pending signal is seen promptly.
    static let pollSlice: Duration = .milliseconds(250)

    public init(options: Options = Options()) {
        self.options = options
    }

    deinit {
        stop()
    }

    public var size: Size {
        if let window = currentWindow {
            return Size(width: Int(getmaxx(window)), height: Int(getmaxy(window)))
        }
        var rows: Int32 = 0
        var cols: Int32 = 0
        if hs_window_size(STDOUT_FILENO, &rows, &cols) == 0, rows > 0, cols > 0 {
            return Size(width: Int(cols), height: Int(rows))
        }
        return Size(width: 80, height: 24)
    }

    // MARK: - Life cycle

    /// Sets up ncurses: UTF-8 locale, raw input without echo, keypad, a 25 ms Escape delay, a hidden
    /// cursor, colours (unless `NO_COLOR` or none), mouse reports, and the signal handlers.
    ///
    /// - Throws: ``TerminalError/notATerminal`` when stdin or stdout is not a TTY;
    ///   ``TerminalError/Code/setupFailed`` when ncurses cannot handle `TERM`.
    public func start() throws {
        guard !isStarted else { return }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalError.notATerminal }
        // Only LC_CTYPE: ncurses needs the character encoding; LC_NUMERIC would change strtod/printf process-wide.
        setlocale(LC_CTYPE, "")
        if hs_locale_is_utf8() == 0 { setlocale(LC_CTYPE, "C.UTF-8") }
        _ = hs_save_termios()
        // Before newterm, so ncurses sees our SIGINT/SIGTERM handlers and does not install its own.
        hs_install_signal_handlers()
        guard let screen = newterm(nil, hs_stdout(), hs_stdin()) else {
            hs_restore_signal_handlers()
            let term = getenv("TERM").map { String(cString: $0) } ?? "unset"
            throw TerminalError(
                .setupFailed,
                "hindsight: cannot set up the terminal (TERM=\(term)); set TERM to your terminal's type, e.g. TERM=xterm-256color")
        }
        guard let window = hs_stdscr() else {
            endwin()
            delscreen(screen)
            hs_restore_signal_handlers()
            throw TerminalError(.setupFailed, "hindsight: ncurses set up no screen window")
        }
        self.screen = screen
        self.currentWindow = window
        isStarted = true
        prepareEmergencyRestore()
        raw()
        noecho()
        nonl()
        keypad(window, true)
        intrflush(window, false)
        set_escdelay(options.escapeDelay)
        curs_set(0)
        cursorVisible = false
        setUpColors()
        if options.mouse {
            mouseinterval(0)
            _ = mousemask(hs_button1_pressed() | hs_button1_released() | hs_button4_pressed() | hs_button5_pressed(), nil)
        }
    }

    /// Restores the terminal (`endwin`), frees the screen and puts back the previous signal handlers.
    /// Does nothing when not started.
    public func stop() {
        guard isStarted else { return }
        isStarted = false
        hs_restore_arm(0)
        if options.mouse { _ = mousemask(0, nil) }
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
        currentWindow = nil
        hs_restore_signal_handlers()
    }

    /// Saves the bytes a signal handler writes to restore the screen, while it is still safe to look them up.
    private func prepareEmergencyRestore() {
        hs_restore_sequence_reset()
        hs_restore_sequence_append("\u{18}")  // CAN: abandon an escape sequence cut short by the signal
        hs_restore_sequence_append_capability("sgr0")
        hs_restore_sequence_append_capability("cnorm")
        hs_restore_sequence_append_capability("rmkx")
        if options.mouse { hs_restore_sequence_append("\u{1b}[?1000l\u{1b}[?1002l\u{1b}[?1003l\u{1b}[?1006l") }
        hs_restore_sequence_append_capability("rmcup")
        hs_restore_sequence_append("\r\n")
        hs_restore_arm(1)
    }

    /// Chooses the colour mode and, with colours, sets up default colours.
    private func setUpColors() {
        let wanted = options.colorMode ?? environmentColorMode()
        guard wanted == .color, has_colors() else {
            colorMode = .monochrome
            return
        }
        start_color()
        let defaults = use_default_colors() != ERR
        colorPairs = ColorPairs(capacity: hs_color_pairs(), colorCount: hs_colors(), hasDefaultColors: defaults)
        colorMode = .color
    }

    /// ``ColorMode/monochrome`` when `NO_COLOR` is set to a non-empty value.
    private func environmentColorMode() -> ColorMode {
        guard let value = getenv("NO_COLOR") else { return .color }
        return ColorMode.fromEnvironment(["NO_COLOR": String(cString: value)])
    }

    // MARK: - Signals

    /// Throws ``TerminalInterrupted`` if SIGINT/SIGTERM/SIGHUP/SIGQUIT arrived since ``start()``.
    ///
    /// ``nextEvent(timeout:)`` calls it; call it from long computations between frames too.
    public func checkInterrupted() throws {
        let signal = hs_take_pending_signal()
        if signal != 0 { throw TerminalInterrupted(signal: signal) }
    }
}

extension TerminalInterrupted {
    /// Ends the process the way the signal would have (default action, re-raised), for a parent
    /// shell that checks how the child died. Call it after the terminal is stopped.
    public func exitBySignal() -> Never {
        hs_exit_by_signal(signal)
        fatalError("unreachable: the signal \(signal) did not end the process")
    }
}
