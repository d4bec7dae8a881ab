// libFuzzer target: FuzzHarness.run("import", input) (FuzzHarness.swift is shared with the regression test).
import CLibFuzzer
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    do {
        try FuzzHarness.run("import", UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("fuzz-import: \(error)")
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
