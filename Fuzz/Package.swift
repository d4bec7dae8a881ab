// swift-tools-version: 6.1
// libFuzzer targets for hindsight's parsers and decoders (issue 7). Not part of the main build:
// `.ci/fuzz` builds them with `-sanitize=fuzzer,address` in release mode with testing enabled
// (the targets reach internal decoders through `@testable import`) and runs each one.
import Foundation
import PackageDescription

// The main package is the parent directory; its identity is that directory's name.
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let core: Target.Dependency = .product(name: "HindsightCore", package: parent.lastPathComponent.lowercased())

let package = Package(
    name: "hindsight-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        // Declares LLVMFuzzerRunDriver: SwiftPM gives each executable its own entry point (main is
        // renamed), so each target starts libFuzzer itself from its top-level code.
        .target(name: "CLibFuzzer"),
        .executableTarget(name: "fuzz-json", dependencies: [core, "CLibFuzzer"]),
        .executableTarget(name: "fuzz-import", dependencies: [core, "CLibFuzzer"]),
        .executableTarget(name: "fuzz-record", dependencies: [core, "CLibFuzzer"]),
        .executableTarget(name: "fuzz-rules", dependencies: [core, "CLibFuzzer"]),
        .executableTarget(name: "fuzz-expression", dependencies: [core, "CLibFuzzer"]),
        // Writes fuzz-record's seeds: real segments and indexes made from the sample logs.
        .executableTarget(name: "fuzz-seeds", dependencies: [core]),
    ],
    swiftLanguageModes: [.v6]
)
