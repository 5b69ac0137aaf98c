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
    ],
    targets: []
)

// One benchmark executable per pipeline stage.
let stages: [(name: String, products: [String])] = [
    ("RingBuffer", ["VigilPipeline"]),
    ("Parse", ["VigilPipeline"]),
    ("Decode", ["VigilPipeline"]),
    ("Detect", ["VigilPipeline", "VigilDetect"]),
    ("Correlate", ["VigilPipeline"]),
]
for stage in stages {
    package.targets.append(
        .executableTarget(
            name: stage.name,
            dependencies: [.product(name: "Benchmark", package: "benchmark")]
                + stage.products.map { .product(name: $0, package: "vigil") },
            path: "Benchmarks/\(stage.name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}

// A plain timing loop for the detect stage (CPU time per event, perf-friendly); shares its fixtures.
package.targets.append(
    .executableTarget(
        name: "DetectProfile",
        dependencies: [.product(name: "VigilDetect", package: "vigil")],
        path: "Benchmarks/DetectProfile"
    )
)
