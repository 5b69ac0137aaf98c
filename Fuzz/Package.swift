// swift-tools-version:6.1
import PackageDescription

// libFuzzer harnesses for vigil, kept out of the main build. Build and run with `make fuzz` or
// scripts/fuzz.sh (see docs/FUZZING.md), which builds with
// `swift build -c release --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address`.
// Each executable defines `LLVMFuzzerTestOneInput`; libFuzzer supplies `main`.
let harnessSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "vigil-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "vigil")],
    targets: [
        // VigilPipeline's product brings every stage module (VigilIngest, VigilDecode, VigilCorrelate, ...).
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "VigilPipeline", package: "vigil"), .product(name: "VigilDetect", package: "vigil"),
            ]),
        .executableTarget(name: "FuzzBatchParser", dependencies: ["FuzzSupport"], swiftSettings: harnessSettings),
        .executableTarget(name: "FuzzSyslogFramer", dependencies: ["FuzzSupport"], swiftSettings: harnessSettings),
        .executableTarget(name: "FuzzDecode", dependencies: ["FuzzSupport"], swiftSettings: harnessSettings),
        .executableTarget(name: "FuzzDecoderLoad", dependencies: ["FuzzSupport"], swiftSettings: harnessSettings),
        .executableTarget(name: "FuzzSigmaLoad", dependencies: ["FuzzSupport"], swiftSettings: harnessSettings),
        .executableTarget(name: "FuzzSigmaMatch", dependencies: ["FuzzSupport"], swiftSettings: harnessSettings),
    ]
)
