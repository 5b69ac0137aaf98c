extension SyslogFramer {
    /// RFC 6587 §3.4.2: each message ends with a trailer, LF or NUL (both accepted, per message). A CR
    /// right before an LF ends the line with it, as in files (``LineSplitter``): it is not part of the
    /// frame, so a CRLF blank line is an empty frame (a blank line) and a line of the maximum size
    /// followed by CRLF is whole. The bytes cut off an oversize line are all of it past the maximum up
    /// to its LF (its CR too), wherever the reads split it.
    mutating func feedNonTransparent(_ bytes: UnsafeRawBufferPointer, emit: (Message) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            var end = i
            while end < n && bytes[end] != 0x0A && bytes[end] != 0x00 { end += 1 }
            let found = end < n
            let lineFeed = found && bytes[end] == 0x0A
            if skippingOversizeLine {
                discardedBytes += end - i
                if found { skippingOversizeLine = false }
                i = end + 1
                continue
            }
            var chunkEnd = end
            if lineFeed && end > i && bytes[end - 1] == 0x0D { chunkEnd -= 1 }
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[i..<chunkEnd])
            if pending.isEmpty && found {
                // The whole frame is in this read: hand it out in place (cut if oversize; the bytes cut
                // off are the line's past the maximum, up to its LF).
                let kept = UnsafeRawBufferPointer(rebasing: chunk[0..<min(chunk.count, maxMessageSize)])
                if chunk.count > maxMessageSize { discardedBytes += end - i - maxMessageSize }
                emitFrame(kept, length: chunk.count, emit: emit)
                i = end + 1
                continue
            }
            let received = pending.count + (end - i)
            // A CR that the previous read ended with belongs to the line end when the LF follows at once.
            let pendingLineEnd = lineFeed && end == i && pending.last == 0x0D
            let length = pending.count - (pendingLineEnd ? 1 : 0) + chunk.count
            // Without its end in sight, a line may hold one byte past the maximum if that byte is a CR:
            // the LF that may follow makes it a line end, not an oversize line.
            let heldCarriageReturn = !found && length == maxMessageSize + 1 && bytes[end - 1] == 0x0D
            if length > maxMessageSize && !heldCarriageReturn {
                // Oversize: emit the first maxMessageSize bytes now and skip the rest of the line.
                if pending.count < maxMessageSize {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<(maxMessageSize - pending.count)]))
                }
                discardedBytes += received - maxMessageSize
                pending.withUnsafeBytes { emitFrame(UnsafeRawBufferPointer(rebasing: $0[0..<maxMessageSize]), length: length, emit: emit) }
                pending.removeAll(keepingCapacity: true)
                skippingOversizeLine = !found
            } else {
                if pendingLineEnd { pending.removeLast() }
                pending.append(contentsOf: chunk)
                if found {
                    pending.withUnsafeBytes { emit(Message(bytes: $0, failure: nil)) }
                    pending.removeAll(keepingCapacity: true)
                }
            }
            i = end + 1
        }
    }
}
