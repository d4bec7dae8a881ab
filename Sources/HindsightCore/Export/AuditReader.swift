/// Reads a file line by line in large chunks (`\n` or `\r\n` line breaks).
final class LineReader {
    private let file: RawFile
    private var chunk: [UInt8] = []
    private var position = 0
    private var fileOffset = 0
    private var atEnd = false
    /// The number of the line last returned (1-based).
    private(set) var lineNumber = 0

    init(path: String) throws {
        file = try RawFile.openForReading(path)
    }

    /// The next line without its line break, or nil at the end of the file.
    func next() throws -> String? {
        while true {
            if let newline = chunk[position...].firstIndex(of: 0x0A) {
                var end = newline
                if end > position && chunk[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: chunk[position..<end], as: UTF8.self)
                position = newline + 1
                lineNumber += 1
                return line
            }
            if atEnd {
                guard position < chunk.count else { return nil }
                var end = chunk.count
                if chunk[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: chunk[position..<end], as: UTF8.self)
                position = chunk.count
                lineNumber += 1
                return line
            }
            chunk.removeFirst(position)
            position = 0
            let more = try file.read(fileOffset..<(fileOffset + (1 << 20)))
            fileOffset += more.count
            if more.isEmpty { atEnd = true } else { chunk.append(contentsOf: more) }
        }
    }
}

/// One row as read from an export file.
struct ParsedRow {
    /// The line the row starts on.
    var line: Int
    /// Nil when the line is not a row (`error` says why).
    var row: AuditRow?
    var canonical: [UInt8] = []
    var stored: ChainHash?
    var error: String?
    /// The row's seq when it could be read, even if the rest of the row could not.
    var seq: Int?
}

/// Reads an audit export of any format: its manifest, then its rows one by one.
final class AuditFileReader {
    let path: String
    let format: ExportFormat
    let manifest: AuditManifest
    /// Where the manifest was read (for messages).
    let manifestOrigin: String
    private let lines: LineReader
    private let columns: AuditColumns
    private var finished = false

    /// Opens an export. The format is found from the content: a JSON object on line 1 is JSON Lines, a
    /// `#` heading is Markdown, anything else CSV (whose manifest is `manifestPath` or `FILE.manifest.json`).
    init(path: String, manifestPath: String? = nil) throws {
        guard FileSystem.exists(path), !FileSystem.isDirectory(path) else {
            throw HindsightError(.notFound, "\(path): no such audit export", hint: "give the file written by hindsight export")
        }
        self.path = path
        let probe = try LineReader(path: path)
        let first = try probe.next() ?? ""
        let trimmed = first.drop { $0 == " " || $0 == "\u{FEFF}" }
        if trimmed.hasPrefix("{") {
            format = .jsonl
            let json: JSON
            do { json = try JSONParser.parse(first) } catch {
                throw HindsightError(.corrupt, "\(path) line 1: the manifest is not valid JSON (\(error))", hint: "the export is damaged or is not a hindsight audit export")
            }
            manifestOrigin = "\(path) line 1"
            manifest = try AuditManifest(json: json, origin: manifestOrigin)
            lines = probe
        } else if trimmed.hasPrefix("#") {
            format = .markdown
            let (json, line) = try AuditFileReader.markdownManifest(path: path)
            manifestOrigin = "\(path) line \(line)"
            manifest = try AuditManifest(json: json, origin: manifestOrigin)
            lines = try LineReader(path: path)
            // Skip to the table: its header row, then the delimiter row.
            let expected = manifest.columns.names
            var found = false
            while let text = try lines.next() {
                guard let cells = AuditCell.markdownCells(Substring(text)) else { continue }
                guard cells == expected else {
                    throw HindsightError(.corrupt, "\(path) line \(lines.lineNumber): the table's columns (\(cells.joined(separator: ", "))) are not the manifest's (\(expected.joined(separator: ", ")))",
                                         hint: "the table's header was edited")
                }
                _ = try lines.next()
                found = true
                break
            }
            guard found else { throw HindsightError(.corrupt, "\(path): no table with the columns \(expected.joined(separator: ", "))", hint: "the export is damaged") }
        } else {
            format = .csv
            let sidecar = manifestPath ?? AuditExporter.sidecarPath(for: path)
            guard FileSystem.exists(sidecar) else {
                throw HindsightError(.notFound, "\(path) looks like a CSV export, but its manifest \(sidecar) does not exist",
                                     hint: "a CSV export's manifest is the sidecar FILE.manifest.json; give it with --manifest FILE")
            }
            let json: JSON
            do { json = try JSONParser.parse(try FileSystem.readAll(sidecar)) } catch {
                throw HindsightError(.corrupt, "\(sidecar): the manifest is not valid JSON (\(error))", hint: "the manifest is damaged")
            }
            manifestOrigin = sidecar
            manifest = try AuditManifest(json: json, origin: sidecar)
            guard let header = AuditCell.csvFields(Substring(first).utf8), header == manifest.columns.names else {
                throw HindsightError(.corrupt, "\(path) line 1: the header (\(TextSafety.truncate(first, toWidth: 120))) is not the manifest's columns (\(manifest.columns.names.joined(separator: ",")))",
                                     hint: "the header row was edited, or \(sidecar) belongs to another export")
            }
            lines = probe
        }
        columns = manifest.columns
    }

