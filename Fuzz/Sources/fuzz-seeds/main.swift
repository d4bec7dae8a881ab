// Writes seed inputs for fuzz-record: a real log made from a sample file, as the fuzz target reads
// it (a flags byte, the segment, then optionally derived files and their length).
// Usage: fuzz-seeds SAMPLE.jsonl OUTDIR
import Foundation
import HindsightCore

let args = CommandLine.arguments
guard args.count == 3 else {
    FileHandle.standardError.write(Data("usage: fuzz-seeds SAMPLE.jsonl OUTDIR\n".utf8))
    exit(64)
}
let sample = args[1], out = args[2]
let log = NSTemporaryDirectory() + "hindsight-fuzz-seeds-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: log) }
do {
    let writer = try LogWriter(directory: log, create: true, clock: { Timestamp(microseconds: 1_763_800_000_000_000) })
    let rulesPath = LogSource.rulesFile(beside: sample) ?? ""
    var options = ImportOptions()
    if FileManager.default.fileExists(atPath: rulesPath), let fields = try Rules.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: rulesPath))), name: rulesPath).fields {
        options.fields = fields
    }
    _ = try ImportJob.run(try InputData.read(path: sample), into: writer, options: options)
    writer.close()
    func read(_ ext: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: log + "/00000000000000000000." + ext)))
    }
    let segment = try read("log")
    let name = URL(fileURLWithPath: sample).deletingPathExtension().lastPathComponent
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    func write(_ suffix: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: out + "/" + name + "-" + suffix))
    }
    try write("plain", [0] + segment)
    try write("repaired-cut", [1] + segment.prefix(segment.count * 2 / 3))
    for (flag, files) in [(UInt8(2), try read("index") + read("timeindex")), (UInt8(4), try read("keys") + read("ids"))] {
        try write("derived-\(flag)", [flag] + segment + files + [UInt8(files.count & 255), UInt8(files.count >> 8)])
    }
} catch {
    FileHandle.standardError.write(Data("fuzz-seeds: \(error)\n".utf8))
    exit(1)
}

/// The libFuzzer runtime is linked into every target of this package; this one does not fuzz.
@_cdecl("LLVMFuzzerTestOneInput")
public func unusedFuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { 0 }
