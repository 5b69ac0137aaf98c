/// A file or stdin, plain or gzip (told apart by the magic bytes 1f 8b, not by the name).
public enum InputStream: ByteSource {
    case plain(FileDescriptorSource)
    case gzip(GzipSource)

    /// Opens a file and looks at its first bytes to pick plain or gzip.
    public static func open(path: String, stop: StopToken? = nil) throws(IngestError) -> InputStream {
        try detect(FileDescriptorSource(path: path, stop: stop))
    }

    /// Standard input (not closed when done), plain or gzip.
    public static func standardInput(stop: StopToken? = nil) throws(IngestError) -> InputStream {
        try detect(FileDescriptorSource(fd: 0, name: "stdin", ownsDescriptor: false, stop: stop))
    }

    /// Wraps an opened descriptor, looking at its first bytes to pick plain or gzip.
    public static func detect(_ source: FileDescriptorSource) throws(IngestError) -> InputStream {
        GzipSource.hasMagic(try source.peek(2)) ? .gzip(GzipSource(input: source)) : .plain(source)
    }

    public var name: String {
        switch self {
        case .plain(let source): source.name
        case .gzip(let source): source.name
        }
    }

    public var isCompressed: Bool {
        if case .gzip = self { return true }
        return false
    }

    @inline(__always)
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        switch self {
        case .plain(let source): try source.read(into: buffer)
        case .gzip(let source): try source.read(into: buffer)
        }
    }

    public func hasInputReady() -> Bool {
        switch self {
        case .plain(let source): source.hasInputReady()
        case .gzip(let source): source.hasInputReady()
        }
    }

    public mutating func close() {
        switch self {
        case .plain(let source): source.close()
        case .gzip(let source): source.close()
        }
    }
}
