/// What went wrong reading or writing an archive. Every case names where: the path, the segment, the
/// block and its byte offset, so that an operator can find the damage.
public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    /// A system call failed on a path (`operation` is what was tried, `code` the `errno`).
    case io(path: String, operation: String, code: Int32)
    /// A segment file is not what its name says (bad magic, version, header checksum, number).
    case badSegment(path: String, reason: String)
    /// A block did not pass its checks: its header checksum, its data checksum, its LZ4 data or its
    /// records. Other blocks still read.
    case damagedBlock(segment: Int, block: Int, offset: Int, reason: String)
    /// A block that the segment does not have.
    case noSuchBlock(segment: Int, block: Int)
    /// A segment number that the archive does not hold.
    case noSuchSegment(segment: Int)
    /// The chain file could not be read or has a line that is not a chain record.
    case badChain(path: String, line: Int, reason: String)
    /// The HMAC key file could not be used.
    case badKeyFile(path: String, reason: String)
    /// The writer was used after ``ArchiveWriter/finish()``.
    case finished(directory: String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .badSegment(let path, let reason):
            return "\(path): not a usable archive segment: \(reason)"
        case .damagedBlock(let segment, let block, let offset, let reason):
            return "block \(block) of segment \(ArchiveLayout.segmentName(segment)) (byte offset \(offset)): \(reason)"
        case .noSuchBlock(let segment, let block):
            return "segment \(ArchiveLayout.segmentName(segment)) has no block \(block)"
        case .noSuchSegment(let segment):
            return "the archive has no segment \(ArchiveLayout.segmentName(segment))"
        case .badChain(let path, let line, let reason):
            return "\(path) line \(line): \(reason)"
        case .badKeyFile(let path, let reason):
            return "key file \(path): \(reason)"
        case .finished(let directory):
            return "archive \(directory): the writer has finished"
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
