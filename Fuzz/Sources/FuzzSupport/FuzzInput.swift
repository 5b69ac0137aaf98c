import Foundation

/// Reads a fuzzer's bytes as structured choices (format, sizes, split points) followed by a payload.
/// Running out of bytes yields zeros, so every input is a valid choice sequence.
public struct FuzzInput {
    public let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var position = 0

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next two bytes as a little-endian number.
    public mutating func uint16() -> Int {
        Int(byte()) | Int(byte()) << 8
    }

    /// Every byte not read yet.
    public var rest: [UInt8] {
        Array(bytes[min(position, bytes.count)...])
    }
}

/// Where the repository is: `VIGIL_ROOT`, or three folders above this source file (Fuzz/Sources/FuzzSupport).
public let vigilRoot: String = {
    if let root = ProcessInfo.processInfo.environment["VIGIL_ROOT"] { return root }
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// Stops the process with a message: libFuzzer records the input as a crash.
public func fuzzFailure(_ message: String, file: StaticString = #file, line: UInt = #line) -> Never {
    FileHandle.standardError.write(Data("fuzz invariant broken: \(message)\n".utf8))
    fatalError(message, file: file, line: line)
}

/// The shared test data: `VIGIL_SHARED_DATA`, `../shared/data` beside the checkout, or /work/shared/data.
public let sharedData: String = {
    if let path = ProcessInfo.processInfo.environment["VIGIL_SHARED_DATA"], !path.isEmpty { return path }
    let beside = URL(fileURLWithPath: vigilRoot + "/../shared/data").standardizedFileURL.path
    return FileManager.default.fileExists(atPath: beside) ? beside : "/work/shared/data"
}()
