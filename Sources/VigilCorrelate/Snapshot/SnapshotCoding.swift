/// Why a correlation state file, or a part of it, cannot be read back.
public struct CorrelationSnapshotError: Error, Sendable, CustomStringConvertible {
    public var message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Writes the little-endian, length-prefixed binary form of correlation state (docs/correlation.md,
/// "Restarts").
struct SnapshotWriter {
    var bytes: [UInt8] = []
    /// The evidence references written with ``ref(_:)`` (0, "none", left out): the evidence a shard's
    /// section must carry.
    var usedRefs = Set<UInt32>()

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    /// An evidence reference, noted in ``usedRefs``.
    mutating func ref(_ value: UInt32) {
        u32(value)
        if value != 0 { usedRefs.insert(value) }
    }

    /// A count or length (at most `UInt32.max`: state never holds more of anything).
    mutating func count(_ value: Int) { u32(UInt32(clamping: value)) }

    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    /// Length (u32) and UTF-8 bytes.
    mutating func string(_ value: String) {
        var text = value
        text.withUTF8 { data(UnsafeRawBufferPointer($0)) }
    }

    /// Length (u32) and bytes.
    mutating func data(_ value: UnsafeRawBufferPointer) {
        count(value.count)
        bytes.append(contentsOf: value)
    }

    /// Starts a section whose length (u64) precedes it; returns where to ``endSection(_:)`` it.
    mutating func beginSection() -> Int {
        u64(0)
        return bytes.count
    }

    /// Writes the length of the section begun at `start`.
    mutating func endSection(_ start: Int) {
        var length = UInt64(bytes.count - start).littleEndian
        withUnsafeBytes(of: &length) { bytes.replaceSubrange(start - 8..<start, with: $0) }
    }
}

/// Reads what ``SnapshotWriter`` wrote, checking every length against the bytes left: nothing in a
/// state file can make the reader read out of bounds or allocate more than the file's size allows.
struct SnapshotReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    /// The end of the part being read (a section's end, or the end of the bytes).
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        offset = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset == end }

    private mutating func take(_ size: Int) throws(CorrelationSnapshotError) -> Int {
        guard size <= remaining else { throw CorrelationSnapshotError("truncated at byte \(offset) (\(size) more expected)") }
        defer { offset += size }
        return offset
    }

    mutating func u8() throws(CorrelationSnapshotError) -> UInt8 { bytes[try take(1)] }

    mutating func u32() throws(CorrelationSnapshotError) -> UInt32 {
        let at = try take(4)
        var value: UInt32 = 0
        for index in (0..<4).reversed() { value = value << 8 | UInt32(bytes[at + index]) }
        return value
    }

    mutating func u64() throws(CorrelationSnapshotError) -> UInt64 {
        let at = try take(8)
        var value: UInt64 = 0
        for index in (0..<8).reversed() { value = value << 8 | UInt64(bytes[at + index]) }
        return value
    }

    mutating func i64() throws(CorrelationSnapshotError) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func f64() throws(CorrelationSnapshotError) -> Double { Double(bitPattern: try u64()) }

    mutating func bool() throws(CorrelationSnapshotError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw CorrelationSnapshotError("byte \(offset - 1): \(other) is not a flag")
        }
    }

    /// A count of items that take at least `minimumBytes` each: larger than the bytes left allow, it is
    /// refused, so that no array is reserved beyond what the file holds.
    mutating func count(minimumBytes: Int) throws(CorrelationSnapshotError) -> Int {
        let value = Int(try u32())
        guard value <= remaining / max(1, minimumBytes) else {
            throw CorrelationSnapshotError("byte \(offset - 4): \(value) items do not fit in the \(remaining) bytes left")
        }
        return value
    }

    /// The range of a length-prefixed run of bytes.
    mutating func data() throws(CorrelationSnapshotError) -> Range<Int> {
        let length = Int(try u32())
        let start = try take(length)
        return start..<start + length
    }

    mutating func string() throws(CorrelationSnapshotError) -> String {
        let range = try data()
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// A section (u64 length, then its bytes): a reader of just those bytes; this one moves past them.
    mutating func section() throws(CorrelationSnapshotError) -> SnapshotReader {
        let length = try u64()
        guard length <= UInt64(remaining) else { throw CorrelationSnapshotError("byte \(offset - 8): section longer than the file") }
        let start = try take(Int(length))
        return SnapshotReader(bytes, from: start, to: start + Int(length))
    }

    /// Fails unless everything was read.
    func expectEnd(_ what: String) throws(CorrelationSnapshotError) {
        guard isAtEnd else { throw CorrelationSnapshotError("\(remaining) unexpected bytes after \(what)") }
    }
}
