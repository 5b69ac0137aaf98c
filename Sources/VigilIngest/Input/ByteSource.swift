/// A stream of bytes a ``StreamReader`` cuts into messages: a file descriptor, or gzip on top of one.
public protocol ByteSource {
    /// Name for messages and stats (a path or `stdin`).
    var name: String { get }
    /// Reads up to `buffer.count` bytes; returns 0 at end of input (or when a stop was requested).
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int
    /// Whether a read would return data without waiting. When not, the reader ships the batch it has,
    /// so a slow live stream (`tail -f | vigil run`) is not held back until a buffer fills.
    func hasInputReady() -> Bool
    /// Releases the descriptor.
    mutating func close()
}
