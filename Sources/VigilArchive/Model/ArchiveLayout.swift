import CZlib
import VigilEvent

/// Where the archive's files are and the fixed parts of the segment format (docs/archive.md).
enum ArchiveLayout {
    static let formatVersion: UInt16 = 1
    static let fileHeaderSize = 32
    static let blockHeaderSize = 68
    static let footerEntrySize = 8 + blockHeaderSize
    static let trailerSize = 24

    // Magic numbers as little-endian UInt32 of their ASCII bytes, so that a hex dump shows the letters.
    static let segmentMagic = fourCC("VSEG")
    static let blockMagic = fourCC("VBLK")
    static let footerMagic = fourCC("VFTR")
    static let trailerMagic = fourCC("VEND")
    static let indexMagic = fourCC("VIDX")

    static func fourCC(_ text: StaticString) -> UInt32 {
        var value: UInt32 = 0
        text.withUTF8Buffer { for (i, byte) in $0.enumerated() { value |= UInt32(byte) << (8 * UInt32(i)) } }
        return value
    }

    /// Twelve digits: file names sort in segment order.
    static func segmentName(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    static func segmentsDirectory(_ directory: String) -> String { directory + "/segments" }
    static func segmentPath(_ directory: String, _ number: Int) -> String {
        segmentsDirectory(directory) + "/" + segmentName(number) + ".vseg"
    }
    static func indexPath(_ directory: String, _ number: Int) -> String {
        segmentsDirectory(directory) + "/" + segmentName(number) + ".vidx"
    }
    static func chainPath(_ directory: String) -> String { directory + "/chain" }

    /// The segment number of a `NNNNNNNNNNNN.vseg` name, or nil.
    static func segmentNumber(fileName: String) -> Int? {
        guard fileName.hasSuffix(".vseg") else { return nil }
        let stem = fileName.dropLast(5)
        guard stem.count == 12, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(stem)
    }
}

/// zlib's CRC-32 of some bytes.
func archiveCRC32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
    return UInt32(truncatingIfNeeded: crc32_z(0, base.assumingMemoryBound(to: UInt8.self), bytes.count))
}

func archiveCRC32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { archiveCRC32($0) } }

/// Appends little-endian integers, varints and strings to a byte array.
struct ByteSink {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) } }
    mutating func u32(_ value: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) } }
    mutating func u64(_ value: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) } }
    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    /// LEB128: 7 bits a byte, low first.
    @inline(__always) mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zigzag, then varint: small negative numbers stay short.
    @inline(__always) mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func append(_ raw: UnsafeRawBufferPointer) { bytes.append(contentsOf: raw) }
}

/// Why bytes could not be decoded.
struct FormatFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// The reason of a ``FormatFailure`` (closures passed to `withUnsafeBytes` lose the thrown type).
func formatReason(_ error: any Error) -> String {
    (error as? FormatFailure)?.reason ?? "\(error)"
}

/// Reads what ``ByteSink`` wrote, checking every bound.
struct ByteSource {
    let buffer: UnsafeRawBufferPointer
    var offset: Int

    init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= buffer.count }

    @inline(__always) mutating func u8() throws(FormatFailure) -> UInt8 {
        guard offset < buffer.count else { throw FormatFailure(reason: "record cut short at byte \(offset)") }
        defer { offset += 1 }
        return buffer[offset]
    }

    mutating func fixed(_ size: Int) throws(FormatFailure) -> UInt64 {
        guard size <= buffer.count - offset else { throw FormatFailure(reason: "record cut short at byte \(offset)") }
        var value: UInt64 = 0
        for i in 0..<size { value |= UInt64(buffer[offset + i]) << (8 * UInt64(i)) }
        offset += size
        return value
    }
    mutating func u16() throws(FormatFailure) -> UInt16 { UInt16(try fixed(2)) }
    mutating func u32() throws(FormatFailure) -> UInt32 { UInt32(try fixed(4)) }
    mutating func u64() throws(FormatFailure) -> UInt64 { try fixed(8) }
    mutating func i64() throws(FormatFailure) -> Int64 { Int64(bitPattern: try fixed(8)) }

    @inline(__always) mutating func varint() throws(FormatFailure) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try u8()
            guard shift < 64 else { throw FormatFailure(reason: "varint too long at byte \(offset)") }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    @inline(__always) mutating func zigzag() throws(FormatFailure) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    mutating func length(limit: Int = .max) throws(FormatFailure) -> Int {
        let raw = try varint()
        guard raw <= UInt64(buffer.count - offset), raw <= UInt64(limit) else {
            throw FormatFailure(reason: "length \(raw) runs past the end at byte \(offset)")
        }
        return Int(raw)
    }

    mutating func bytes(_ count: Int) throws(FormatFailure) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= buffer.count - offset else { throw FormatFailure(reason: "record cut short at byte \(offset)") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + count])
    }

    mutating func string() throws(FormatFailure) -> String {
        let count = try length()
        return String(decoding: try bytes(count), as: UTF8.self)
    }
}

