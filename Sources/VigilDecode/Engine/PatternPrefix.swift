/// Finds the literal text a pattern's every match starts with, so that the worker can reject most
/// subjects with a byte compare before calling PCRE2 (`^Accepted (?<method>\S+)` -> `Accepted `), and
/// recognizes patterns that are nothing but such a literal (`^pam_unix\(`), which need no PCRE2 at all.
///
/// Conservative: only patterns that start with `^` (after an optional `(?J)`), have no top-level
/// alternation and no leading option setting qualify; the prefix stops at the first character that is
/// not a plain or escaped literal, and drops a character that a quantifier makes optional.
enum PatternPrefix {
    /// The required literal prefix, and whether it is the whole pattern.
    static func analyze(_ pattern: String) -> (prefix: [UInt8], isWholePattern: Bool) {
        var p = Array(pattern.utf8)
        // (?J) allows duplicate group names and changes nothing about what matches.
        if p.starts(with: Array("(?J)".utf8)) { p.removeFirst(4) }
        guard p.first == UInt8(ascii: "^"), !hasTopLevelAlternation(p) else { return ([], false) }
        let special = Set("[(.*+?{|$)^".utf8)
        var out: [UInt8] = []
        var i = 1
        while i < p.count {
            var literal = p[i]
            var width = 1
            if literal == UInt8(ascii: "\\") {
                // \d, \S, \Q ... are not literals; \[ \. \  are.
                guard i + 1 < p.count, !isAlphanumeric(p[i + 1]) else { return (out, false) }
                literal = p[i + 1]
                width = 2
            } else if special.contains(literal) {
                return (out, false)
            }
            let next = i + width < p.count ? p[i + width] : 0
            if next == UInt8(ascii: "?") || next == UInt8(ascii: "*") || next == UInt8(ascii: "{") { return (out, false) }
            out.append(literal)
            if next == UInt8(ascii: "+") { return (out, false) }
            i += width
        }
        return (out, !out.isEmpty)
    }

    /// The literal every match starts with (empty when there is none).
    static func required(by pattern: String) -> [UInt8] {
        analyze(pattern).prefix
    }

    /// Whether `|` occurs outside any group or character class.
    static func hasTopLevelAlternation(_ p: [UInt8]) -> Bool {
        var depth = 0
        var i = 0
        while i < p.count {
            switch p[i] {
            case UInt8(ascii: "\\"): i += 1
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"): depth -= 1
            case UInt8(ascii: "|") where depth == 0: return true
            case UInt8(ascii: "["):
                // Skip the class: a `]` right after `[` or `[^` is a literal.
                i += 1
                if i < p.count && p[i] == UInt8(ascii: "^") { i += 1 }
                if i < p.count && p[i] == UInt8(ascii: "]") { i += 1 }
                while i < p.count && p[i] != UInt8(ascii: "]") {
                    if p[i] == UInt8(ascii: "\\") { i += 1 }
                    i += 1
                }
            default: break
            }
            i += 1
        }
        return false
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c &- UInt8(ascii: "0")) < 10 || ((c | 0x20) &- UInt8(ascii: "a")) < 26
    }
}
