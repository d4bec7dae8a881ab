import CNcurses
import HindsightTUI

extension NcursesTerminal {
    /// Copies `buffer` to the screen: runs of narrow cells in one style per call, wide and
    /// composed graphemes each at their exact column, continuation cells skipped.
    ///
    /// The whole screen is rewritten into curses' virtual screen and `doupdate` sends only the
    /// difference. Cells beyond the screen are clipped. A grapheme curses refuses (e.g. one the C
    /// library thinks unprintable) is drawn as `?`.
    public func draw(_ buffer: Buffer) throws {
        guard let window = currentWindow else { throw TerminalError(.notStarted, "draw called before start") }
        werase(window)
        let height = min(buffer.height, Int(getmaxy(window)))
        let width = min(buffer.width, Int(getmaxx(window)))
        for y in 0..<height {
            var x = 0
            while x < width {
                let cell = buffer[x, y]
                if cell.isContinuation {
                    x += 1
                    continue
                }
                applyStyle(cell.style, to: window)
                if let ascii = cell.symbol.asciiValue, cell.symbol.utf8.count == 1 {
                    // A run of single-byte cells in the same style, in one call.
                    var run: [wchar_t] = [wchar_t(ascii)]
                    var end = x + 1
                    while end < width {
                        let next = buffer[end, y]
                        guard !next.isContinuation, next.style == cell.style,
                              let byte = next.symbol.asciiValue, next.symbol.utf8.count == 1 else { break }
                        run.append(wchar_t(byte))
                        end += 1
                    }
                    _ = run.withUnsafeBufferPointer { mvwaddnwstr(window, Int32(y), Int32(x), $0.baseAddress, Int32($0.count)) }
                    x = end
                } else {
                    let wide = x + 1 < buffer.width && buffer[x + 1, y].isContinuation
                    if wide && x + 1 >= width {
                        x += 1  // the screen is narrower than the buffer: never draw half a wide grapheme
                        continue
                    }
                    let scalars = cell.symbol.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
                    let status = scalars.withUnsafeBufferPointer {
                        mvwaddnwstr(window, Int32(y), Int32(x), $0.baseAddress, Int32($0.count))
                    }
                    if status == ERR {
                        var fallback: [wchar_t] = wide ? [63, 63] : [63]  // "?"
                        _ = fallback.withUnsafeMutableBufferPointer {
                            mvwaddnwstr(window, Int32(y), Int32(x), $0.baseAddress, Int32($0.count))
                        }
                    }
                    x += wide ? 2 : 1
                }
            }
        }
        wattr_set(window, hs_a_normal(), 0, nil)
        if let cursor = buffer.cursor, cursor.x >= 0, cursor.x < width, cursor.y >= 0, cursor.y < height {
            if !cursorVisible { curs_set(1); cursorVisible = true }
            wmove(window, Int32(cursor.y), Int32(cursor.x))
        } else if cursorVisible {
            curs_set(0)
            cursorVisible = false
        }
        wnoutrefresh(window)
        doupdate()
    }

    /// Sets the window's attributes and colour pair for `style` (mapped to monochrome when needed).
    private func applyStyle(_ style: Style, to window: UnsafeMutablePointer<WINDOW>) {
        let style = colorMode.apply(style)
        var attributes = hs_a_normal()
        if style.bold { attributes |= hs_a_bold() }
        if style.dim { attributes |= hs_a_dim() }
        if style.reverse { attributes |= hs_a_reverse() }
        if style.underline { attributes |= hs_a_underline() }
        var pair: Int16 = 0
        if colorMode == .color {
            pair = colorPairs.pair(fg: style.fg, bg: style.bg)
            if style.fg.isBright && colorPairs.needsBoldForBright { attributes |= hs_a_bold() }
        }
        wattr_set(window, attributes, pair, nil)
    }
}
