/// Makes untrusted text safe to show on a terminal and measures it in terminal columns.
///
/// Log payloads are untrusted: an event can carry `ESC [ 2 J`, a bidi override that reverses
/// what a reviewer reads, or a C1 `CSI` byte. Everything that reaches a terminal goes through
/// ``escape(_:)``, which replaces such characters by visible escapes (`\e`, `\u{202e}`, ...).
///
/// Widths are computed here in pure Swift (no `wcwidth`, no ncurses) so that a layout measured
/// in a test is the layout drawn on screen. Controls are measured as the width of their escape,
/// so `displayWidth(s) == displayWidth(escape(s))` for every `s`.
///
/// All functions have ASCII fast paths: the explorer calls them for every visible cell of every frame.
public enum TextSafety {
    /// How ``pad(_:toWidth:alignment:)`` places text inside the padded width.
    public enum Alignment: Sendable, Hashable {
        case left, center, right
    }

    // MARK: - Escaping

    /// Returns `s` with every character that could control or spoof a terminal replaced by a visible escape.
    ///
    /// Replaced: C0 controls (`\0 \a \b \t \n \r \e`, others as `\x01`), DEL (`\x7f`), C1 controls
    /// (`\u{9b}`), bidi marks, embeddings, overrides and isolates (`\u{200e}`, `\u{202e}`, `\u{2066}`,
    /// `\u{61c}`, ...), line and paragraph separators (`\u{2028}`, `\u{2029}`) and the BOM (`\u{feff}`).
    /// A literal backslash is kept as is, so the escaping is for display, not reversible.
    /// Everything else (printable ASCII, CJK, emoji, combining marks, ZWJ) is kept.
    ///
    /// - Complexity: O(n); returns `s` itself (no copy) when ``isSafe(_:)`` holds.
    public static func escape(_ s: String) -> String {
        if isSafe(s) { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            if isUnsafe(scalar.value) {
                appendEscape(of: scalar.value, to: &out)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Whether `s` can be sent to a terminal as is (``escape(_:)`` would return it unchanged).
    ///
    /// - Complexity: O(n) over the UTF-8 bytes, without decoding scalars.
    public static func isSafe(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { isSafeUTF8($0) }
    }

    /// Whether the scalar `v` must be escaped before it reaches a terminal.
    @inline(__always)
    static func isUnsafe(_ v: UInt32) -> Bool {
        if v < 0x20 || (v >= 0x7F && v <= 0x9F) { return true }
        if v < 0x200E { return v == 0x061C }
        switch v {
        case 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    /// Scans UTF-8 bytes for anything ``isUnsafe(_:)`` rejects, decoding only the few lead bytes that matter.
    private static func isSafeUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20 || b == 0x7F { return false }
                i += 1
                continue
            }
            let next = i + 1 < n ? bytes[i + 1] : 0
            switch b {
            case 0xC2:  // U+0080..U+00BF: C1 controls are C2 80..C2 9F
                if next <= 0x9F { return false }
            case 0xD8:  // U+061C ARABIC LETTER MARK = D8 9C
                if next == 0x9C { return false }
            case 0xE2:  // U+2000..U+2FFF
                let third = i + 2 < n ? bytes[i + 2] : 0
                if next == 0x80 && (third == 0x8E || third == 0x8F || (third >= 0xA8 && third <= 0xAE)) { return false }
                if next == 0x81 && third >= 0xA6 && third <= 0xA9 { return false }
            case 0xEF:  // U+FEFF = EF BB BF
                if next == 0xBB && i + 2 < n && bytes[i + 2] == 0xBF { return false }
            default:
                break
            }
            i += 1
        }
        return true
    }

    /// Appends the visible escape of the unsafe scalar `v` to `out`.
    private static func appendEscape(of v: UInt32, to out: inout String.UnicodeScalarView) {
        let text: String
        switch v {
        case 0x00: text = "\\0"
        case 0x07: text = "\\a"
        case 0x08: text = "\\b"
        case 0x09: text = "\\t"
        case 0x0A: text = "\\n"
        case 0x0D: text = "\\r"
        case 0x1B: text = "\\e"
        case 0..<0x20, 0x7F: text = "\\x" + hex(v, minDigits: 2)
        default: text = "\\u{" + hex(v, minDigits: 1) + "}"
        }
        out.append(contentsOf: text.unicodeScalars)
    }

    /// The width in columns of the escape that replaces the unsafe scalar `v`.
    private static func escapeWidth(of v: UInt32) -> Int {
        switch v {
        case 0x00, 0x07, 0x08, 0x09, 0x0A, 0x0D, 0x1B: return 2
        case 0..<0x20, 0x7F: return 4
        default: return 4 + hex(v, minDigits: 1).utf8.count
        }
    }

    /// Lowercase hexadecimal digits of `v`, zero-padded to `minDigits`.
    private static func hex(_ v: UInt32, minDigits: Int) -> String {
        let digits = String(v, radix: 16)
        if digits.utf8.count >= minDigits { return digits }
        return String(repeating: "0", count: minDigits - digits.utf8.count) + digits
    }

    // MARK: - Width

    /// The number of terminal columns the grapheme `c` occupies once escaped: 0, 1 or 2 (more for an escape).
    ///
    /// East Asian Wide and Fullwidth characters and emoji (emoji presentation, a VS16 `U+FE0F`
    /// sequence, a flag) take 2 columns; a grapheme that starts with a combining or zero-width
    /// scalar takes 0; controls take the width of their escape (`"\u{1b}"` → 2 for `\e`).
    public static func displayWidth(of c: Character) -> Int {
        let scalars = c.unicodeScalars
        var iterator = scalars.makeIterator()
        guard let first = iterator.next() else { return 0 }
        let v = first.value
        if v >= 0x20 && v < 0x7F {
            guard iterator.next() != nil else { return 1 }  // plain ASCII
            return scalars.contains("\u{FE0F}") ? 2 : 1      // e.g. keycap "1️⃣"
        }
        if isUnsafe(v) {
            // Controls are graphemes of their own (only CR LF pairs), so measure each escape.
            return scalars.reduce(0) { $0 + (isUnsafe($1.value) ? escapeWidth(of: $1.value) : scalarWidth($1)) }
        }
        if isZeroWidth(first) { return 0 }
        if isWide(v) { return 2 }
        if scalars.contains("\u{FE0F}") && first.properties.isEmoji { return 2 }
        return 1
    }

    /// The number of terminal columns `s` occupies once escaped: the sum of its graphemes' widths.
    ///
    /// - Complexity: O(n); a single pass over the UTF-8 bytes for printable ASCII.
    public static func displayWidth(_ s: String) -> Int {
        if let ascii = printableASCIICount(s) { return ascii }
        if let simple = simpleScalarCount(s) { return simple }
        var total = 0
        for c in s { total += displayWidth(of: c) }
        return total
    }

    /// The width of a lone safe scalar (used for the rare scalars that share a grapheme with a control).
    private static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        if isZeroWidth(scalar) { return 0 }
        return isWide(scalar.value) ? 2 : 1
    }

    /// Whether every character of `s` is printable ASCII (U+0020–U+007E): then it is safe and its width is its length.
    ///
    /// - Complexity: O(n) over the UTF-8 bytes.
    public static func isPrintableASCII(_ s: String) -> Bool {
        printableASCIICount(s) != nil
    }

    /// The UTF-8 length of `s` if every byte is printable ASCII (then it is also its width), else nil.
    @inline(__always)
    static func printableASCIICount(_ s: String) -> Int? {
        var s = s
        return s.withUTF8 { bytes -> Int? in
            for b in bytes where b < 0x20 || b >= 0x7F { return nil }
            return bytes.count
        }
    }

    /// The number of scalars of `s` if each is printable ASCII or ``isSimpleNarrow(_:)``: then every scalar
    /// is a grapheme of its own, one column wide, and safe. Nil for anything else (the caller measures
    /// grapheme by grapheme).
    ///
    /// Summaries (`balance: 80 → 130`), ellipses and accented text take this path.
    static func simpleScalarCount(_ s: String) -> Int? {
        var count = 0
        for scalar in s.unicodeScalars {
            let v = scalar.value
            guard (v >= 0x20 && v < 0x7F) || isSimpleNarrow(v) else { return nil }
            count += 1
        }
        return count
    }

    /// Non-ASCII scalars that are safe, one column wide, and never join a neighbour into one grapheme
    /// (no marks, joiners, variation selectors, emoji presentation, Hangul jamo): Latin-1 and Latin
    /// Extended letters, spacing modifiers, Greek, Cyrillic, general punctuation, arrows.
    /// A property test checks them against the grapheme-by-grapheme measure.
    @inline(__always)
    static func isSimpleNarrow(_ v: UInt32) -> Bool {
        switch v {
        case 0xA1...0xAC, 0xAE...0x2FF,             // Latin-1 (not NBSP, SOFT HYPHEN), Latin Extended, IPA, modifiers
             0x370...0x377, 0x37A...0x37F, 0x384...0x38A, 0x38C, 0x38E...0x3A1, 0x3A3...0x482,  // Greek, Cyrillic
             0x2010...0x2027, 0x2030...0x203B, 0x203D...0x2048, 0x204A...0x205E,  // punctuation (not ‼ ⁉)
             0x2190...0x2193, 0x219A...0x21A8, 0x21AB...0x21FF:  // arrows (not the emoji ones)
            return true
        default:
            return false
        }
    }

    /// Whether `scalar` takes no column of its own: combining marks, format characters, Hangul medial/final jamo.
    private static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x300 { return false }  // includes U+00AD SOFT HYPHEN, shown as 1 column like glibc
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return true }
        if v == 0x200B { return true }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return true
        default: return false
        }
    }

    /// Whether the scalar `v` is East Asian Wide or Fullwidth (including emoji presentation and flags).
    private static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        var low = 0
        var high = wideRanges.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let range = wideRanges[mid]
            if v < range.lowerBound {
                high = mid - 1
            } else if v > range.upperBound {
                low = mid + 1
            } else {
                return true
            }
        }
        return false
    }

    /// Wide and Fullwidth ranges from Unicode's EastAsianWidth.txt (W and F; marks and format characters
    /// removed, regional indicators added; gaps of unassigned code points merged), sorted.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0...0x23F0,
        0x23F3...0x23F3, 0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F...0x267F,
        0x2693...0x2693, 0x26A1...0x26A1, 0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5,
        0x26CE...0x26CE, 0x26D4...0x26D4, 0x26EA...0x26EA, 0x26F2...0x26F3, 0x26F5...0x26F5,
        0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B, 0x2728...0x2728,
        0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755, 0x2757...0x2757, 0x2795...0x2797,
        0x27B0...0x27B0, 0x27BF...0x27BF, 0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55,
        0x2E80...0x3029, 0x302E...0x303E, 0x3041...0x3096, 0x309B...0x3247, 0x3250...0x4DBF,
        0x4E00...0xA4C6, 0xA960...0xA97C, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6B, 0xFF01...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE3, 0x16FF0...0x1B2FB,
        0x1F004...0x1F004, 0x1F0CF...0x1F0CF, 0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F1E6...0x1F320,
        0x1F32D...0x1F335, 0x1F337...0x1F37C, 0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3,
        0x1F3E0...0x1F3F0, 0x1F3F4...0x1F3F4, 0x1F3F8...0x1F43E, 0x1F440...0x1F440, 0x1F442...0x1F4FC,
        0x1F4FF...0x1F53D, 0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A...0x1F57A, 0x1F595...0x1F596,
        0x1F5A4...0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5, 0x1F6CC...0x1F6CC, 0x1F6D0...0x1F6D2,
        0x1F6D5...0x1F6DF, 0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7F0, 0x1F90C...0x1F93A,
        0x1F93C...0x1F945, 0x1F947...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x3FFFD,
    ]

    // MARK: - Fitting

    /// Returns `s`, escaped, cut so that its display width is at most `width`, ending in `ellipsis` when cut.
    ///
    /// Never splits a grapheme (a wide character that would straddle the limit is dropped whole).
    /// If `ellipsis` itself is wider than `width`, the text is cut without it. The result is always
    /// escaped, so it is safe to print even when `s` was not.
    ///
    /// - Complexity: O(n).
    public static func truncate(_ s: String, toWidth width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        let text = escape(s)
        if let ascii = printableASCIICount(text) {
            if ascii <= width { return text }
            let mark = escape(ellipsis)
            let markWidth = displayWidth(mark)
            if markWidth > width { return String(text.utf8.prefix(width)) ?? "" }
            return (String(text.utf8.prefix(width - markWidth)) ?? "") + mark
        }
        if let simple = simpleScalarCount(text) {
            if simple <= width { return text }
            let mark = escape(ellipsis)
            let markWidth = displayWidth(mark)
            let kept = String(text.unicodeScalars.prefix(markWidth > width ? width : width - markWidth))
            return markWidth > width ? kept : kept + mark
        }
        if displayWidth(text) <= width { return text }
        let mark = escape(ellipsis)
        let markWidth = displayWidth(mark)
        let budget = markWidth > width ? width : width - markWidth
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let w = displayWidth(of: text[index])
            if used + w > budget { break }
            used += w
            end = text.index(after: index)
        }
        let kept = String(text[..<end])
        return markWidth > width ? kept : kept + mark
    }

    /// Returns `s`, escaped, padded with spaces to display width `width`; text already that wide is returned unpadded.
    ///
    /// Use ``fit(_:toWidth:alignment:ellipsis:)`` for an exact width.
    public static func pad(_ s: String, toWidth width: Int, alignment: Alignment = .left) -> String {
        let text = escape(s)
        let gap = width - displayWidth(text)
        guard gap > 0 else { return text }
        switch alignment {
        case .left:
            return text + String(repeating: " ", count: gap)
        case .right:
            return String(repeating: " ", count: gap) + text
        case .center:
            let before = gap / 2
            return String(repeating: " ", count: before) + text + String(repeating: " ", count: gap - before)
        }
    }

    /// Returns `s`, escaped, truncated (with `ellipsis`) and padded so its display width is exactly `width`.
    ///
    /// A wide character dropped at the edge can leave the truncated text one column short; the padding fills it.
    public static func fit(_ s: String, toWidth width: Int, alignment: Alignment = .left, ellipsis: String = "…") -> String {
        pad(truncate(s, toWidth: width, ellipsis: ellipsis), toWidth: width, alignment: alignment)
    }
}
