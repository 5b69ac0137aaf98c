extension SyslogFramer {
    /// RFC 6587 §3.4.1: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN a decimal without leading zero. A LF between
    /// frames is tolerated (some senders add one); anything else where a MSG-LEN must start is garbage.
    mutating func feedOctetCounted(_ bytes: UnsafeRawBufferPointer, emit: (Message) -> Void) -> Verdict {
        var i = 0
        let n = bytes.count
        while i < n {
            switch octets {
            case .length(let value, let digits):
                let b = bytes[i]
                if b &- UInt8(ascii: "0") < 10 && (digits > 0 || b != UInt8(ascii: "0")) {
                    guard digits < Self.maxLengthDigits else { return disconnect("MSG-LEN longer than \(Self.maxLengthDigits) digits") }
                    octets = .length(value: value * 10 + Int(b &- UInt8(ascii: "0")), digits: digits + 1)
                    pending.append(b)
                    i += 1
                } else if b == UInt8(ascii: " ") && digits > 0 {
                    pending.removeAll(keepingCapacity: true)
                    octets = .body(length: value, remaining: value)
                    i += 1
                } else if b == 0x0A && digits == 0 {
                    i += 1
                } else {
                    let expected = digits == 0 ? "a MSG-LEN" : "a digit or space after MSG-LEN"
                    return disconnect("byte 0x\(String(b, radix: 16)) where \(expected) was expected")
                }
            case .body(let length, let remaining):
                let available = n - i
                if pending.isEmpty && remaining == length && available >= length && length <= maxMessageSize {
                    // The whole frame is in this read: hand it out in place.
                    emitFrame(UnsafeRawBufferPointer(rebasing: bytes[i..<i + length]), length: length, emit: emit)
                    i += length
                    octets = .length(value: 0, digits: 0)
                    continue
                }
                let take = min(available, remaining)
                let room = max(0, min(length, maxMessageSize) - pending.count)
                if room > 0 { pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<i + min(take, room)])) }
                discardedBytes += take - min(take, room)
                i += take
                if take == remaining {
                    pending.withUnsafeBytes { emitFrame($0, length: length, emit: emit) }
                    pending.removeAll(keepingCapacity: true)
                    octets = .length(value: 0, digits: 0)
                } else {
                    octets = .body(length: length, remaining: remaining - take)
                }
            }
        }
        return .continue
    }
}
