/// Human-readable text for structural changes: one line per change, or a one-line summary.
///
/// All output is terminal-safe: paths are escaped and values are compact JSON (which escapes
/// control characters), cut to a display width with "…".
public enum DiffText {
    /// The default display width of one value in ``line(_:valueWidth:)``.
    public static let defaultValueWidth = 60
    /// The display width of one value inside ``summary(_:maxWidth:)``.
    public static let summaryValueWidth = 24
    /// How the root path (the whole record) is written.
    public static let rootName = "(root)"

    /// One line for a change: `~ /balance: 80 → 130`, `+ /items/2: "apple"`, `- /nickname: "Al"`.
    ///
    /// Paths are JSON Pointers (the root is written `(root)`); each value is cut to `valueWidth` columns.
    public static func line(_ change: StructuralDiff.Change, valueWidth: Int = defaultValueWidth) -> String {
        let path = change.path.isRoot ? rootName : TextSafety.escape(change.path.description)
        switch change.kind {
        case .added(let value): return "+ \(path): \(text(value, width: valueWidth))"
        case .removed(let value): return "- \(path): \(text(value, width: valueWidth))"
        case .replaced(let old, let new):
            return "~ \(path): \(text(old, width: valueWidth)) → \(text(new, width: valueWidth))"
        }
    }

    /// One line per change, in order (see ``line(_:valueWidth:)``).
    public static func lines(_ changes: [StructuralDiff.Change], valueWidth: Int = defaultValueWidth) -> [String] {
        changes.map { line($0, valueWidth: valueWidth) }
    }

    /// The lines of ``lines(_:valueWidth:)`` joined by newlines (empty when nothing changed).
    public static func render(_ changes: [StructuralDiff.Change], valueWidth: Int = defaultValueWidth) -> String {
        lines(changes, valueWidth: valueWidth).joined(separator: "\n")
    }

    /// A value as compact JSON, cut to `width` display columns with "…".
    public static func text(_ value: JSON, width: Int) -> String {
        TextSafety.truncate(JSONSerializer.compact(value), toWidth: max(1, width))
    }

    /// A one-line summary for event lists and audit exports, at most `maxWidth` columns wide.
    ///
    /// For example `balance: 80 → 130, items +1`: changed values as `path: old → new`, added
    /// members as `+path: value`, removed members as `-path`, array elements counted per array
    /// (`items +2 -1`), a created record as `created`, a deleted one as `deleted`. Paths are dotted
    /// (``dottedPath(_:in:)``). When the parts do not all fit, the summary ends with `… +N more`.
    /// Nothing changed gives `no changes`.
    ///
    /// - Complexity: O(number of changes × path depth).
    /// - Parameter document: the newer version (the diff's `b`), if known; it tells array indices
    ///   from member names made of digits. Without it, such tokens are taken for indices.
    public static func summary(_ changes: [StructuralDiff.Change], in document: JSON? = nil, maxWidth: Int = 80) -> String {
        let parts = summaryParts(changes, in: document)
        if parts.isEmpty { return fit("no changes", maxWidth) }
        let full = parts.joined(separator: ", ")
        // The parts are escaped text, whose width is never more than its UTF-8 length: skip measuring short ones.
        if full.utf8.count <= maxWidth || TextSafety.displayWidth(full) <= maxWidth { return full }
        // Keep the longest run of leading parts that still leaves room for the "… +N more" tail.
        func tail(_ left: Int) -> String { ", … +\(left) more" }
        var kept = 0
        var width = 0
        while kept < parts.count - 1 {
            let next = width + (kept > 0 ? 2 : 0) + TextSafety.displayWidth(parts[kept])
            if next + TextSafety.displayWidth(tail(parts.count - kept - 1)) > maxWidth { break }
            width = next
            kept += 1
        }
        if kept == 0 { return fit(full, maxWidth) }
        return parts[..<kept].joined(separator: ", ") + tail(parts.count - kept)
    }

    /// Cuts already-safe text to `width` columns (nothing at all for a width below 1).
    private static func fit(_ s: String, _ width: Int) -> String {
        width < 1 ? "" : TextSafety.truncate(s, toWidth: width)
    }

