/// Writes JSON text. Output is always terminal-safe: every control character, C1 control,
/// bidi override and line/paragraph separator inside a string is written as a `\u` escape.
public enum JSONSerializer {
    /// Compact JSON on one line (`{"a":1,"b":[true,null]}`).
    public static func compact(_ value: JSON) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(value, into: &out, indent: nil, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Pretty-printed JSON with `indent` spaces per level.
    public static func pretty(_ value: JSON, indent: Int = 2) -> String {
        var out: [UInt8] = []
        write(value, into: &out, indent: indent, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the UTF-8 JSON text of `value` to `out`.
    public static func write(_ value: JSON, into out: inout [UInt8], indent: Int?, level: Int) {
        switch value {
        case .null: appendLiteral("null", &out)
        case .bool(let b): appendLiteral(b ? "true" : "false", &out)
        case .number(let n): appendUTF8(n.literal, &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            if a.isEmpty { appendLiteral("[]", &out); return }
            out.append(UInt8(ascii: "["))
            for i in a.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent: indent, level: level + 1)
                write(a[i], into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent: indent, level: level)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { appendLiteral("{}", &out); return }
            out.append(UInt8(ascii: "{"))
            let keys = o.keys, values = o.values
            for i in 0..<keys.count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent: indent, level: level + 1)
                writeString(keys[i], into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                write(values[i], into: &out, indent: indent, level: level + 1)
            }
            newline(&out, indent: indent, level: level)
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always) private static func appendLiteral(_ text: StaticString, _ out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always) private static func appendUTF8(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    @inline(__always) static func newline(_ out: inout [UInt8], indent: Int?, level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a quoted, escaped JSON string.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        let plain = s.withUTF8 { utf8 -> Bool in
            for b in utf8 where b < 0x20 || b == 0x22 || b == 0x5C || b >= 0x7F { return false }
            out.append(contentsOf: utf8)
            return true
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            return
        }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            default:
                if isTerminalUnsafeScalar(v) {
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
                    out.append(hexDigits[Int((v >> 12) & 0xF)])
                    out.append(hexDigits[Int((v >> 8) & 0xF)])
                    out.append(hexDigits[Int((v >> 4) & 0xF)])
                    out.append(hexDigits[Int(v & 0xF)])
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSON: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { JSONSerializer.compact(self) }
}
