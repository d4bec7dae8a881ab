// libFuzzer target: FuzzHarness.run("record", input) (FuzzHarness.swift is shared with the regression test).
import CLibFuzzer
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    do {
        try FuzzHarness.run("record", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz-record: \(error)")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