    /// The manifest JSON of a Markdown export (the fenced block after `## Manifest`) and its line.
    static func markdownManifest(path: String) throws -> (JSON, Int) {
        let reader = try LineReader(path: path)
        var inSection = false
        var inBlock = false
        var start = 0
        var text = ""
        while let line = try reader.next() {
            if !inSection {
                if line.auditTrimmed == "## Manifest" { inSection = true }
                continue
            }
            if !inBlock {
                if line.auditTrimmed.hasPrefix("```") { inBlock = true; start = reader.lineNumber + 1 }
                continue
            }
            if line.auditTrimmed == "```" {
                do { return (try JSONParser.parse(text), start) } catch {
                    throw HindsightError(.corrupt, "\(path) line \(start): the manifest is not valid JSON (\(error))", hint: "the manifest section was edited")
                }
            }
            text += line + "\n"
        }
        throw HindsightError(.corrupt, "\(path): no manifest (a \"## Manifest\" section with a JSON block)", hint: "the export is damaged or is not a hindsight audit export")
    }

    /// The next row, or nil after the last one.
    func next() throws -> ParsedRow? {
        guard !finished else { return nil }
        while let text = try lines.next() {
            let line = lines.lineNumber
            switch format {
            case .jsonl:
                if text.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
                let json: JSON
                do { json = try JSONParser.parse(text) } catch {
                    return ParsedRow(line: line, error: "it is not valid JSON (\(error))")
                }
                let seq = json["seq"]?.numberValue?.int64.map { Int($0) }
                return parsed(line: line, AuditFileReader.jsonRow(json, columns: columns), seq: seq)
            case .csv:
                if text.isEmpty { continue }
                var record = text
                while AuditCell.csvOpensQuote(Substring(record).utf8), let more = try lines.next() { record += "\n" + more }
                guard let cells = AuditCell.csvFields(Substring(record).utf8) else {
                    return ParsedRow(line: line, error: "it is not a valid CSV record (a quote is misplaced)")
                }
                return parsed(line: line, AuditCell.row(cells: cells, columns: columns), seq: cells.first.flatMap { Int($0) })
            case .markdown:
                guard let cells = AuditCell.markdownCells(Substring(text)) else {
                    finished = true
                    return nil
                }
                return parsed(line: line, AuditCell.row(cells: cells, columns: columns), seq: cells.first.flatMap { Int($0) })
            }
        }
        finished = true
        return nil
    }

    private func parsed(line: Int, _ result: Result<AuditRow, RowError>, seq: Int?) -> ParsedRow {
        switch result {
        case .failure(let e): return ParsedRow(line: line, error: e.reason, seq: seq)
        case .success(let row):
            guard let stored = ChainHash(hex: row.rowHash) else {
                return ParsedRow(line: line, error: "its rowHash is not 64 hex digits", seq: row.seq)
            }
            return ParsedRow(line: line, row: row, canonical: row.canonical(columns: columns), stored: stored, seq: row.seq)
        }
    }

    /// A row from a JSON Lines line: an object with exactly the export's columns.
    static func jsonRow(_ json: JSON, columns: AuditColumns) -> Result<AuditRow, RowError> {
        guard case .object(let o) = json else { return .failure(RowError("it is not a JSON object")) }
        let names = columns.names
        for name in o.keys where !names.contains(name) {
            return .failure(RowError("it has a member \"\(TextSafety.truncate(name, toWidth: 40))\" that is not one of the export's columns"))
        }
        var row = AuditRow(seq: 0, offset: 0, logTime: "", eventTime: "", key: "", type: "", id: "", version: 0, actor: "", summary: "", hash: "", prev: "")
        for name in names {
            guard let v = o[name] else { return .failure(RowError("it has no \(name)")) }
            if AuditColumns.integerColumns.contains(name) {
                guard let n = v.numberValue?.int64, v.numberValue?.isIntegerSyntax == true else { return .failure(RowError("its \(name) is not an integer")) }
                switch name {
                case "seq": row.seq = Int(n)
                case "offset": row.offset = n
                default: row.version = Int(n)
                }
            } else if AuditColumns.jsonColumns.contains(name) {
                if name == "data" { row.data = v } else { row.state = v }
            } else {
                guard let s = v.stringValue else { return .failure(RowError("its \(name) is not a string")) }
                switch name {
                case "logTime": row.logTime = s
                case "eventTime": row.eventTime = s
                case "key": row.key = s
                case "type": row.type = s
                case "id": row.id = s
                case "actor": row.actor = s
                case "summary": row.summary = s
                case "hash": row.hash = s
                case "prev": row.prev = s
                default: row.rowHash = s
                }
            }
        }
        return .success(row)
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs.
    var auditTrimmed: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let a = firstIndex(where: { !isSpace($0) }), let b = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[a...b]
    }
}
