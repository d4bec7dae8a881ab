import CNcurses
import HindsightTUI

/// Colour pairs allocated on demand, one per (foreground, background) combination in use.
///
/// Pair 0 is the terminal default. With `use_default_colors`, ``Color/default`` maps to -1;
/// without it, to white on black. Bright colours use indices 8–15 when the terminal has 16
/// colours, else the basic colour (the caller adds bold for a bright foreground).
struct ColorPairs {
    private var pairs: [Key: Int16] = [:]
    private var nextPair: Int32 = 1
    /// How many pairs the terminal supports (`COLOR_PAIRS`).
    let capacity: Int32
    /// How many colours the terminal supports (`COLORS`).
    let colorCount: Int32
    /// Whether -1 means the terminal's default colour (`use_default_colors` succeeded).
    let hasDefaultColors: Bool

    private struct Key: Hashable {
        var fg: Color
        var bg: Color
    }

    init(capacity: Int32, colorCount: Int32, hasDefaultColors: Bool) {
        self.capacity = capacity
        self.colorCount = colorCount
        self.hasDefaultColors = hasDefaultColors
    }

    /// Whether a bright foreground must be approximated by bold (fewer than 16 colours).
    var needsBoldForBright: Bool { colorCount < 16 }

    /// The pair number for `fg` on `bg`, allocating it with `init_pair` the first time; 0 when out of pairs.
    mutating func pair(fg: Color, bg: Color) -> Int16 {
        if fg == .default && bg == .default { return 0 }
        let key = Key(fg: fg, bg: bg)
        if let existing = pairs[key] { return existing }
        guard nextPair < capacity, nextPair <= Int32(Int16.max) else { return 0 }
        let number = Int16(nextPair)
        guard init_pair(number, index(of: fg, isForeground: true), index(of: bg, isForeground: false)) != ERR else { return 0 }
        nextPair += 1
        pairs[key] = number
        return number
    }

    /// The curses colour number for `color`.
    private func index(of color: Color, isForeground: Bool) -> Int16 {
        guard let ansi = color.ansiIndex else {
            if hasDefaultColors { return -1 }
            return Int16(isForeground ? COLOR_WHITE : COLOR_BLACK)
        }
        if ansi >= 8 && colorCount < 16 { return Int16(ansi - 8) }
        return Int16(ansi)
    }
}
