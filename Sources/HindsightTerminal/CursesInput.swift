import CNcurses
import HindsightTUI

/// What one `wget_wch` result means: a key, a resize, a mouse report to fetch, or nothing we use.
enum CursesInput: Equatable {
    case key(Key)
    case resize
    case mouse
    case ignored

    /// Decodes the result of `wget_wch`: `isKeyCode` when it returned `KEY_CODE_YES`, and the code it stored.
    ///
    /// Characters: 1–26 are Ctrl-letters (Ctrl-C is 3 because the terminal is in raw mode), except
    /// 8 (Backspace), 9 (Tab), 10 and 13 (Enter); 27 is Esc (the Escape delay is 25 ms); 127 is Backspace.
    static func decode(isKeyCode: Bool, code: UInt32) -> CursesInput {
        isKeyCode ? decodeKeyCode(Int32(truncatingIfNeeded: code)) : decodeCharacter(code)
    }

    /// Decodes a character (not a `KEY_*` code).
    static func decodeCharacter(_ code: UInt32) -> CursesInput {
        switch code {
        case 8, 127: return .key(.backspace)
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 0: return .key(.ctrl("@"))
        case 1...26:
            guard let scalar = Unicode.Scalar(UInt32(UInt8(ascii: "a")) + code - 1) else { return .ignored }
            return .key(.ctrl(Character(scalar)))
        case 28: return .key(.ctrl("\\"))
        case 29: return .key(.ctrl("]"))
        case 30: return .key(.ctrl("^"))
        case 31: return .key(.ctrl("_"))
        case 0x80...0x9F: return .ignored  // C1 controls are not keys
        default:
            guard let scalar = Unicode.Scalar(code) else { return .ignored }
            return .key(.char(Character(scalar)))
        }
    }

    /// Decodes a `KEY_*` code.
    static func decodeKeyCode(_ code: Int32) -> CursesInput {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_HOME, KEY_FIND: return .key(.home)
        case KEY_END, KEY_SELECT: return .key(.end)
        case KEY_ENTER: return .key(.enter)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_BTAB: return .key(.backTab)
        case KEY_RESIZE: return .resize
        case hs_key_mouse(): return .mouse
        case hs_key_f(1)...hs_key_f(63): return .key(.function(Int(code - hs_key_f(0))))
        default: return .ignored
        }
    }
}
