// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "hindsight",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hindsight", targets: ["hindsight"]),
        .library(name: "HindsightCore", targets: ["HindsightCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // zlib: gzip input and CRC-32 record checksums.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // CRC-32 by carry-less multiplication (x86-64 PCLMULQDQ; elsewhere zlib and tables do it).
        .target(name: "CFastCRC", path: "Sources/CFastCRC"),
        // Cache prefetch hints for loops over scattered memory (a static inline header).
        .target(name: "CMemoryHints", path: "Sources/CMemoryHints"),
        // ncurses: imported only by HindsightTerminal.
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses", providers: [.apt(["libncurses-dev"])]),
        // Storage + replay core: no terminal code.
        .target(
            name: "HindsightCore",
            dependencies: [
                "CZlib", "CFastCRC", "CMemoryHints",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Release builds leave out the run-time exclusivity checks (about a twentieth of an
            // import's time on the appending thread, at every write to a writer's stored property);
            // debug builds, which the tests run, keep them, and the compile-time checks stay on.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // The explorer: app state, update, widgets drawing into a Buffer. No ncurses.
        .target(name: "HindsightTUI", dependencies: ["HindsightCore"]),
        // The only code that calls ncurses.
        .target(name: "HindsightTerminal", dependencies: ["HindsightTUI", "CNcurses"]),
        // The command-line tool: thin adapters over the core.
        .executableTarget(
            name: "hindsight",
            dependencies: [
                "HindsightCore", "HindsightTUI", "HindsightTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "HindsightCoreTests",
            dependencies: [
                "HindsightCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Fuzz inputs kept as regression cases: read by FuzzRegressionTests through #filePath.
            exclude: ["FuzzRegressions/Inputs"]
        ),
        .testTarget(name: "HindsightTUITests", dependencies: ["HindsightTUI", "HindsightCore"], exclude: ["Snapshots"]),
        // Runs the real binary (built as a dependency): scripted commands, and the explorer inside tmux.
        .testTarget(name: "hindsightTests", dependencies: ["hindsight", "HindsightCore"]),
        // In-process benchmarks (run by Benchmarks/run.sh in release mode; never by swift test).
        .executableTarget(name: "hindsight-bench", dependencies: ["HindsightCore", "HindsightTUI"], path: "Benchmarks/Sources/hindsight-bench"),
    ],
    swiftLanguageModes: [.v6]
)
