import Testing
import VigilEvent
import VigilTestSupport

@testable import VigilIngest

@Suite struct SyslogFramerTests {
    struct Frame: Equatable, CustomStringConvertible {
        var text: String
        var failure: ParseFailure.Reason?
        var description: String { "\(text.debugDescription)\(failure.map { " [\($0.name)]" } ?? "")" }
    }

    /// Feeds `stream` in pieces of the given sizes (cycled), then finishes.
    static func frames(_ stream: [UInt8], pieces: [Int], max: Int = 64 * 1024) -> (
        frames: [Frame], verdict: SyslogFramer.Verdict, discardedBytes: Int
    ) {
        var framer = SyslogFramer(maxMessageSize: max)
        var out: [Frame] = []
        var verdict = SyslogFramer.Verdict.continue
        let collect = { (m: SyslogFramer.Message) in
            out.append(Frame(text: String(decoding: m.bytes, as: UTF8.self), failure: m.failure?.reason))
        }
        stream.withUnsafeBytes { all in
            var i = 0
            var k = 0
            while i < all.count {
                let n = pieces[k % pieces.count]
                verdict = framer.feed(UnsafeRawBufferPointer(rebasing: all[i..<min(all.count, i + n)]), emit: collect)
                if verdict != .continue { return }
                i += n
                k += 1
            }
            framer.finish(emit: collect)
        }
        return (out, verdict, framer.discardedBytes)
    }

    static let splits: [[Int]] = [[1_000_000], [1], [2], [3, 7], [5, 1, 11], [13]]

    @Test(arguments: splits)
    func octetCountingSplitAnywhere(pieces: [Int]) {
        let stream = Array("11 <1>1 - - ab5 hello3 x\ny".utf8)
        let result = Self.frames(stream, pieces: pieces)
        #expect(result.verdict == .continue)
        #expect(result.frames == [Frame(text: "<1>1 - - ab"), Frame(text: "hello"), Frame(text: "x\ny")])
    }

