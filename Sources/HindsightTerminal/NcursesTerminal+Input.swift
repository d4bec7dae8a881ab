import CNcurses
import HindsightTUI

extension NcursesTerminal {
    /// Waits for the next key, mouse event or resize, at most `timeout` (nil: until there is one).
    ///
    /// Waits in slices of at most 250 ms and checks for a terminating signal between them.
    /// Keys curses reports that ``Key`` has no case for (Insert, keypad specials) are skipped.
    ///
    /// - Returns: nil when the timeout passed without input.
    /// - Throws: ``TerminalInterrupted`` after SIGINT/SIGTERM/SIGHUP/SIGQUIT;
    ///   ``TerminalError/Code/inputClosed`` when input keeps failing at once (the terminal is gone).
    public func nextEvent(timeout: Duration?) throws -> InputEvent? {
        guard let window = currentWindow else { throw TerminalError(.notStarted, "nextEvent called before start") }
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + max($0, .zero) }
        var instantFailures = 0
        while true {
            try checkInterrupted()
            var slice = NcursesTerminal.pollSlice
            if let deadline { slice = min(slice, max(.zero, deadline - clock.now)) }
            let sliceMilliseconds = Int32(clamping: slice.components.seconds * 1000 + slice.components.attoseconds / 1_000_000_000_000_000)
            wtimeout(window, sliceMilliseconds)
            var code: wint_t = 0
            let began = clock.now
            let status = wget_wch(window, &code)
            try checkInterrupted()
            if status == ERR {
                if let deadline, clock.now >= deadline { return nil }
                // A blocking read that fails at once, again and again: stdin is closed.
                if sliceMilliseconds >= 50 && clock.now - began < .milliseconds(2) {
                    instantFailures += 1
                    if instantFailures >= 20 { throw TerminalError(.inputClosed, "hindsight: the terminal input was closed") }
                } else {
                    instantFailures = 0
                }
                continue
            }
            instantFailures = 0
            switch CursesInput.decode(isKeyCode: status == KEY_CODE_YES, code: UInt32(code)) {
            case .key(let key):
                return .key(key)
            case .resize:
                return .resize(size)
            case .mouse:
                if let event = readMouse() { return .mouse(event) }
            case .ignored:
                break
            }
            if let deadline, clock.now >= deadline { return nil }
        }
    }

    /// Fetches the pending mouse report; nil for reports we do not use (other buttons, motion).
    private func readMouse() -> MouseEvent? {
        var event = MEVENT()
        guard getmouse(&event) == OK else { return nil }
        let state = event.bstate
        let kind: MouseEvent.Kind
        if state & hs_button4_pressed() != 0 {
            kind = .wheelUp
        } else if state & hs_button5_pressed() != 0 {
            kind = .wheelDown
        } else if state & hs_button1_pressed() != 0 {
            kind = .press
        } else if state & hs_button1_released() != 0 {
            kind = .release
        } else {
            return nil
        }
        return MouseEvent(x: Int(event.x), y: Int(event.y), kind: kind)
    }
}
