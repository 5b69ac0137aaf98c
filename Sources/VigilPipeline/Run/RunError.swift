import VigilEvent
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
    /// The options contradict each other (an output file that is also an input): a usage error, found
    /// before anything is read or written.
    case usage(String)
    /// An ordered stage failed.
    case stageFailed(String)
    /// The `--alerts` file could not be opened or written.
    case alertsFileFailed(path: String, errno: Int32)
    /// Decoder files, rule files or the logsource mapping have problems (each `file:line:column: message`).
    case rules(RuleLoadError)
    /// The `--state-dir` directory or a file in it could not be written.
    case stateDirectoryFailed(path: String, errno: Int32)
    /// An alert output failed in a way that ends the run (its message names it).
    case alertOutputFailed(String)
    /// The `--archive` directory could not be opened or written (the message names the path).
    case archiveFailed(String)

    public var description: String {
        switch self {
        case .ingest(let error): error.description
        case .outputFailed(let code): "writing standard output failed: \(String(cString: strerror(code)))"
        case .statsFileFailed(let path, let code): "\(path): cannot write stats: \(String(cString: strerror(code)))"
        case .invalidOption(let message): message
        case .usage(let message): message
        case .stageFailed(let message): "stage failed: \(message)"
        case .alertsFileFailed(let path, let code): "\(path): cannot write alerts: \(String(cString: strerror(code)))"
        case .rules(let error): error.description
        case .stateDirectoryFailed(let path, let code): "\(path): cannot write state: \(String(cString: strerror(code)))"
        case .alertOutputFailed(let message): message
        case .archiveFailed(let message): "archive: \(message)"
        }
    }
}
