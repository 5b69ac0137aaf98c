// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package (as in swift-nio) so the main build stays lean.
// Run: cd Benchmarks && swift package benchmark --no-progress
let package = Package(
    name: "vigil-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "vigil", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // Same requirement as vigil's: `Runner.run` takes a `Logger`.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: []
)

// One benchmark executable per pipeline stage, plus one for the whole pipeline.
func vigil(_ products: String...) -> [Target.Dependency] { products.map { .product(name: $0, package: "vigil") } }
let stages: [(name: String, dependencies: [Target.Dependency])] = [
    ("RingBuffer", vigil("VigilPipeline")),
    ("Parse", vigil("VigilPipeline")),
    ("Decode", vigil("VigilPipeline")),
    ("Detect", vigil("VigilPipeline", "VigilDetect")),
    ("Correlate", vigil("VigilPipeline")),
    // Raw auth.log bytes to alerts through `Runner.run`, as `vigil run` does.
    ("EndToEnd", vigil("VigilPipeline") + [.product(name: "Logging", package: "swift-log")]),
]
// gen-authlog.py output, located and generated in one place for every benchmark.
package.targets.append(.target(name: "GenAuthLog", path: "Support/GenAuthLog"))
for stage in stages {
    package.targets.append(
        .executableTarget(
            name: stage.name,
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "GenAuthLog"] + stage.dependencies,
            path: "Benchmarks/\(stage.name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}

// A plain timing loop for the detect stage (CPU time per event, perf-friendly); its fixtures are a
// symbolic link to Detect's. Outside Benchmarks/: the benchmark plugin runs every executable target there.
package.targets.append(
    .executableTarget(
        name: "DetectProfile",
        dependencies: [.product(name: "VigilDetect", package: "vigil"), .product(name: "VigilPipeline", package: "vigil"), "GenAuthLog"],
        path: "Profiling/DetectProfile"
    )
)
