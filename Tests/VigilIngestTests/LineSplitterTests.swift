import Testing
import VigilEvent

@testable import VigilIngest

@Suite("LineSplitter")
struct LineSplitterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var atEnd: Bool
        var maxMessageSize = 64
        var messages: [String]
        var consumed: Int
        var emptyLines = 0
        var truncated = 0
        var discardedBytes = 0
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "LF lines", input: "a\nbb\nccc\n", atEnd: false, messages: ["a", "bb", "ccc"], consumed: 9),
        Case(name: "CRLF lines", input: "a\r\nb\r\n", atEnd: false, messages: ["a", "b"], consumed: 6),
        Case(name: "blank lines skipped", input: "a\n\n\r\nb\n", atEnd: false, messages: ["a", "b"], consumed: 7, emptyLines: 2),
        Case(name: "tail carried", input: "a\npartial", atEnd: false, messages: ["a"], consumed: 2),
        Case(name: "tail at end", input: "a\nlast", atEnd: true, messages: ["a", "last"], consumed: 6),
        Case(
            name: "oversize line cut", input: "0123456789ABCDEF\nok\n", atEnd: false, maxMessageSize: 8,
            messages: ["01234567", "ok"], consumed: 20, truncated: 1, discardedBytes: 8),
        Case(
            name: "oversize tail cut early", input: "ok\n0123456789ABCDEF", atEnd: false, maxMessageSize: 8,
            messages: ["ok", "01234567"], consumed: 19, truncated: 1, discardedBytes: 8),
        Case(
            name: "oversize CRLF line: its CR is cut off too", input: "0123456789\r\nok\n", atEnd: false, maxMessageSize: 8,
            messages: ["01234567", "ok"], consumed: 15, truncated: 1, discardedBytes: 3),
        Case(
            name: "maximum size and a CR, LF not yet read: carried, not cut", input: "ok\n01234567\r", atEnd: false,
            maxMessageSize: 8, messages: ["ok"], consumed: 3),
        Case(
            name: "maximum size and a CR at the end of input: whole", input: "01234567\r", atEnd: true, maxMessageSize: 8,
            messages: ["01234567"], consumed: 9),
        Case(name: "empty", input: "", atEnd: true, messages: [], consumed: 0),
    ]

    @Test(arguments: cases)
    func splits(_ c: Case) {
        var splitter = LineSplitter(maxMessageSize: c.maxMessageSize)
        var out = LineSplitter.Output()
        let bytes = Array(c.input.utf8)
        let consumed = bytes.withUnsafeBytes { splitter.split($0, into: &out, atEnd: c.atEnd) }
        #expect(consumed == c.consumed)
        #expect(out.messages.map { String(decoding: bytes[$0.range], as: UTF8.self) } == c.messages)
        #expect(out.emptyLines == c.emptyLines)
        #expect(out.truncated == c.truncated)
        #expect(out.failures.count == c.truncated)
        #expect(out.discardedBytes == c.discardedBytes)
        #expect(out.failures.allSatisfy { $0.failure.reason == .oversizeMessage })
    }

    @Test("the rest of an over-long line is skipped in the next buffer")
    func skipsRestOfOversizeLine() {
        var splitter = LineSplitter(maxMessageSize: 4)
        var out = LineSplitter.Output()
        let first = Array("abcdefgh".utf8)
        #expect(first.withUnsafeBytes { splitter.split($0, into: &out, atEnd: false) } == 8)
        let second = Array("ijk\nnext\n".utf8)
        _ = second.withUnsafeBytes { splitter.split($0, into: &out, atEnd: false) }
        #expect(out.messages.count == 2)
        #expect(out.messages[1] == ByteRange(start: 4, end: 8))
        #expect(out.truncated == 1)
        #expect(out.discardedBytes == 4 + 3)
    }

    @Test("a line of the maximum size and a CR at a buffer's end, then more than the LF, is cut and counted")
    func maximumSizeThenCarriageReturnThenMore() {
        var splitter = LineSplitter(maxMessageSize: 4)
        var out = LineSplitter.Output()
        #expect(Array("abcd\r".utf8).withUnsafeBytes { splitter.split($0, into: &out, atEnd: false) } == 0)
        let next = Array("abcd\rxy\n".utf8)
        #expect(next.withUnsafeBytes { splitter.split($0, into: &out, atEnd: false) } == next.count)
        #expect(out.messages == [ByteRange(start: 0, end: 4)])
        #expect(out.truncated == 1)
        #expect(out.discardedBytes == 3)
    }
}
