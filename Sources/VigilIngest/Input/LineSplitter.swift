import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cuts newline-delimited bytes into message ranges with `memchr`: one message per LF, a trailing CR
/// removed, blank lines skipped (counted), lines over the maximum size (not counting that CR) cut to it
/// (kept, marked `oversize_message`, counted) with the rest of the line skipped (its bytes counted as
/// cut off, up to the LF).
///
/// Works on one buffer at a time and keeps, between buffers, only whether it is inside an over-long line;
/// the caller carries the incomplete tail over into the next buffer.
public struct LineSplitter {
    public let maxMessageSize: Int
    /// Inside an over-long line whose first `maxMessageSize` bytes were already emitted.
    private var discarding = false

    /// What one ``split(_:into:atEnd:)`` found.
    public struct Output {
        public var messages: [ByteRange] = []
        public var failures: [(index: Int, failure: ParseFailure)] = []
        public var emptyLines = 0
        public var truncated = 0
        /// Bytes of over-long lines past the maximum size, skipped.
        public var discardedBytes = 0

        public init() {}
    }

    public init(maxMessageSize: Int) {
        precondition(maxMessageSize > 0, "maxMessageSize must be positive")
        self.maxMessageSize = maxMessageSize
    }

    /// Splits the complete lines of `buffer`, appending their ranges (offsets into `buffer`) to `out`.
    ///
    /// Returns where the incomplete last line starts: the caller carries `buffer[result...]` over. With
    /// `atEnd` the last line needs no LF and the result is `buffer.count`.
    public mutating func split(_ buffer: UnsafeRawBufferPointer, into out: inout Output, atEnd: Bool) -> Int {
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress else { return 0 }
        var start = 0
        while start < count, let hit = memchr(base + start, 0x0A, count - start) {
            let lf = UnsafeRawPointer(hit) - base
            if discarding {
                out.discardedBytes += lf - start
                discarding = false
            } else {
                emitLine(buffer, start, lf, into: &out)
            }
            start = lf + 1
        }
        guard start < count else { return start }
        if discarding {
            // Still inside an over-long line: drop what we have of it.
            out.discardedBytes += count - start
            if atEnd { discarding = false }
            return count
        }
        if atEnd {
            emitLine(buffer, start, count, into: &out)
            return count
        }
        // Past the maximum with no LF in sight: cut now. A CR the buffer ends with may be the line's
        // end (the LF in the next buffer): a line of the maximum size and that CR is carried over.
        if count - start > maxMessageSize + (buffer[count - 1] == 0x0D ? 1 : 0) {
            emitLine(buffer, start, count, into: &out)
            discarding = true
            return count
        }
        return start
    }

    @inline(__always)
    private func emitLine(_ buffer: UnsafeRawBufferPointer, _ start: Int, _ lineEnd: Int, into out: inout Output) {
        var end = lineEnd
        if end > start && buffer[end - 1] == 0x0D { end -= 1 }
        if end == start {
            out.emptyLines += 1
            return
        }
        if end - start > maxMessageSize {
            out.failures.append((index: out.messages.count, failure: ParseFailure(.oversizeMessage, at: maxMessageSize)))
            out.truncated += 1
            // Everything past the maximum up to the LF (a CR too), as when the line spans buffers.
            out.discardedBytes += lineEnd - start - maxMessageSize
            end = start + maxMessageSize
        }
        out.messages.append(ByteRange(start: start, end: end))
    }
}
