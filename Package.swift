// swift-tools-version:6.1
import PackageDescription

// One target per pipeline stage. Dependencies point down the pipeline:
// vigil -> VigilPipeline -> {VigilIngest, VigilDecode, VigilDetect, VigilCorrelate, VigilOutput -> VigilAlert} -> VigilEvent;
// VigilPipeline -> VigilArchive -> VigilEvent: the archive takes every raw message the run received.
// vigil -> VigilCluster -> {VigilPipeline, CNATS}: roles of a cluster join a run through RunOptions' seams.
// vigil -> VigilServer -> VigilStore -> {VigilOutput, VigilAlert}: the analyst's desk reads what the pipeline wrote.
// VigilCorrelate never depends on VigilIngest, so replay and tests drive exactly the live engine.
let package = Package(
    name: "vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilPipeline", targets: ["VigilPipeline"]),
        .library(name: "VigilDetect", targets: ["VigilDetect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // swift-configuration support is not used: the trait would only add build time.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // SHA-256 and HMAC for the archive's hash chain.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),

        // MARK: Event model (no I/O, no dependencies)
        .target(name: "VigilEvent"),

        // MARK: Stages
        .target(name: "VigilRegex", dependencies: ["CPCRE2"]),
        .target(
            name: "VigilIngest",
            dependencies: [
                "VigilEvent", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "VigilDecode", dependencies: ["VigilEvent", "VigilRegex", "Yams"]),
        .target(name: "VigilDetect", dependencies: ["VigilEvent", "VigilRegex", "VigilAlert", "Yams"]),
        .target(name: "VigilAlert", dependencies: ["VigilEvent", "Yams"]),
        // Where alerts go: each output owns a bounded queue, a thread and a spool.
        .target(
            name: "VigilOutput",
            dependencies: [
                "VigilAlert", "VigilEvent",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The alert store: every alert and every analyst's action, in SQLite under the state directory.
        .target(
            name: "VigilStore",
            dependencies: [
                "VigilAlert", "VigilOutput", "VigilEvent",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API GRDB uses: the store's writer binds alert columns directly (measured: a third faster).
                .product(name: "GRDBSQLite", package: "GRDB.swift", condition: .when(platforms: [.linux])),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The analyst's desk over HTTP: the alert API, the live stream, the console, /metrics.
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilStore", "VigilAlert", "VigilEvent",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The console is shipped inside the binary: no files to install, no Node build step.
            resources: [
                .embedInCode("Console/index.html"), .embedInCode("Console/console.css"), .embedInCode("Console/console.js"),
            ]
        ),
        // The forensic archive: every raw message in LZ4 blocks, indexed, hash-chained (docs/archive.md).
        .target(
            name: "VigilArchive",
            dependencies: [
                "VigilEvent", "CLZ4", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "VigilCorrelate", dependencies: ["VigilEvent", "VigilDetect", "VigilAlert", "Yams"]),
        .target(
            name: "VigilPipeline",
            dependencies: [
                "VigilEvent", "VigilIngest", "VigilDecode", "VigilDetect", "VigilCorrelate", "VigilAlert", "VigilOutput", "VigilArchive",
                "VigilRegex",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // Scale-out over NATS JetStream (docs/SCALING.md): the edge publishes a run's batches as archive
        // blocks, analyzers replay them through the pipeline, alerts go to a stream.
        .target(
            name: "VigilCluster",
            dependencies: [
                "CNATS", "VigilPipeline", "VigilArchive", "VigilOutput", "VigilAlert", "VigilEvent",
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Executable (thin: argument parsing only, and the --config file that stands for arguments)
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilPipeline", "VigilDetect", "VigilIngest", "VigilDecode", "VigilCorrelate", "VigilRegex", "VigilEvent", "VigilOutput",
                "VigilStore", "VigilServer", "VigilArchive", "VigilCluster",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                "Yams",
            ]
        ),

        // Times writing alerts into the store (scripts/bench-store.sh, release build): one file, no benchmark
        // package dependencies, so it can link the store directly.
        .executableTarget(
            name: "StoreWriteRate",
            dependencies: ["VigilStore", "VigilAlert", "VigilOutput", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/StoreWriteRate"
        ),

        // MARK: Tests
        .target(name: "VigilTestSupport", path: "Tests/Support"),
        .testTarget(name: "VigilEventTests", dependencies: ["VigilEvent", "VigilTestSupport"]),
        .testTarget(name: "VigilRegexTests", dependencies: ["VigilRegex", "VigilTestSupport"]),
        .testTarget(name: "VigilIngestTests", dependencies: ["VigilIngest", "VigilTestSupport"]),
        .testTarget(name: "VigilDecodeTests", dependencies: ["VigilDecode", "VigilIngest", "VigilTestSupport"]),
        .testTarget(name: "VigilDetectTests", dependencies: ["VigilDetect", "VigilIngest", "VigilRegex", "VigilTestSupport"]),
        .testTarget(name: "VigilCorrelateTests", dependencies: ["VigilCorrelate", "VigilTestSupport"]),
        .testTarget(
            name: "VigilPipelineTests",
            dependencies: [
                "VigilPipeline", "VigilIngest", "VigilDecode", "VigilDetect", "VigilCorrelate", "VigilAlert", "VigilTestSupport",
            ]),
        .testTarget(name: "VigilArchiveTests", dependencies: ["VigilArchive", "VigilEvent", "VigilTestSupport"]),
        .testTarget(name: "VigilOutputTests", dependencies: ["VigilOutput", "VigilAlert", "VigilTestSupport"]),
        .testTarget(name: "VigilStoreTests", dependencies: ["VigilStore", "VigilAlert", "VigilOutput", "VigilEvent", "VigilTestSupport"]),
        .testTarget(
            name: "VigilServerTests",
            dependencies: [
                "VigilServer", "VigilStore", "VigilAlert", "VigilOutput", "VigilTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .testTarget(name: "EndToEndTests", dependencies: ["vigil", "VigilTestSupport"]),
    ]
)
