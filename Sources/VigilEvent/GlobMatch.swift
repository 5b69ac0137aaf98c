/// Glob matching over bytes: `*` any run of bytes, `?` (when enabled) one byte, optionally ignoring
/// ASCII case. One matcher for the places that match names against patterns (host names against
/// `--host-timezone`, Sigma `1 of sel*`).
///
/// Greedy with one backtrack point: linear in practice and no recursion, so a hostile pattern cannot
/// blow the stack.
public enum GlobMatch {
    public static func matches(
        _ pattern: UnsafeRawBufferPointer, _ text: UnsafeRawBufferPointer, singleWildcard: Bool = true, ignoringCase: Bool = false
    ) -> Bool {
        @inline(__always) func fold(_ byte: UInt8) -> UInt8 {
            ignoringCase && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
        }
        var p = 0, t = 0
        var star = -1, resume = 0
        while t < text.count {
            if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                resume = t
                p += 1
            } else if p < pattern.count && ((singleWildcard && pattern[p] == UInt8(ascii: "?")) || fold(pattern[p]) == fold(text[t])) {
                p += 1
                t += 1
            } else if star >= 0 {
                // Let the last `*` take one more byte.
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// ``matches(_:_:singleWildcard:ignoringCase:)`` for byte arrays.
    public static func matches(_ pattern: [UInt8], _ text: [UInt8], singleWildcard: Bool = true, ignoringCase: Bool = false) -> Bool {
        pattern.withUnsafeBytes { p in
            text.withUnsafeBytes { matches(p, $0, singleWildcard: singleWildcard, ignoringCase: ignoringCase) }
        }
    }
}
