import VigilIngest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The positions of followed files, kept in `<state-dir>/file-positions` so that a restart neither
/// skips nor repeats lines.
///
/// One line per file, tab-separated: offset, device, inode, head fingerprint (hex), fingerprint length,
/// path (last, so it may hold tabs; a path holding a newline is not kept). The first line names the
/// format. Written to a temporary file and renamed over the old one, so a crash leaves one or the other,
/// never half of one.
public struct FilePositionStore: Sendable {
    public let directory: String
    static let header = "vigil file positions 1"

    public init(directory: String) {
        self.directory = directory
    }

    public var path: String { directory + "/file-positions" }

    /// The saved positions by path; empty when there is no file yet. A line that cannot be read is
    /// skipped (its file is read from the start) and reported in `problems`.
    public func load() -> (positions: [String: FilePosition], problems: [String]) {
        guard let text = Self.readFile(path) else { return ([:], []) }
        var positions: [String: FilePosition] = [:]
        var problems: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if number == 0 {
                guard line == Self.header else { return ([:], ["\(path):1: not a vigil positions file"]) }
                continue
            }
            if line.isEmpty { continue }
            let parts = line.split(separator: "\t", maxSplits: 5, omittingEmptySubsequences: false)
            guard parts.count == 6, let offset = UInt64(parts[0]), let device = UInt64(parts[1]), let inode = UInt64(parts[2]),
                let head = UInt64(parts[3], radix: 16), let headLength = Int(parts[4]), !parts[5].isEmpty
            else {
                problems.append("\(path):\(number + 1): unreadable position, that file is read from its start")
                continue
            }
            positions[String(parts[5])] = FilePosition(
                file: FileIdentity(device: device, inode: inode, head: head, headLength: headLength), offset: offset)
        }
        return (positions, problems)
    }

    /// Writes `positions` (creating the directory when needed).
    public func save(_ positions: [String: FilePosition]) throws(RunError) {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw .stateDirectoryFailed(path: directory, errno: errno) }
        var text = Self.header + "\n"
        for (path, position) in positions.sorted(by: { $0.key < $1.key }) where !path.contains("\n") {
            let file = position.file
            text += "\(position.offset)\t\(file.device)\t\(file.inode)\t\(String(file.head, radix: 16))\t\(file.headLength)\t\(path)\n"
        }
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .stateDirectoryFailed(path: temporary, errno: errno) }
        let failed = writeAll(fd, Array(text.utf8))
        close(fd)
        if let failed { throw .stateDirectoryFailed(path: temporary, errno: failed) }
        guard rename(temporary, path) == 0 else { throw .stateDirectoryFailed(path: path, errno: errno) }
    }

    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[..<n]
            // A positions file is small; a huge one is not ours.
            if bytes.count > 64 << 20 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
