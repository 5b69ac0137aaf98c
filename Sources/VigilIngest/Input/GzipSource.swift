import CZlib

/// Decompresses a gzip stream (RFC 1952) read from a ``FileDescriptorSource`` through zlib.
///
/// Concatenated members (as `cat a.gz b.gz` or some log rotators produce) are read one after the other.
/// A stream that ends before its trailer throws ``IngestError/truncatedGzip(input:offset:)`` once the
/// bytes before the cut have been returned.
public final class GzipSource: ByteSource {
    public var name: String { input.name }
    private let input: FileDescriptorSource
    private let stream: UnsafeMutablePointer<z_stream>
    private var compressed: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var memberEnded = false
    private var finished = false

    /// Whether `prefix` starts with the gzip magic bytes 1f 8b.
    public static func hasMagic(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 2 && prefix[0] == 0x1F && prefix[1] == 0x8B
    }

    public init(input: FileDescriptorSource, bufferSize: Int = 256 * 1024) {
        self.input = input
        self.compressed = .allocate(byteCount: bufferSize, alignment: 16)
        self.stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: gzip only (no zlib or raw deflate), largest window.
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "inflateInit2 failed: \(status) (out of memory)")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        compressed.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(clamping: buffer.count)
        let capacity = Int(stream.pointee.avail_out)
        while true {
            if stream.pointee.avail_in == 0 && !inputEnded {
                let n = try input.read(into: compressed)
                if n == 0 {
                    inputEnded = true
                } else {
                    stream.pointee.next_in = compressed.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_in = UInt32(n)
                }
            }
            if memberEnded {
                // A member ended: anything after it starts another member.
                guard stream.pointee.avail_in > 0 else {
                    if inputEnded {
                        finished = true
                        return capacity - Int(stream.pointee.avail_out)
                    }
                    continue
                }
                inflateReset(stream)
                memberEnded = false
            }
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = capacity - Int(stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END:
                memberEnded = true
                if produced > 0 { return produced }
            case Z_OK:
                if produced > 0 { return produced }
            case Z_BUF_ERROR:
                // No progress possible: needs input we do not have.
                if inputEnded && stream.pointee.avail_in == 0 {
                    if produced > 0 { return produced }
                    finished = true
                    throw .truncatedGzip(input: name, offset: UInt64(stream.pointee.total_out))
                }
            default:
                if produced > 0 { return produced }
                finished = true
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw .corruptGzip(input: name, offset: UInt64(stream.pointee.total_out), message: message)
            }
            if inputEnded && stream.pointee.avail_in == 0 && !memberEnded && produced == 0 {
                finished = true
                throw .truncatedGzip(input: name, offset: UInt64(stream.pointee.total_out))
            }
        }
    }

    public func hasInputReady() -> Bool {
        stream.pointee.avail_in > 0 || input.hasInputReady()
    }

    public func close() {
        input.close()
    }
}
