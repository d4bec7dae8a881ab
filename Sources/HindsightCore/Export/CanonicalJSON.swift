/// The canonical JSON text that audit digests are computed over: compact, object members sorted by
/// the UTF-8 bytes of their names, numbers as written, strings escaped as ``JSONSerializer`` does
/// (so the text is terminal-safe; written by `JSONStringWriter`, which gives the same bytes faster).
///
/// Parsing canonical text and writing it again gives the same bytes, so a digest over it survives a
/// round trip through any of the export formats.
public enum CanonicalJSON {
    /// The canonical text of `value`.
    public static func bytes(_ value: JSON) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    /// Appends the canonical text of `value` to `out`.
    /// - Complexity: O(n log n) in the number of members of the largest object, O(n) otherwise.
    public static func write(_ value: JSON, into out: inout [UInt8]) {
        switch value {
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, element) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            var names = Array(o.keys)
            if names.count > 1 { names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
            for (i, name) in names.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONStringWriter.write(name, into: &out)
                out.append(UInt8(ascii: ":"))
                if let member = o[name] { write(member, into: &out) }
            }
            out.append(UInt8(ascii: "}"))
        case .string(let s):
            JSONStringWriter.write(s, into: &out)
        default:
            JSONSerializer.write(value, into: &out, indent: nil, level: 0)
        }
    }
}