/// The fixed header at the start of a segment file.
struct SegmentFileHeader: Equatable {
    var segment: Int
    var created: Timestamp

    func encoded() -> [UInt8] {
        var sink = ByteSink(capacity: ArchiveLayout.fileHeaderSize)
        sink.u32(ArchiveLayout.segmentMagic)
        sink.u16(ArchiveLayout.formatVersion)
        sink.u16(0)
        sink.u64(UInt64(segment))
        sink.i64(created.nanoseconds)
        sink.u32(archiveCRC32(sink.bytes))
        sink.u32(0)
        return sink.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws(FormatFailure) -> SegmentFileHeader {
        guard bytes.count >= ArchiveLayout.fileHeaderSize else { throw FormatFailure(reason: "shorter than the file header") }
        var source = ByteSource(bytes)
        guard try source.u32() == ArchiveLayout.segmentMagic else { throw FormatFailure(reason: "bad magic (not VSEG)") }
        let version = try source.u16()
        guard version == ArchiveLayout.formatVersion else { throw FormatFailure(reason: "format version \(version) is not known") }
        _ = try source.u16()
        let segment = try source.u64()
        let created = try source.i64()
        let crc = try source.u32()
        guard crc == archiveCRC32(UnsafeRawBufferPointer(rebasing: bytes[0..<24])) else {
            throw FormatFailure(reason: "file header checksum")
        }
        guard segment <= UInt64(Int.max) else { throw FormatFailure(reason: "segment number out of range") }
        return SegmentFileHeader(segment: Int(segment), created: Timestamp(nanoseconds: created))
    }
}

/// The fixed header before each block's compressed bytes.
struct BlockHeader: Equatable {
    var compressedLength: UInt32
    var rawLength: UInt32
    var messageCount: UInt32
    var recordCount: UInt32
    var firstSequence: UInt64
    var minEventTime: Int64
    var maxEventTime: Int64
    var minReceiveTime: Int64
    var maxReceiveTime: Int64
    var dataCRC: UInt32

    func encoded() -> [UInt8] {
        var sink = ByteSink(capacity: ArchiveLayout.blockHeaderSize)
        sink.u32(ArchiveLayout.blockMagic)
        sink.u32(compressedLength)
        sink.u32(rawLength)
        sink.u32(messageCount)
        sink.u32(recordCount)
        sink.u64(firstSequence)
        sink.i64(minEventTime)
        sink.i64(maxEventTime)
        sink.i64(minReceiveTime)
        sink.i64(maxReceiveTime)
        sink.u32(dataCRC)
        sink.u32(archiveCRC32(sink.bytes))
        return sink.bytes
    }

    /// Reads and checks a header (magic and header checksum).
    static func decode(_ bytes: UnsafeRawBufferPointer) throws(FormatFailure) -> BlockHeader {
        guard bytes.count >= ArchiveLayout.blockHeaderSize else { throw FormatFailure(reason: "block header cut short") }
        var source = ByteSource(bytes)
        guard try source.u32() == ArchiveLayout.blockMagic else { throw FormatFailure(reason: "no block header here (bad magic)") }
        let header = BlockHeader(
            compressedLength: try source.u32(), rawLength: try source.u32(), messageCount: try source.u32(), recordCount: try source.u32(),
            firstSequence: try source.u64(), minEventTime: try source.i64(), maxEventTime: try source.i64(),
            minReceiveTime: try source.i64(), maxReceiveTime: try source.i64(), dataCRC: try source.u32())
        let crc = try source.u32()
        guard crc == archiveCRC32(UnsafeRawBufferPointer(rebasing: bytes[0..<64])) else {
            throw FormatFailure(reason: "header checksum")
        }
        return header
    }

    func info(offset: Int) -> ArchiveBlockInfo {
        ArchiveBlockInfo(
            offset: offset, compressedLength: Int(compressedLength), rawLength: Int(rawLength), messageCount: Int(messageCount),
            recordCount: Int(recordCount), firstSequence: firstSequence, minEventTime: Timestamp(nanoseconds: minEventTime),
            maxEventTime: Timestamp(nanoseconds: maxEventTime), minReceiveTime: Timestamp(nanoseconds: minReceiveTime),
            maxReceiveTime: Timestamp(nanoseconds: maxReceiveTime))
    }

    /// The block's whole size on disk.
    var totalLength: Int { ArchiveLayout.blockHeaderSize + Int(compressedLength) }
}
