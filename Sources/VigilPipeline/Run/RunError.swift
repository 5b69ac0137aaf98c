import VigilIngest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a run failed.
public enum RunError: Error, CustomStringConvertible {
    /// An input could not be opened or a listener could not bind.
    case ingest(IngestError)
    /// Writing standard output failed (other than the reader going away).
    case outputFailed(errno: Int32)
    /// `--stats-json` could not be written.
    case statsFileFailed(path: String, errno: Int32)
    /// A command-line value was not acceptable.
    case invalidOption(String)
    /// An ordered stage failed.
    case stageFailed(String)

    public var description: String {
        switch self {
        case .ingest(let error): error.description
        case .outputFailed(let code): "writing standard output failed: \(String(cString: strerror(code)))"
        case .statsFileFailed(let path, let code): "\(path): cannot write stats: \(String(cString: strerror(code)))"
        case .invalidOption(let message): message
        case .stageFailed(let message): "stage failed: \(message)"
        }
    }
}
