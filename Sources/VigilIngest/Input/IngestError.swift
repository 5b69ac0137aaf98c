/// Why an input could not be opened or read.
///
/// Opening errors stop a run before it starts; errors while reading end that one input, are logged and
/// counted in its ``IngestCounters/readErrors``, and the other inputs go on.
public enum IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `open(2)` failed for a file input.
    case cannotOpen(path: String, errno: Int32)
    /// A file input (or stdin) is a directory.
    case isDirectory(path: String)
    /// `read(2)` failed.
    case readFailed(input: String, errno: Int32)
    /// The gzip stream is corrupt at the given offset of decompressed output.
    case corruptGzip(input: String, offset: UInt64, message: String)
    /// The gzip stream ended before its trailer (a truncated or still-growing file).
    case truncatedGzip(input: String, offset: UInt64)
    /// `--udp` / `--tcp` was not `HOST:PORT`.
    case invalidAddress(String)
    /// A listener could not bind.
    case cannotBind(address: String, message: String)
    /// `--tls-cert` / `--tls-key` could not be read or used (`file` names the file or files).
    case tlsSetup(file: String, message: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let errno): "\(path): cannot open: \(errorText(errno))"
        case .isDirectory(let path): "\(path): is a directory, not a log file"
        case .readFailed(let input, let errno): "\(input): read failed: \(errorText(errno))"
        case .corruptGzip(let input, let offset, let message):
            "\(input): corrupt gzip data after \(offset) decompressed bytes: \(message)"
        case .truncatedGzip(let input, let offset): "\(input): gzip stream truncated after \(offset) decompressed bytes"
        case .invalidAddress(let text):
            "invalid address '\(text)': expected HOST:PORT[,timezone=ZONE] (for example 127.0.0.1:5514, [::1]:5514 or 127.0.0.1:5514,timezone=America/New_York)"
        case .cannotBind(let address, let message): "cannot listen on \(address): \(message)"
        case .tlsSetup(let file, let message): "\(file): \(message)"
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
