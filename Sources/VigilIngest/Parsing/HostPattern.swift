/// Glob matching of host names against configured patterns: `*` any run of bytes, `?` one byte, ASCII
/// case ignored (host names are case-insensitive).
enum HostPattern {
    static func matches(_ pattern: [UInt8], _ host: UnsafeRawBufferPointer) -> Bool {
        pattern.withUnsafeBufferPointer { p in
            var pi = 0, hi = 0
            var star = -1, resume = 0
            while hi < host.count {
                if pi < p.count && (p[pi] == UInt8(ascii: "?") || fold(p[pi]) == fold(host[hi])) {
                    pi += 1
                    hi += 1
                } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                    star = pi
                    resume = hi
                    pi += 1
                } else if star >= 0 {
                    // Backtrack: let the last `*` take one more byte (linear in practice, no recursion).
                    pi = star + 1
                    resume += 1
                    hi = resume
                } else {
                    return false
                }
            }
            while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
            return pi == p.count
        }
    }

    @inline(__always)
    private static func fold(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}
