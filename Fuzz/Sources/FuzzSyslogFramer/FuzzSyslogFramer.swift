import FuzzSupport
import VigilEvent
import VigilIngest

// SyslogFramer on arbitrary streams. Byte 0 picks the maximum message size, byte 1 how many split
// points follow (two bytes each); the rest is the stream. The same stream is framed in one read and
// in pieces cut at those points: both must give the same messages, flags, verdict and count of
// discarded bytes (a frame may be split anywhere), and no message may exceed the maximum size. Bytes
// are discarded only from oversize frames (flagged oversize, or truncated when the stream ends inside
// one), and never more than the stream minus what was emitted.

private struct Framed: Equatable {
    var messages: [[UInt8]] = []
    var failures: [ParseFailure?] = []
    var verdict: SyslogFramer.Verdict = .continue
    var discardedBytes = 0
}

private func frame(_ stream: [UInt8], cuts: [Int], maxMessageSize: Int) -> Framed {
    var framer = SyslogFramer(maxMessageSize: maxMessageSize)
    var result = Framed()
    let emit: (SyslogFramer.Message) -> Void = { message in
        if message.bytes.count > maxMessageSize { fuzzFailure("a \(message.bytes.count)-byte frame exceeds \(maxMessageSize)") }
        result.messages.append(Array(message.bytes))
        result.failures.append(message.failure)
    }
    var start = 0
    stream.withUnsafeBytes { bytes in
        for cut in cuts + [stream.count] where cut >= start {
            let verdict = framer.feed(UnsafeRawBufferPointer(rebasing: bytes[start..<cut]), emit: emit)
            start = cut
            if case .disconnect = verdict {
                result.verdict = verdict
                return
            }
        }
    }
    if result.verdict == .continue { framer.finish(emit: emit) }
    result.discardedBytes = framer.discardedBytes
    let emitted = result.messages.reduce(0) { $0 + $1.count }
    if result.discardedBytes + emitted > stream.count {
        fuzzFailure("\(result.discardedBytes) discarded + \(emitted) emitted bytes exceed the \(stream.count)-byte stream")
    }
    // A frame longer than the maximum that the stream then cuts short is flagged truncated instead.
    if result.discardedBytes > 0
        && !result.failures.contains(where: { $0?.reason == .oversizeMessage || $0?.reason == .truncatedFrame })
    {
        fuzzFailure("\(result.discardedBytes) bytes discarded but no frame flagged oversize or truncated")
    }
    return result
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSyslogFramer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let sizeChoice = Int(input.byte())
    let maxMessageSize = sizeChoice == 255 ? 64 * 1024 : 1 + sizeChoice * 3
    let cutCount = Int(input.byte() & 15)
    var cuts: [Int] = []
    for _ in 0..<cutCount { cuts.append(input.uint16()) }
    let stream = input.rest
    cuts = cuts.map { min($0, stream.count) }.sorted()
    let whole = frame(stream, cuts: [], maxMessageSize: maxMessageSize)
    let pieces = frame(stream, cuts: cuts, maxMessageSize: maxMessageSize)
    let bytewise = frame(stream, cuts: Array(0..<min(stream.count, 512)), maxMessageSize: maxMessageSize)
    guard whole == pieces, whole == bytewise else {
        fuzzFailure(
            "framing depends on read boundaries: whole \(whole.messages.count) msgs \(whole.verdict) \(whole.discardedBytes) discarded, pieces \(pieces.messages.count) \(pieces.verdict) \(pieces.discardedBytes), bytewise \(bytewise.messages.count) \(bytewise.verdict) \(bytewise.discardedBytes)"
        )
    }
    return 0
}