    @Test(arguments: splits)
    func nonTransparentSplitAnywhere(pieces: [Int]) {
        let stream = Array("<13>one\r\n<13>two\0<13>three\n\nlast".utf8)
        let result = Self.frames(stream, pieces: pieces)
        #expect(result.verdict == .continue)
        #expect(
            result.frames == [
                Frame(text: "<13>one"), Frame(text: "<13>two"), Frame(text: "<13>three"), Frame(text: ""), Frame(text: "last"),
            ])
    }

    /// As in files: a CR right before the LF is part of the line end, so a CRLF blank line is a blank
    /// frame and a line of the maximum size ending in CRLF is whole; a CR anywhere else is content.
    @Test(arguments: splits)
    func carriageReturnBeforeLineFeedEndsTheLine(pieces: [Int]) {
        let result = Self.frames(Array("<1>abcd\r\n\r\n<1>ab\r\r\n<1>a\rb\n<1>abcd\r\0<1>abcde\r\nend\r".utf8), pieces: pieces, max: 7)
        #expect(
            result.frames == [
                Frame(text: "<1>abcd"), Frame(text: ""), Frame(text: "<1>ab\r"), Frame(text: "<1>a\rb"),
                Frame(text: "<1>abcd", failure: .oversizeMessage), Frame(text: "<1>abcd", failure: .oversizeMessage), Frame(text: "end"),
            ])
        #expect(result.discardedBytes == 1 + 2)  // the NUL-ended line's CR; the CRLF line's e and CR
    }

    @Test(arguments: splits)
    func oversizeFramesAreCutAndTheStreamGoesOn(pieces: [Int]) {
        let octets = Self.frames(Array("12 abcdefghijkl3 xyz".utf8), pieces: pieces, max: 5)
        #expect(octets.frames == [Frame(text: "abcde", failure: .oversizeMessage), Frame(text: "xyz")])
        #expect(octets.discardedBytes == 7)
        let lines = Self.frames(Array("<1>abcdefghij\n<1>ok\n<1>12345\n".utf8), pieces: pieces, max: 7)
        #expect(
            lines.frames == [
                Frame(text: "<1>abcd", failure: .oversizeMessage), Frame(text: "<1>ok"), Frame(text: "<1>1234", failure: .oversizeMessage),
            ])
        #expect(lines.discardedBytes == 6 + 1)
        let exact = Self.frames(Array("<1>abcd\n".utf8), pieces: pieces, max: 7)
        #expect(exact.frames == [Frame(text: "<1>abcd")])
        #expect(exact.discardedBytes == 0)
    }

    /// Line ends (CR, LF, NUL) around the maximum size, split at random: the frames, their flags and
    /// the bytes cut off never depend on where the reads end.
    @Test(arguments: 3...6)
    func lineEndsDoNotDependOnReadBoundaries(max: Int) {
        var random = SplitMix64(seed: UInt64(max))
        let alphabet: [UInt8] = Array("<ab\r\r\n\n\0".utf8)
        for _ in 0..<300 {
            let stream =
                [UInt8(ascii: "<")] + (0..<Int.random(in: 0...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            let whole = Self.frames(stream, pieces: [1_000_000], max: max)
            let pieces = (0..<4).map { _ in Int.random(in: 1...5, using: &random) }
            for split in [[1], pieces] {
                let other = Self.frames(stream, pieces: split, max: max)
                #expect(other.frames == whole.frames, "\(stream) in pieces \(split)")
                #expect(other.discardedBytes == whole.discardedBytes, "\(stream) in pieces \(split)")
            }
            #expect(whole.frames.allSatisfy { $0.text.utf8.count <= max })
        }
    }

    @Test func octetCountingToleratesLineFeedsBetweenFrames() {
        let result = Self.frames(Array("3 abc\n\n2 de\n".utf8), pieces: [1_000_000])
        #expect(result.frames == [Frame(text: "abc"), Frame(text: "de")])
        #expect(result.verdict == .continue)
    }

    @Test(arguments: [
        ([0x16, 0x03, 0x01, 0x00], "first byte"),  // a TLS ClientHello on a plaintext port
        (Array("5 abcdeX".utf8), "where a MSG-LEN"),
        (Array("12x".utf8), "after MSG-LEN"),
        (Array("1234567890 ".utf8), "longer than"),
        (Array("3 abc0 ".utf8), "where a MSG-LEN"),
    ])
    func garbageDisconnects(stream: [UInt8], reasonContains: String) {
        let result = Self.frames(stream, pieces: [1_000_000])
        guard case .disconnect(let reason) = result.verdict else {
            Issue.record("expected a disconnect, got \(result.verdict)")
            return
        }
        #expect(reason.contains(reasonContains), "\(reason)")
    }

    @Test func disconnectIsFinal() {
        var framer = SyslogFramer()
        var count = 0
        let garbage: [UInt8] = [0x00, 0x01]
        let first = garbage.withUnsafeBytes { framer.feed($0, emit: { _ in count += 1 }) }
        let again = Array("<1>ok\n".utf8).withUnsafeBytes { framer.feed($0, emit: { _ in count += 1 }) }
        #expect(first != .continue && again == first && count == 0)
    }

    @Test func endOfStreamInsideAFrameIsTruncated() {
        #expect(Self.frames(Array("10 abc".utf8), pieces: [2]).frames == [Frame(text: "abc", failure: .truncatedFrame)])
        // Past the maximum size, the frame the stream cut is the oversize frame it would have been.
        for sent in ["abcde", "abcdefg"] {
            let cut = Self.frames(Array("10 \(sent)".utf8), pieces: [2], max: 5)
            #expect(cut.frames == [Frame(text: "abcde", failure: .oversizeMessage)])
            #expect(cut.discardedBytes == sent.count - 5)
        }
        #expect(
            Self.frames(Array("3 abc12".utf8), pieces: [1]).frames == [Frame(text: "abc"), Frame(text: "12", failure: .truncatedFrame)])
        #expect(Self.frames(Array("3 abc".utf8), pieces: [1]).frames == [Frame(text: "abc")])
    }

    /// Found by FuzzSyslogFramer: a stream ending in MSG-LEN digits handed out all the digits, more than
    /// the maximum message size.
    @Test(arguments: splits)
    func truncatedLengthAtEndOfStreamKeepsTheMaximumSize(pieces: [Int]) {
        #expect(Self.frames(Array("11".utf8), pieces: pieces, max: 1).frames == [Frame(text: "1", failure: .truncatedFrame)])
        #expect(
            Self.frames(Array("2 ab123456789".utf8), pieces: pieces, max: 4).frames == [
                Frame(text: "ab"), Frame(text: "1234", failure: .truncatedFrame),
            ])
    }

    @Test func framingIsDetectedFromTheFirstByte() {
        var octets = SyslogFramer()
        _ = Array("7".utf8).withUnsafeBytes { octets.feed($0, emit: { _ in }) }
        #expect(octets.framing == .octetCounting)
        for first in ["<", "{", "M", "0"] {
            var lines = SyslogFramer()
            _ = Array(first.utf8).withUnsafeBytes { lines.feed($0, emit: { _ in }) }
            #expect(lines.framing == .nonTransparent, "\(first)")
        }
    }
}
