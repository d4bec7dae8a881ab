import Foundation
@testable import HindsightCore

/// The result of running the real `hindsight` binary.
struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
    let stdoutBytes: [UInt8]
}

/// Runs the binary built next to this test bundle.
enum CLI {
    static var binary: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = here.appendingPathComponent("hindsight").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        // swift-testing may run from a different helper; fall back to the package's build folder.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/hindsight").path
    }

    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static func sample(_ name: String) -> String { repoRoot + "/sample-data/" + name }

    /// Runs `hindsight args` with a private cache directory and optional stdin.
    @discardableResult
    /// - Parameter executable: the program to run (default: the binary; e.g. setpriv in front of it).
    static func run(_ args: [String], cache: String, stdin: String? = nil, environment: [String: String] = [:],
                    executable: String? = nil) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? binary)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["XDG_CACHE_HOME"] = cache
        env["CI"] = "true"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self), stdoutBytes: [UInt8](outData))
    }
}

/// A temporary directory removed when the test is done with it.
final class Scratch {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "hindsight-cli-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
        return file(name)
    }

    var cache: String { file("cache") }
}
