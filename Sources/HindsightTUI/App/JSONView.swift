import HindsightCore

/// Pretty-printed JSON as coloured lines, with objects and arrays that can be folded.
public enum JSONView {
    public struct Row: Sendable, Equatable {
        public var line: Line
        /// The JSON Pointer of the value that starts on this row.
        public var path: String
        /// Whether the row opens an object or array (Enter folds it).
        public var foldable: Bool
    }

    public struct Palette: Sendable {
        public var key = Style(fg: .cyan)
        public var string = Style(fg: .green)
        public var number = Style(fg: .magenta)
        public var literal = Style(fg: .yellow)
        public var punctuation = Style.plain
        public var note = Style(dim: true)
        public init() {}
    }

    /// The rows of `value`; paths in `folded` show as `{…}` / `[…]` with a count.
    public static func rows(_ value: JSON, folded: Set<String>, palette: Palette = Palette()) -> [Row] {
        var out: [Row] = []
        emit(value, path: JSONPointer.root, prefix: [], indent: 0, trailingComma: false, folded: folded, palette: palette, into: &out)
        return out
    }

    static func scalar(_ v: JSON, _ p: Palette) -> Span {
        let text = JSONSerializer.compact(v)
        switch v {
        case .string: return Span(text, style: p.string)
        case .number: return Span(text, style: p.number)
        default: return Span(text, style: p.literal)
        }
    }

    private static func emit(_ value: JSON, path: JSONPointer, prefix: [Span], indent: Int, trailingComma: Bool,
                             folded: Set<String>, palette p: Palette, into out: inout [Row]) {
        let pad = Span(String(repeating: " ", count: indent))
        let comma: [Span] = trailingComma ? [Span(",", style: p.punctuation)] : []
        let pathText = path.description
        switch value {
        case .object(let o) where !o.isEmpty:
            if folded.contains(pathText) {
                let n = Span(" \(o.count) key\(o.count == 1 ? "" : "s")", style: p.note)
                out.append(Row(line: Line(spans: [pad] + prefix + [Span("{…}", style: p.punctuation)] + comma + [n]), path: pathText, foldable: true))
                return
            }
            out.append(Row(line: Line(spans: [pad] + prefix + [Span("{", style: p.punctuation)]), path: pathText, foldable: true))
            for (i, (k, v)) in o.enumerated() {
                let keySpan = [Span(JSONSerializer.compact(.string(k)), style: p.key), Span(": ", style: p.punctuation)]
                emit(v, path: path.appending(k), prefix: keySpan, indent: indent + 2, trailingComma: i < o.count - 1, folded: folded, palette: p, into: &out)
            }
            out.append(Row(line: Line(spans: [pad, Span("}", style: p.punctuation)] + comma), path: pathText, foldable: false))
        case .array(let a) where !a.isEmpty:
            if folded.contains(pathText) {
                let n = Span(" \(a.count) item\(a.count == 1 ? "" : "s")", style: p.note)
                out.append(Row(line: Line(spans: [pad] + prefix + [Span("[…]", style: p.punctuation)] + comma + [n]), path: pathText, foldable: true))
                return
            }
            out.append(Row(line: Line(spans: [pad] + prefix + [Span("[", style: p.punctuation)]), path: pathText, foldable: true))
            for (i, v) in a.enumerated() {
                emit(v, path: path.appending(i), prefix: [], indent: indent + 2, trailingComma: i < a.count - 1, folded: folded, palette: p, into: &out)
            }
            out.append(Row(line: Line(spans: [pad, Span("]", style: p.punctuation)] + comma), path: pathText, foldable: false))
        default:
            let v: Span
            switch value {
            case .object: v = Span("{}", style: p.punctuation)
            case .array: v = Span("[]", style: p.punctuation)
            default: v = scalar(value, p)
            }
            out.append(Row(line: Line(spans: [pad] + prefix + [v] + comma), path: pathText, foldable: false))
        }
    }
}
