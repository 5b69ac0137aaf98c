import VigilEvent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decodes a block's payload (after LZ4) back into records, keeping the same running state as
/// ``BlockEncoder``.
enum BlockDecoder {
    static func decode(
        _ payload: UnsafeRawBufferPointer, header: BlockHeader, segment: Int, block: Int
    ) throws(FormatFailure) -> [ArchiveRecord] {
        var records: [ArchiveRecord] = []
        records.reserveCapacity(Int(min(header.recordCount, 1 << 20)))
        var prefix = ByteSource(payload)
        let recordsLength = try prefix.length()
        var input = ByteSource(UnsafeRawBufferPointer(rebasing: payload[prefix.offset..<prefix.offset + recordsLength]))
        var texts = ByteSource(UnsafeRawBufferPointer(rebasing: payload[(prefix.offset + recordsLength)...]))
        var hasContext = false
        var source: UInt32 = 0
        var sourceSequence: UInt64 = 0
        var receiveTime: Int64 = 0
        var previousEventTime: Int64 = 0
        var precision: UInt8 = 0
        var sequence = header.firstSequence
        var messages: UInt32 = 0

        func source32(_ raw: UInt64) throws(FormatFailure) -> UInt32 {
            guard raw <= UInt64(UInt32.max) else { throw FormatFailure(reason: "source number \(raw) out of range") }
            return UInt32(raw)
        }

        while !input.isAtEnd {
            let tagOffset = input.offset
            let tag = try input.u8()
            if tag & RecordTag.message != 0 {
                if tag & RecordTag.messageContext != 0 {
                    source = try source32(try input.varint())
                    sourceSequence = try input.varint()
                    receiveTime = try input.zigzag()
                    hasContext = true
                }
                guard hasContext else { throw FormatFailure(reason: "message without its source at byte \(tagOffset)") }
                var eventTime = Timestamp.distantPast
                guard tag & RecordTag.messageHasEventTime != 0 || tag & RecordTag.messageSmallDeltaMask == 0 else {
                    throw FormatFailure(reason: "event-time delta without an event time at byte \(tagOffset)")
                }
                if tag & RecordTag.messageHasEventTime != 0 {
                    let small = (tag & RecordTag.messageSmallDeltaMask) >> RecordTag.messageSmallDeltaShift
                    let delta = small != 0 ? Int64(small) - 1 : try input.zigzag()
                    let difference = tag & RecordTag.messageSecondsDelta != 0 ? delta &* 1_000_000_000 : delta
                    previousEventTime = previousEventTime &+ difference
                    eventTime = Timestamp(nanoseconds: previousEventTime)
                }
                var flags = ArchiveMessage.Flags()
                var bytesCut: UInt32 = 0
                if tag & RecordTag.messageExtras != 0 {
                    precision = try input.u8()
                    flags = ArchiveMessage.Flags(rawValue: try input.u8())
                    let cut = try input.varint()
                    guard cut <= UInt64(UInt32.max) else { throw FormatFailure(reason: "bytes cut out of range at byte \(tagOffset)") }
                    bytesCut = UInt32(cut)
                }
                let bytes: [UInt8]
                if tag & RecordTag.messageLengthPrefixed != 0 {
                    let count = try input.varint()
                    guard count <= UInt64(texts.buffer.count - texts.offset) else {
                        throw FormatFailure(reason: "message text runs past the end of the block (record at byte \(tagOffset))")
                    }
                    bytes = [UInt8](try texts.bytes(Int(count)))
                } else {
                    let remaining = texts.buffer.count - texts.offset
                    guard remaining > 0, let base = texts.buffer.baseAddress,
                        let end = memchr(base + texts.offset, Int32(UInt8(ascii: "\n")), remaining)
                    else {
                        throw FormatFailure(reason: "message text has no end (record at byte \(tagOffset))")
                    }
                    bytes = [UInt8](try texts.bytes(UnsafeRawPointer(end) - (base + texts.offset)))
                    texts.offset += 1
                }
                records.append(
                    .message(
                        ArchivedMessage(
                            reference: ArchiveReference(segment: segment, block: block, sequence: sequence), source: source,
                            sourceSequence: sourceSequence, receiveTime: Timestamp(nanoseconds: receiveTime), eventTime: eventTime,
                            precision: precision, flags: flags, bytesCut: bytesCut, bytes: bytes)))
                sequence &+= 1
                messages += 1
                sourceSequence &+= 1
                continue
            }
            switch tag {
            case RecordTag.batch:
                let batchSource = try source32(try input.varint())
                let name = try input.string()
                let first = try input.varint()
                let receive = try input.zigzag()
                let bits = try input.u8()
                let year = bits & 4 != 0 ? Timestamp(nanoseconds: try input.zigzag()) : nil
                let zone = bits & 8 != 0 ? try input.string() : nil
                let count = try input.varint()
                guard count <= UInt64(Int32.max) else { throw FormatFailure(reason: "batch message count out of range") }
                let clock = SourceClock(isLive: bits & 1 != 0, isListener: bits & 2 != 0, yearReference: year, timeZone: zone)
                records.append(
                    .batch(
                        ArchiveBatchHeader(
                            source: batchSource, sourceName: name, firstSequence: first, receiveTime: Timestamp(nanoseconds: receive),
                            clock: clock, messageCount: Int(count))))
                hasContext = true
                source = batchSource
                sourceSequence = first
                receiveTime = receive
            case RecordTag.runStart:
                let run = try input.u64()
                let wall = try input.zigzag()
                let count = try input.varint()
                guard count <= UInt64(payload.count) else { throw FormatFailure(reason: "source count out of range") }
                var expected: [ArchiveRunStart.ExpectedSource] = []
                for _ in 0..<count {
                    let id = try source32(try input.varint())
                    expected.append(.init(source: id, name: try input.string()))
                }
                records.append(.runStart(ArchiveRunStart(run: run, wallTime: Timestamp(nanoseconds: wall), expectedSources: expected)))
            case RecordTag.tick:
                records.append(.tick(Timestamp(nanoseconds: try input.zigzag())))
            case RecordTag.sourceEnd:
                records.append(.sourceEnd(source: try source32(try input.varint())))
            default:
                throw FormatFailure(reason: "unknown record tag \(tag) at byte \(tagOffset)")
            }
        }
        guard texts.isAtEnd else { throw FormatFailure(reason: "\(texts.buffer.count - texts.offset) bytes of text no record uses") }
        guard messages == header.messageCount, records.count == Int(header.recordCount) else {
            throw FormatFailure(
                reason:
                    "holds \(messages) messages in \(records.count) records, its header says \(header.messageCount) in \(header.recordCount)"
            )
        }
        return records
    }
}
