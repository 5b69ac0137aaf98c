import Yams

/// Maps the characters of a YAML scalar's value back to where they were written, so that an error at a
/// byte offset of a pattern (PCRE2 reports those) can be shown at its line and column in the file.
///
/// The value is re-read from the source following YAML's rules for the scalar's style (plain, quoted with
/// escapes, literal and folded blocks, line folding). The re-read is checked against the value Yams
/// produced; when they disagree (an exotic construct), the result is nil and callers fall back to the
/// scalar's own position.
struct ScalarPositions {
    /// The file's lines as Unicode scalars (YAML columns count scalars).
    let lines: [[Unicode.Scalar]]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var scalars = Array(line.unicodeScalars)
            if scalars.last == "\r" { scalars.removeLast() }
            return scalars
        }
    }

    /// What of a YAML scalar the re-read needs (Yams' nodes are not `Sendable`; this is).
    struct Origin: Sendable {
        enum Style: Sendable { case plain, singleQuoted, doubleQuoted, block }
        var line: Int
        var column: Int
        var value: String
        var style: Style

        init?(_ scalar: Node.Scalar) {
            guard let mark = scalar.mark else { return nil }
            line = mark.line
            column = mark.column
            value = scalar.string
            switch scalar.style {
            case .plain, .any: style = .plain
            case .singleQuoted: style = .singleQuoted
            case .doubleQuoted: style = .doubleQuoted
            case .literal, .folded: style = .block
            }
        }
    }

    /// The position of every UTF-8 byte of the scalar's value, or nil.
    func bytePositions(of scalar: Origin) -> [SourcePosition]? {
        let target = Array(scalar.value.unicodeScalars)
        var reader = Reader(lines: lines, target: target, line: scalar.line - 1, column: scalar.column - 1)
        let ok: Bool
        switch scalar.style {
        case .plain: ok = reader.readFlow(quote: nil)
        case .singleQuoted: ok = reader.skipOpeningQuote() && reader.readFlow(quote: "'")
        case .doubleQuoted: ok = reader.skipOpeningQuote() && reader.readFlow(quote: "\"")
        case .block: ok = reader.readBlock()
        }
        guard ok, reader.produced.count == target.count else { return nil }
        var bytes: [SourcePosition] = []
        bytes.reserveCapacity(scalar.value.utf8.count)
        for (character, position) in zip(target, reader.produced) {
            for _ in 0..<UTF8.width(character) { bytes.append(position) }
        }
        return bytes
    }
}

/// Walks the source in step with the expected value, recording where each value character came from.
private struct Reader {
    let lines: [[Unicode.Scalar]]
    let target: [Unicode.Scalar]
    var line: Int
    var column: Int
    var produced: [SourcePosition] = []

    init(lines: [[Unicode.Scalar]], target: [Unicode.Scalar], line: Int, column: Int) {
        self.lines = lines
        self.target = target
        self.line = line
        self.column = column
    }

    private var here: SourcePosition { SourcePosition(line: line + 1, column: column + 1) }
    private var next: Unicode.Scalar? { produced.count < target.count ? target[produced.count] : nil }

    private func char(_ offset: Int = 0) -> Unicode.Scalar? {
        guard line < lines.count, column + offset < lines[line].count else { return nil }
        return lines[line][column + offset]
    }

    private func restOfLineIsBlank() -> Bool {
        guard line < lines.count else { return true }
        return lines[line][min(column, lines[line].count)...].allSatisfy { $0 == " " || $0 == "\t" }
    }

    mutating func skipOpeningQuote() -> Bool {
        column += 1
        return true
    }

    /// Plain and quoted scalars: characters in order, escapes (double quotes), `''` (single quotes), and
    /// line folding (a line break becomes a space, or nothing after an escaped break; blank lines become
    /// newlines).
    mutating func readFlow(quote: Unicode.Scalar?) -> Bool {
        while let expected = next {
            if line >= lines.count { return false }
            if restOfLineIsBlank() {
                if expected == " " || expected == "\n" { produced.append(here) }
                startNextLine()
                continue
            }
            guard let c = char() else { return false }
            if quote == "'" && c == "'" && char(1) == "'" && expected == "'" {
                produced.append(here)
                column += 2
            } else if quote == "\"" && c == "\\" {
                guard readEscape(expected) else { return false }
            } else if c == expected {
                produced.append(here)
                column += 1
            } else {
                return false
            }
        }
        return true
    }

    private mutating func startNextLine() {
        line += 1
        column = 0
        while let c = char(), c == " " || c == "\t" { column += 1 }
    }

    private mutating func readEscape(_ expected: Unicode.Scalar) -> Bool {
        let start = here
        guard let kind = char(1) else {
            // An escaped line break joins the lines without a space.
            startNextLine()
            return true
        }
        let simple: [Unicode.Scalar: Unicode.Scalar] = [
            "0": "\0", "a": "\u{07}", "b": "\u{08}", "t": "\t", "\t": "\t", "n": "\n", "v": "\u{0B}",
            "f": "\u{0C}", "r": "\r", "e": "\u{1B}", " ": " ", "\"": "\"", "/": "/", "\\": "\\",
            "N": "\u{85}", "_": "\u{A0}", "L": "\u{2028}", "P": "\u{2029}",
        ]
        if let value = simple[kind] {
            guard value == expected else { return false }
            column += 2
        } else if let digits = ["x": 2, "u": 4, "U": 8][kind] {
            guard column + 2 + digits <= lines[line].count else { return false }
            let hex = String(String.UnicodeScalarView(lines[line][(column + 2)..<(column + 2 + digits)]))
            guard let code = UInt32(hex, radix: 16), Unicode.Scalar(code) == expected else { return false }
            column += 2 + digits
        } else {
            return false
        }
        produced.append(start)
        return true
    }

    /// Literal (`|`) and folded (`>`) blocks: content lines start at the block's indentation; each line
    /// break becomes a newline (literal), a space or nothing (folded), whichever the value has there.
    mutating func readBlock() -> Bool {
        line += 1
        guard let indent = blockIndentation() else { return next == nil }
        column = indent
        while let expected = next {
            if line >= lines.count { return false }
            if column >= lines[line].count {
                if expected == "\n" || expected == " " { produced.append(here) }
                line += 1
                column = line < lines.count ? min(indent, lines[line].count) : 0
                continue
            }
            guard lines[line][column] == expected else { return false }
            produced.append(here)
            column += 1
        }
        return true
    }

    /// The indentation of the block's content: that of its first non-blank line, less the spaces the
    /// value itself starts with (an explicit indentation indicator keeps those).
    private func blockIndentation() -> Int? {
        var l = line
        while l < lines.count, lines[l].allSatisfy({ $0 == " " || $0 == "\t" }) { l += 1 }
        guard l < lines.count else { return nil }
        let leading = lines[l].prefix { $0 == " " }.count
        let valueLeading = target.drop { $0 == "\n" }.prefix { $0 == " " }.count
        return max(leading - valueLeading, 0)
    }
}
