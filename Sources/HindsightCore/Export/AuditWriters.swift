/// Writes rows in one export format. `begin` gets the manifest without its rows and digest unless
/// `final` is set; `end` gets the finished manifest. Each row is made in two steps: ``RowLine/text(_:canonical:)``
/// (any thread) gives its text up to its rowHash, `row` adds the rowHash and writes it (in order).
protocol AuditFormatWriter: AnyObject {
    func begin(_ manifest: AuditManifest, final: Bool) throws
    /// Writes a row: its text from ``RowLine`` and its 32-byte rowHash.
    func row(_ line: UnsafeRawBufferPointer, rowHash: UnsafeRawBufferPointer) throws
    func end(_ manifest: AuditManifest) throws
}

/// The text of a row in one format, up to (not including) its rowHash; pure, so rows can be made on worker threads.
struct RowLine: Sendable {
    let format: ExportFormat
    let names: [String]

    init(format: ExportFormat, columns: AuditColumns) {
        self.format = format
        self.names = columns.names
    }

    /// Appends the row's text (up to its rowHash) to `out`; `canonical` is its canonical content.
    func append(_ row: GeneratedRow, canonical: [UInt8], to out: inout [UInt8]) {
        switch format {
        case .jsonl:
            RowLine.appendJSONL(canonical: canonical, to: &out)
        case .csv:
            let audit = row.auditRow()
            var line = ""
            for name in names.dropLast() {
                line += AuditCell.csvField(AuditCell.text(of: name, in: audit, csv: true)) + ","
            }
            out.append(contentsOf: line.utf8)
        case .markdown:
            let audit = row.auditRow()
            var line = "|"
            for name in names.dropLast() {
                line += " " + AuditCell.markdownCell(AuditCell.text(of: name, in: audit, csv: false)) + " |"
            }
            out.append(contentsOf: (line + " ").utf8)
        }
    }

    static let rowHashMember: StaticString = ",\"rowHash\":\""

    /// A JSON Lines row's text up to its rowHash: the canonical content, open for one more member.
    @inline(__always)
    static func appendJSONL(canonical: [UInt8], to out: inout [UInt8]) {
        canonical.withUnsafeBytes { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[..<($0.count - 1)])) }
        out.append(static: rowHashMember)
    }
}


/// JSON Lines: the manifest on line 1, then each row's canonical content with its `rowHash`.
///
/// When the manifest's rows and digest are not known yet, line 1 is written with placeholders and
/// padded with spaces (JSON allows trailing whitespace) to a width that the final manifest fits in,
/// then overwritten in place.
final class JSONLAuditWriter: AuditFormatWriter {
    let sink: ByteSink
    /// Where line 1 starts in the file (for the in-place rewrite).
    let start: Int?
    private var reserved = 0
    private var final = true

    init(sink: ByteSink, start: Int?) {
        self.sink = sink
        self.start = start
    }

    func begin(_ manifest: AuditManifest, final: Bool) throws {
        self.final = final
        var m = manifest
        if !final {
            m.rows = 0
            m.digest = String(repeating: "0", count: 64)
        }
        let line = JSONSerializer.compact(m.json())
        if final {
            sink.append(line)
        } else {
            // Room for any row count (up to 19 digits instead of 1).
            reserved = line.utf8.count + 18
            sink.append(line + String(repeating: " ", count: 18))
        }
        sink.append(0x0A)
    }

    func row(_ line: UnsafeRawBufferPointer, rowHash: UnsafeRawBufferPointer) throws {
        sink.withBuffer { out in
            out.append(contentsOf: line)
            CanonicalBytes.hex(rowHash, into: &out)
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: "}"))
            out.append(0x0A)
        }
        try sink.flushIfFull()
    }

    func end(_ manifest: AuditManifest) throws {
        try sink.flush()
        guard !final, let start else { return }
        var line = Array(JSONSerializer.compact(manifest.json()).utf8)
        guard line.count <= reserved else {
            throw HindsightError(.io, "\(sink.name): the manifest does not fit the space reserved for it", hint: "this is a bug; please report it")
        }
        line.append(contentsOf: repeatElement(UInt8(ascii: " "), count: reserved - line.count))
        try sink.overwrite(line, at: start)
    }
}

/// RFC 4180 CSV: a header row, then one record per row, CRLF line breaks.
final class CSVAuditWriter: AuditFormatWriter {
    let sink: ByteSink
    private var names: [String] = []

    init(sink: ByteSink) { self.sink = sink }

    func begin(_ manifest: AuditManifest, final: Bool) throws {
        names = manifest.columns.names
        sink.append(names.joined(separator: ",") + "\r\n")
    }

    func row(_ line: UnsafeRawBufferPointer, rowHash: UnsafeRawBufferPointer) throws {
        sink.withBuffer { out in
            out.append(contentsOf: line)
            CanonicalBytes.hex(rowHash, into: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        try sink.flushIfFull()
    }

    func end(_ manifest: AuditManifest) throws { try sink.flush() }
}

/// A Markdown document: a title and a sentence, the table, and the manifest in a closing section.
final class MarkdownAuditWriter: AuditFormatWriter {
    let sink: ByteSink
    private var names: [String] = []

    init(sink: ByteSink) { self.sink = sink }

    /// Text for prose and code spans: escaped, without backticks or pipes.
    static func inline(_ s: String) -> String {
        TextSafety.escape(s).replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "|", with: "\\|")
    }

    func begin(_ m: AuditManifest, final: Bool) throws {
        names = m.columns.names
        var intro = "Offsets \(m.firstOffset)…\(m.lastOffset) of `\(Self.inline(m.source))` (\(m.logRecords) records, head `\(m.headHash)`)"
        if let key = m.key { intro += ", key `\(Self.inline(key))`" }
        if let type = m.type { intro += ", type `\(Self.inline(type))`" }
        if let r = m.redaction { intro += ", redacted: " + r.paths.map { "`\(Self.inline($0))`" }.joined(separator: ", ") }
        intro += "; exported \(Self.inline(m.exportedAt)) by \(Self.inline(m.tool))."
        var text = "# Audit export: \(Self.inline(m.source))\n\n\(intro)\nThe table and the manifest below are checked by `hindsight verify --audit FILE`.\n\n"
        text += "| " + names.joined(separator: " | ") + " |\n"
        text += "|" + names.map { AuditColumns.integerColumns.contains($0) ? "---:|" : "---|" }.joined() + "\n"
        sink.append(text)
    }

    func row(_ line: UnsafeRawBufferPointer, rowHash: UnsafeRawBufferPointer) throws {
        sink.withBuffer { out in
            out.append(contentsOf: line)
            CanonicalBytes.hex(rowHash, into: &out)
            out.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: "|"), 0x0A])
        }
        try sink.flushIfFull()
    }

    func end(_ m: AuditManifest) throws {
        var text = "\n## Manifest\n\n\(m.rows) row\(m.rows == 1 ? "" : "s"); digest `\(m.digest)`.\n\n"
        text += "```json\n" + JSONSerializer.pretty(m.json()) + "\n```\n"
        sink.append(text)
        try sink.flush()
    }
}
