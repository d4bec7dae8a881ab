import ArgumentParser
import Foundation
import HindsightCore

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check framing, checksums and the hash chain of a log; print its head hash.",
        discussion: """
            Exit status: 0 when the log is whole; 3 when a record is damaged (the first bad offset and its
            segment are named); 2 when the log ends in a torn tail left by an interrupted write (readers
            ignore it; the next import cuts it).

            Examples:
              hindsight verify bank.log
              hindsight verify bank.log --format json
            """
    )

    @OptionGroup var source: SourceArguments

    @Option(help: ArgumentHelp("Output: text or json.", valueName: "FORMAT"))
    var format: ReadFormat = .text

    func run() throws {
        let directory: String
        if FileSystem.isDirectoryPath(source.source) {
            directory = source.source
        } else {
            directory = try source.open().log.directory
        }
        let progress = Output.Progress()
        let report = try Verifier.verify(directory: directory) { done, total in
            progress.update(ImportProgress(phase: .reading, bytesDone: done, bytesTotal: total, events: 0, eventsTotal: nil))
        }
        progress.finish()
        if format != .text {
            var o: JSONObject = [
                "log": .string(directory),
                "whole": .bool(report.isWhole),
                "records": .int(report.records),
                "segments": .int(Int64(report.segments)),
                "bytes": .int(Int64(report.bytes)),
                "headHash": .string(report.headHash.hex),
            ]
            if let p = report.problem {
                o["damaged"] = ["offset": .int(p.offset), "segment": .string(p.segment), "position": .int(Int64(p.position)), "reason": .string(p.reason)]
            }
            if let t = report.tornTail {
                o["tornTail"] = ["segment": .string(t.segment), "bytes": .int(Int64(t.bytes)), "offset": .int(t.offset), "reason": .string(t.reason)]
            }
            o["indexNotes"] = .array(report.indexNotes.map { JSON.string($0) })
            Output.line(JSONSerializer.compact(.object(o)))
        } else {
            for note in report.indexNotes { Output.line("note: " + note) }
            if let p = report.problem {
                Output.line("DAMAGED at offset \(p.offset) in \(p.segment) (byte \(p.position)): \(p.reason)")
                Output.line("the \(Format.grouped(report.records)) records before it verify; head of the good part \(report.headHash.hex)")
            } else if let t = report.tornTail {
                Output.line("TORN TAIL: \(t.bytes) bytes after offset \(t.offset - 1) in \(t.segment) (\(t.reason)): left by an interrupted write; readers ignore it and the next import cuts it")
                Output.line("\(Format.grouped(report.records)) records verify; head \(report.headHash.hex)")
            } else {
                Output.line("ok: \(Format.grouped(report.records)) records in \(report.segments) segment\(report.segments == 1 ? "" : "s") (\(Format.grouped(report.bytes)) bytes): every checksum and chain link holds")
                Output.line("head \(report.headHash.hex)")
            }
        }
        Output.flush()
        if report.problem != nil { throw ExitCode(3) }
        if report.tornTail != nil { throw ExitCode(2) }
    }
}
