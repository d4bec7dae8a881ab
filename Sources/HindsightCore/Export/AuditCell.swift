/// How CSV and Markdown cells hold a row's values, reversibly and terminal-safely.
///
/// Text is written as is when it is *plain*: terminal-safe (``TextSafety/isSafe(_:)``), without
/// leading or trailing spaces, not starting with `"` and, in CSV, not starting with `=`, `+`, `-` or
/// `@` (which spreadsheets would read as a formula). Any other text is written as a JSON string literal (`"-nickname"`,
/// `"a\u001bb"`), which a reader turns back into the text. Integers are digits, JSON columns
/// (`data`, `state`) are canonical JSON text.
enum AuditCell {
    /// Whether text can be written as is.
    static func isPlain(_ s: String, csv: Bool) -> Bool {
        guard let first = s.utf8.first, let last = s.utf8.last else { return true }
        switch first {
        case UInt8(ascii: "\""), UInt8(ascii: " "): return false
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"): if csv { return false }
        default: break
        }
        return last != UInt8(ascii: " ") && TextSafety.isSafe(s)
    }

    /// The cell text of a string value.
    static func encode(_ s: String, csv: Bool) -> String {
        if isPlain(s, csv: csv) { return s }
        var out: [UInt8] = []
        JSONSerializer.writeString(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The string value of a cell; nil when it starts with `"` but is not a JSON string literal.
    static func decode(_ cell: String) -> String? {
        guard cell.utf8.first == UInt8(ascii: "\"") else { return cell }
        return (try? JSONParser.parse(cell))?.stringValue
    }

    /// The cell text of a column of a row.
    static func text(of column: String, in row: AuditRow, csv: Bool) -> String {
        switch column {
        case "seq": return String(row.seq)
        case "offset": return String(row.offset)
        case "version": return String(row.version)
        case "data": return String(decoding: CanonicalJSON.bytes(row.data ?? .null), as: UTF8.self)
        case "state": return String(decoding: CanonicalJSON.bytes(row.state ?? .null), as: UTF8.self)
        default: return encode(row.text(of: column), csv: csv)
        }
    }

    /// A row from its cells (in `columns` order); the error names what is wrong.
    static func row(cells: [String], columns: AuditColumns) -> Result<AuditRow, RowError> {
        let names = columns.names
        guard cells.count == names.count else {
            return .failure(RowError("it has \(cells.count) cells; the export has \(names.count) columns"))
        }
        var row = AuditRow(seq: 0, offset: 0, logTime: "", eventTime: "", key: "", type: "", id: "", version: 0, actor: "", summary: "", hash: "", prev: "")
        for (name, cell) in zip(names, cells) {
            if AuditColumns.integerColumns.contains(name) {
                guard let n = Int64(cell) else { return .failure(RowError("its \(name) \"\(TextSafety.truncate(cell, toWidth: 30))\" is not an integer")) }
                switch name {
                case "seq": row.seq = Int(n)
                case "offset": row.offset = n
                default: row.version = Int(n)
                }
            } else if AuditColumns.jsonColumns.contains(name) {
                guard let json = try? JSONParser.parse(cell) else { return .failure(RowError("its \(name) is not valid JSON")) }
                if name == "data" { row.data = json } else { row.state = json }
            } else {
                guard let text = decode(cell) else { return .failure(RowError("its \(name) starts with a quote but is not a JSON string")) }
                switch name {
                case "logTime": row.logTime = text
                case "eventTime": row.eventTime = text
                case "key": row.key = text
                case "type": row.type = text
                case "id": row.id = text
                case "actor": row.actor = text
                case "summary": row.summary = text
                case "hash": row.hash = text
                case "prev": row.prev = text
                default: row.rowHash = text
                }
            }
        }
        return .success(row)
    }

    // MARK: CSV (RFC 4180)

    /// A CSV field: quoted (with `""` for `"`) when it holds a comma, a quote, CR or LF.
    static func csvField(_ cell: String) -> String {
        let needsQuotes = cell.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The fields of one CSV record (without its line break); nil when a quoted field is not closed
    /// or a quote appears inside an unquoted field.
    static func csvFields(_ record: Substring.UTF8View) -> [String]? {
        var fields: [String] = []
        var field: [UInt8] = []
        var i = record.startIndex
        var quoted = false
        var atStart = true
        while i < record.endIndex {
            let b = record[i]
            if quoted {
                if b == UInt8(ascii: "\"") {
                    let next = record.index(after: i)
                    if next < record.endIndex && record[next] == UInt8(ascii: "\"") {
                        field.append(b)
                        i = record.index(after: next)
                        continue
                    }
                    quoted = false
                    // After a closing quote only a separator may follow.
                    if next < record.endIndex && record[next] != UInt8(ascii: ",") { return nil }
                } else {
                    field.append(b)
                }
            } else if b == UInt8(ascii: ",") {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                atStart = true
                i = record.index(after: i)
                continue
            } else if b == UInt8(ascii: "\"") {
                guard atStart else { return nil }
                quoted = true
            } else {
                field.append(b)
            }
            atStart = false
            i = record.index(after: i)
        }
        if quoted { return nil }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }

    /// Whether a CSV text so far leaves a quoted field open (then the record goes on on the next line).
    static func csvOpensQuote(_ text: Substring.UTF8View) -> Bool {
        var open = false
        for b in text where b == UInt8(ascii: "\"") { open.toggle() }
        return open
    }

    // MARK: Markdown

    /// A Markdown table cell's text: `|` escaped as `\|`.
    static func markdownCell(_ cell: String) -> String {
        cell.contains("|") ? cell.replacingOccurrences(of: "|", with: "\\|") : cell
    }

    /// The cells of a Markdown table row (`| a | b |`), trimmed, with `\|` turned back into `|`; nil when
    /// the line is not a table row.
    static func markdownCells(_ line: Substring) -> [String]? {
        let bytes = Array(line.utf8)
        var start = 0, end = bytes.count
        while start < end, bytes[start] == UInt8(ascii: " ") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        guard end - start >= 2, bytes[start] == UInt8(ascii: "|"), bytes[end - 1] == UInt8(ascii: "|") else { return nil }
        var cells: [String] = []
        var cell: [UInt8] = []
        var i = start + 1
        func finish() {
            var a = 0, b = cell.count
            while a < b, cell[a] == UInt8(ascii: " ") { a += 1 }
            while b > a, cell[b - 1] == UInt8(ascii: " ") { b -= 1 }
            cells.append(String(decoding: cell[a..<b], as: UTF8.self))
            cell.removeAll(keepingCapacity: true)
        }
        while i < end {
            let c = bytes[i]
            if c == UInt8(ascii: "\\"), i + 1 < end, bytes[i + 1] == UInt8(ascii: "|") {
                cell.append(UInt8(ascii: "|"))
                i += 2
                continue
            }
            if c == UInt8(ascii: "|") {
                // The last `|` closes the row; an unescaped one before it separates cells.
                finish()
                i += 1
                continue
            }
            cell.append(c)
            i += 1
        }
        if !cell.isEmpty { finish() }
        return cells
    }
}

/// Why a line of an export is not a row.
struct RowError: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
