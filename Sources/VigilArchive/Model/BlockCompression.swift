import CLZ4

/// LZ4 block API: each block is compressed alone, so it decompresses alone.
enum BlockCompression {
    static func compress(_ raw: [UInt8]) -> [UInt8] {
        let bound = Int(LZ4_compressBound(Int32(raw.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written = raw.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { destination in
                LZ4_compress_default(
                    source.baseAddress!.assumingMemoryBound(to: CChar.self), destination.baseAddress!.assumingMemoryBound(to: CChar.self),
                    Int32(raw.count), Int32(bound))
            }
        }
        // Only an input above LZ4_MAX_INPUT_SIZE (~2 GiB) fails; blocks are cut far below it.
        precondition(written > 0 || raw.isEmpty, "LZ4_compress_default failed on \(raw.count) bytes")
        output.removeLast(bound - Int(max(0, written)))
        return output
    }

    static func decompress(_ compressed: UnsafeRawBufferPointer, rawLength: Int) throws(FormatFailure) -> [UInt8] {
        guard rawLength > 0 else {
            guard compressed.isEmpty else { throw FormatFailure(reason: "LZ4 data for an empty block") }
            return []
        }
        guard !compressed.isEmpty, rawLength <= Int(LZ4_MAX_INPUT_SIZE) else { throw FormatFailure(reason: "LZ4 lengths") }
        var output = [UInt8](repeating: 0, count: rawLength)
        let produced = output.withUnsafeMutableBytes { destination in
            LZ4_decompress_safe(
                compressed.baseAddress!.assumingMemoryBound(to: CChar.self), destination.baseAddress!.assumingMemoryBound(to: CChar.self),
                Int32(compressed.count), Int32(rawLength))
        }
        guard produced == Int32(rawLength) else {
            throw FormatFailure(reason: produced < 0 ? "LZ4 data is not valid" : "LZ4 data gives \(produced) bytes, not \(rawLength)")
        }
        return output
    }
}
