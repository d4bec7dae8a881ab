// libFuzzer target: FuzzHarness.run("json", input) (FuzzHarness.swift is shared with the regression test).
import CLibFuzzer
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    do {
        try FuzzHarness.run("json", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz-json: \(error)")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
