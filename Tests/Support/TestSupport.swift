import Foundation

/// Locations shared by all test targets: the package root, the shared test data, the built binary.
public enum TestPaths {
    /// The package root (the folder holding Package.swift), found from this source file's path.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `../shared/data` next to the checkout, or `$VIGIL_SHARED_DATA`.
    ///
    /// Tests that use it fail (they do not skip) when it is missing: a green run must mean the
    /// conformance tests ran.
    public static let sharedData: URL = {
        if let env = ProcessInfo.processInfo.environment["VIGIL_SHARED_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let candidates = [
            packageRoot.appendingPathComponent("../shared/data").standardizedFileURL,
            URL(fileURLWithPath: "/work/shared/data"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
    }()

    /// ../shared/tools next to the shared data (gen-authlog.py, truth-ssh-bruteforce.py).
    public static var sharedTools: URL { sharedData.deletingLastPathComponent().appendingPathComponent("tools") }

    /// A file under the shared data folder.
    public static func shared(_ relativePath: String) -> URL {
        sharedData.appendingPathComponent(relativePath)
    }

    /// A file under `Tests/Fixtures`.
    public static func fixture(_ relativePath: String) -> URL {
        packageRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
    }

    /// The `vigil` binary of the current build (debug unless `$VIGIL_BINARY` says otherwise).
    public static var vigilBinary: URL {
        if let env = ProcessInfo.processInfo.environment["VIGIL_BINARY"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        // Test bundles live next to the products: .build/<triple>/debug/vigilPackageTests.xctest
        let bundle = Bundle.main.bundleURL
        for dir in [bundle.deletingLastPathComponent(), bundle] {
            let candidate = dir.appendingPathComponent("vigil")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return packageRoot.appendingPathComponent(".build/debug/vigil")
    }
}

extension TestPaths {
    /// The binary for floods and load tests (millions of lines): `$VIGIL_RELEASE_BINARY` (`make test`
    /// builds and sets it), else ``vigilBinary`` (a debug build: correct, about 20 times slower).
    public static var loadTestBinary: URL {
        if let env = ProcessInfo.processInfo.environment["VIGIL_RELEASE_BINARY"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return vigilBinary
    }
}

/// The outcome of running the `vigil` binary.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs the built `vigil` with arguments and optional stdin, waiting for it to exit.
///
/// Output is collected through files, not pipes, so a chatty child can never block on a full pipe.
/// `binary` runs another copy (an installed one); `currentDirectory` defaults to the package root.
public func runVigil(
    _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil, binary: URL? = nil,
    currentDirectory: URL? = nil
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = binary ?? TestPaths.vigilBinary
    process.arguments = arguments
    process.currentDirectoryURL = currentDirectory ?? TestPaths.packageRoot
    if let environment { process.environment = environment }
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }
    let outURL = tmp.appendingPathComponent("out"), errURL = tmp.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    if let stdin {
        let inURL = tmp.appendingPathComponent("in")
        try stdin.write(to: inURL)
        process.standardInput = try FileHandle(forReadingFrom: inURL)
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
    )
}

/// A helper program that exited with a non-zero status.
public struct ToolFailure: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var description: String { "\(command) exited with status \(status)" }

    public init(command: String, status: Int32) {
        self.command = command
        self.status = status
    }
}

/// Runs `python3` with arguments (the shared tools: gen-authlog.py, truth-ssh-bruteforce.py) and returns
/// its standard output; throws ``ToolFailure`` when it fails, so a broken tool cannot pass as empty output.
public func runPython(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ToolFailure(command: "python3 " + arguments.joined(separator: " "), status: process.terminationStatus)
    }
    return String(decoding: data, as: UTF8.self)
}

/// A small deterministic random generator (SplitMix64) for reproducible shuffles and generated data.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
