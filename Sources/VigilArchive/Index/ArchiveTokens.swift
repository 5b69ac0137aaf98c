import VigilEvent

/// The tokens of a message that the sidecar index's Bloom filters hold.
///
/// - every maximal run of `[A-Za-z0-9_]` (case kept: `Failed` and `failed` are different tokens);
/// - in addition, IPv4 addresses: four dot-separated groups of 1 to 3 digits, standing alone or
///   followed by a `:port` (`1.2.3.4:22` gives `1.2.3.4`, `1`, `2`, `3`, `4` and `22`);
/// - in addition, IPv6-looking runs of `[0-9A-Fa-f:.]` with two or more `:` (`fe80::1`), without a
///   sentence's trailing `.` or a lone trailing `:`.
///
/// A search value is looked up in the index only when it is itself exactly one token; anything else
/// scans the blocks.
public enum ArchiveTokens {
    public static func forEach(in message: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        let count = message.count
        var i = 0
        while i < count {
            let byte = message[i]
            if isWord(byte) {
                var end = i + 1
                while end < count && isWord(message[end]) { end += 1 }
                body(UnsafeRawBufferPointer(rebasing: message[i..<end]))
                // An address starts with a hex digit or ':'; look for one only where a word could begin one.
                if isHex(byte) && startsRun(message, i) { addresses(in: message, from: i, body) }
                i = end
            } else {
                if byte == UInt8(ascii: ":") && startsRun(message, i) { addresses(in: message, from: i, body) }
                i += 1
            }
        }
    }

    /// The tokens of `bytes`, as arrays (for tests and tools).
    public static func tokens(of bytes: some Collection<UInt8>) -> [[UInt8]] {
        var result: [[UInt8]] = []
        Array(bytes).withUnsafeBytes { forEach(in: $0) { result.append(Array($0)) } }
        return result
    }

    /// True when `value` is exactly one token, so that the index can answer for it.
    public static func isSingleToken(_ value: some Collection<UInt8>) -> Bool {
        let bytes = Array(value)
        guard !bytes.isEmpty else { return false }
        return tokens(of: bytes).contains(bytes)
    }

    @inline(__always) static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte == 0x5f
    }

    @inline(__always) static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// An address is looked for only at the start of a run of address bytes not glued to a word, so that
    /// `1.2.3.4.5` or `v1.2.3.4` give no IPv4 token.
    @inline(__always) private static func startsRun(_ message: UnsafeRawBufferPointer, _ i: Int) -> Bool {
        i == 0 || !(isWord(message[i - 1]) || isAddressByte(message[i - 1]))
    }

    @inline(__always) private static func isAddressByte(_ byte: UInt8) -> Bool {
        isHex(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
    }

    /// Looks at the run of address bytes starting at `start` (which is not inside a word) and reports an
    /// IPv4 or IPv6-looking token in it.
    private static func addresses(in message: UnsafeRawBufferPointer, from start: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        var end = start
        var colons = 0
        var dots = 0
        while end < message.count && isAddressByte(message[end]) {
            if message[end] == UInt8(ascii: ":") { colons += 1 } else if message[end] == UInt8(ascii: ".") { dots += 1 }
            end += 1
        }
        // A run glued to a word on its right (`1.2.3.4x`, `fe80::1g`) is not an address.
        if end < message.count && isWord(message[end]) { return }
        var trimmedEnd = end
        while trimmedEnd > start && message[trimmedEnd - 1] == UInt8(ascii: ".") { trimmedEnd -= 1 }
        if colons >= 2 {
            // IPv6-looking: drop a lone trailing ':' (`fe80::1: message`), keep `::` (`fe80::`).
            if trimmedEnd - start >= 2 && message[trimmedEnd - 1] == UInt8(ascii: ":") && message[trimmedEnd - 2] != UInt8(ascii: ":") {
                trimmedEnd -= 1
            }
            let token = UnsafeRawBufferPointer(rebasing: message[start..<trimmedEnd])
            if token.filter({ $0 == UInt8(ascii: ":") }).count >= 2 { body(token) }
            return
        }
        guard dots >= 3, message[start] != UInt8(ascii: ":") else { return }
        // IPv4, alone or with one ':port'.
        var quadEnd = trimmedEnd
        if colons == 1, let colon = (start..<trimmedEnd).first(where: { message[$0] == UInt8(ascii: ":") }) {
            let port = UnsafeRawBufferPointer(rebasing: message[(colon + 1)..<trimmedEnd])
            guard !port.isEmpty, port.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return }
            quadEnd = colon
        }
        let candidate = UnsafeRawBufferPointer(rebasing: message[start..<quadEnd])
        if isIPv4(candidate) { body(candidate) }
    }

    private static func isIPv4(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var groups = 0
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                groups += 1
                digits = 0
            } else if byte >= 0x30 && byte <= 0x39 {
                digits += 1
                if digits > 3 { return false }
            } else {
                return false
            }
        }
        return digits > 0 && groups == 3
    }
}

/// The 64-bit hash of a token the Bloom filters use: FNV-1a with MurmurHash3's finalizer (stable across
/// runs and machines, unlike Swift's seeded `Hasher`).
enum ArchiveTokenHash {
    /// Never 0 (the writer's hash set keeps 0 for an empty slot).
    @inline(__always) static func hash(_ token: UnsafeRawBufferPointer) -> UInt64 {
        let hash = FNV1a.mix(FNV1a.hash(token))
        return hash == 0 ? 1 : hash
    }
}
