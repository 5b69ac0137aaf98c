extension SyslogFramer {
    /// RFC 6587 §3.4.2: each message ends with a trailer, LF or NUL (both accepted, per message). A CR
    /// before the LF stays in the frame; the parser drops it.
    mutating func feedNonTransparent(_ bytes: UnsafeRawBufferPointer, emit: (Message) -> Void) {
        var i = 0
        let n = bytes.count
        while i < n {
            var end = i
            while end < n && bytes[end] != 0x0A && bytes[end] != 0x00 { end += 1 }
            let found = end < n
            if skippingOversizeLine {
                discardedBytes += end - i
                if found { skippingOversizeLine = false }
                i = end + 1
                continue
            }
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[i..<end])
            if pending.isEmpty && found {
                // The whole frame is in this read: hand it out in place (cut if oversize).
                let kept = UnsafeRawBufferPointer(rebasing: chunk[0..<min(chunk.count, maxMessageSize)])
                discardedBytes += chunk.count - kept.count
                emitFrame(kept, length: chunk.count, emit: emit)
                i = end + 1
                continue
            }
            let room = maxMessageSize - pending.count
            if chunk.count > room {
                // Oversize: emit the first maxMessageSize bytes now and skip the rest of the line.
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<room]))
                discardedBytes += chunk.count - room
                pending.withUnsafeBytes { emitFrame($0, length: maxMessageSize + 1, emit: emit) }
                pending.removeAll(keepingCapacity: true)
                skippingOversizeLine = !found
            } else {
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