    /// The parts of a summary, in the order their paths first appear.
    static func summaryParts(_ changes: [StructuralDiff.Change], in document: JSON?) -> [String] {
        var parts: [String] = []
        // Array element additions and removals, counted per array path, shown at the first one's position.
        var counts: [JSONPointer: (part: Int, added: Int, removed: Int)] = [:]
        let valueWidth = summaryValueWidth
        for change in changes {
            if change.path.isRoot {
                switch change.kind {
                case .added: parts.append("created")
                case .removed: parts.append("deleted")
                case .replaced(let old, let new):
                    parts.append("\(rootName): \(text(old, width: valueWidth)) → \(text(new, width: valueWidth))")
                }
                continue
            }
            var countsAsElement = isArrayElement(change.path, in: document)
            if case .replaced = change.kind { countsAsElement = false }
            if countsAsElement {
                let array = change.path.parent
                var entry = counts[array] ?? (part: parts.count, added: 0, removed: 0)
                if entry.part == parts.count { parts.append("") }
                if case .added = change.kind { entry.added += 1 } else { entry.removed += 1 }
                counts[array] = entry
                parts[entry.part] = dottedPath(array, in: document) + (entry.added > 0 ? " +\(entry.added)" : "") + (entry.removed > 0 ? " -\(entry.removed)" : "")
                continue
            }
            let path = dottedPath(change.path, in: document)
            switch change.kind {
            case .added(let value): parts.append("+\(path): \(text(value, width: valueWidth))")
            case .removed: parts.append("-\(path)")
            case .replaced(let old, let new):
                parts.append("\(path): \(text(old, width: valueWidth)) → \(text(new, width: valueWidth))")
            }
        }
        return parts
    }

    /// A path in dotted form: `owner.name`, `items[2]`, `tags["two words"]`; the root is `(root)`.
    ///
    /// Member names that are identifiers are joined with dots, array indices are written `[2]`,
    /// any other member name as a quoted, escaped JSON string in brackets (`["first name"]`, `["2"]`).
    /// Always terminal-safe.
    ///
    /// - Parameter document: a document the path leads through (for a change, the diff's newer
    ///   version), used to tell array indices from member names made of digits. Where it does not
    ///   say (no document, or the path leaves it), digit tokens are taken for indices.
    public static func dottedPath(_ path: JSONPointer, in document: JSON? = nil) -> String {
        if path.isRoot { return rootName }
        var out = ""
        var container = document
        for token in path.tokens {
            let isIndex: Bool
            switch container {
            case .array(let elements)?:
                let index = JSONPointer.arrayIndex(token)
                isIndex = index != nil
                container = index.flatMap { $0 < elements.count ? elements[$0] : nil }
            case .object(let members)?:
                isIndex = false
                container = members[token]
            default:
                isIndex = JSONPointer.arrayIndex(token) != nil
                container = nil
            }
            if isIndex {
                out += "[\(token)]"
            } else if isIdentifier(token) {
                out += out.isEmpty ? token : "." + token
            } else {
                var bytes: [UInt8] = []
                JSONSerializer.writeString(token, into: &bytes)
                out += "[" + String(decoding: bytes, as: UTF8.self) + "]"
            }
        }
        return out
    }

    /// Whether `path` names an array element: its parent is an array in `document`, or (unknown) its last token is an index.
    static func isArrayElement(_ path: JSONPointer, in document: JSON?) -> Bool {
        switch document.flatMap({ path.parent.resolve(in: $0) }) {
        case .array?: return true
        case .object?: return false
        default: return path.last.flatMap(JSONPointer.arrayIndex) != nil
        }
    }

    /// Whether `token` can be written bare in a dotted path: a letter, `_` or `$`, then letters, digits, `_`, `-` or `$`.
    static func isIdentifier(_ token: String) -> Bool {
        // ASCII fast path (same answer as below for ASCII tokens).
        if let first = token.utf8.first, token.utf8.allSatisfy({ $0 < 0x80 }) {
            func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
            guard letter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: "$") else { return false }
            return token.utf8.allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "$") }
        }
        guard let first = token.first, first.isLetter || first == "_" || first == "$" else { return false }
        return token.allSatisfy { ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "$") && TextSafety.isSafe(String($0)) }
    }
}
