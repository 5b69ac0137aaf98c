import VigilArchive
import VigilDecode
import VigilEvent
import VigilIngest
import VigilRegex

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `vigil search` looks for in an archive.
public struct ArchiveQuery: Sendable {
    /// Event time from (inclusive) and to (exclusive).
    public var from: Timestamp?
    public var to: Timestamp?
    /// `--where FIELD=VALUE`: every condition must hold (decoded fields, compared byte for byte).
    public var conditions: [(field: String, value: String)] = []
    /// `--grep REGEX`: PCRE2 over the raw message bytes (no UTF-8 mode, as `grep -P` in the C locale).
    public var grep: Regex?
    /// As received (archive order) instead of by event time.
    public var arrivalOrder = false
    /// Normalized events (what `vigil parse` prints) instead of raw messages.
    public var json = false
    public var limit: Int?
    /// Whether the Bloom filters may rule out blocks (`--no-index` reads every block in the time range).
    public var usesIndex = true

    public init() {}
}

/// What a search read and found.
public struct ArchiveSearchReport: Sendable {
    public var blocks = 0
    /// Blocks decompressed (the others were ruled out by their time range or their Bloom filter).
    public var blocksRead = 0
    public var messagesMatched = 0
    /// Damaged blocks reported and skipped.
    public var damaged: [String] = []
}

/// Searches an archive: the block headers rule out blocks outside the time range, the sidecar Bloom
/// filters those without a `--where` value; only the candidate blocks are decompressed, and only their
/// candidate messages parsed and decoded.
public struct ArchiveSearch {
    private let reader: ArchiveReader
    private let query: ArchiveQuery
    private var parser: BatchParser
    private var decoder: DecoderWorker?
    private var renderer = EventJSONRenderer()
    private let scratch = RegexScratch()
    /// The `--where` values that are one token each, which the Bloom filters can rule out.
    private let indexedValues: [[UInt8]]
    private let conditionSymbols: [(Symbol, [UInt8])]

    public init(directory: String, query: ArchiveQuery, parser: ParserOptions, decoders: DecoderSet?) throws {
        reader = try ArchiveReader(directory: directory)
        self.query = query
        self.parser = BatchParser(options: parser)
        decoder = decoders.map { DecoderWorker(decoders: $0) }
        indexedValues = query.conditions.compactMap { condition in
            let value = Array(condition.value.utf8)
            var tokens: [[UInt8]] = []
            value.withUnsafeBytes { bytes in ArchiveTokens.forEach(in: bytes) { tokens.append(Array($0)) } }
            return tokens.contains(value) ? value : nil
        }
        conditionSymbols = query.conditions.map { (SymbolTable.shared.intern($0.field), Array($0.value.utf8)) }
    }

    /// Writes every match through `emit` (one message or event JSON, without a line end), in event-time
    /// order (ties in archive order) or in archive order.
    public mutating func run(_ emit: (UnsafeRawBufferPointer) -> Void) -> ArchiveSearchReport {
        var report = ArchiveSearchReport()
        var candidates: [(segment: Int, block: Int, info: ArchiveBlockInfo)] = []
        for segment in reader.segments {
            let index = query.usesIndex ? reader.index(segment: segment.number) : nil
            for (number, block) in segment.blocks.enumerated() {
                report.blocks += 1
                if let from = query.from, block.maxEventTime < from { continue }
                if let to = query.to, block.minEventTime >= to { continue }
                if let index, indexedValues.contains(where: { !index.mayContain(block: number, token: $0) }) { continue }
                candidates.append((segment.number, number, block))
            }
        }
        var printed = 0
        var pending: [(time: Timestamp, sequence: UInt64, line: [UInt8])] = []
        if !query.arrivalOrder {
            candidates.sort { ($0.info.minEventTime, $0.segment, $0.block) < ($1.info.minEventTime, $1.segment, $1.block) }
        }
        func flush(before threshold: Timestamp?) -> Bool {
            guard !pending.isEmpty else { return true }
            pending.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
            let cut = threshold.map { limit in pending.firstIndex { $0.time >= limit } ?? pending.count } ?? pending.count
            for entry in pending[..<cut] {
                if let limit = query.limit, printed >= limit { return false }
                entry.line.withUnsafeBytes(emit)
                printed += 1
            }
            pending.removeFirst(cut)
            return true
        }
        for candidate in candidates {
            if !query.arrivalOrder && !flush(before: candidate.info.minEventTime) { break }
            if let limit = query.limit, printed >= limit { break }
            let records: [ArchiveRecord]
            do {
                records = try reader.records(segment: candidate.segment, block: candidate.block)
            } catch {
                report.damaged.append("\(error)")
                continue
            }
            report.blocksRead += 1
            let matches = self.matches(in: records)
            report.messagesMatched += matches.count
            for match in matches {
                if query.arrivalOrder {
                    if let limit = query.limit, printed >= limit { break }
                    match.line.withUnsafeBytes(emit)
                    printed += 1
                } else {
                    pending.append(match)
                }
            }
            // With a limit only the earliest `limit - printed` pending matches can still be printed: a
            // sender that dates one message per block far back (so every block's range overlaps) cannot
            // make the merge hold every match.
            if let limit = query.limit, !query.arrivalOrder, pending.count > 2 * max(limit - printed, 1) {
                pending.sort { ($0.time, $0.sequence) < ($1.time, $1.sequence) }
                pending.removeLast(pending.count - max(limit - printed, 0))
            }
        }
        if !query.arrivalOrder { _ = flush(before: nil) }
        return report
    }

    /// Whether `needle` occurs in `haystack`: `memchr` to each candidate first byte, then `memcmp`
    /// (Glibc's `memmem` is not imported into Swift).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in
                let last = h.count - n.count
                var offset = 0
                while offset <= last {
                    guard let found = memchr(h.baseAddress! + offset, Int32(n[0]), last - offset + 1) else { return false }
                    let at = h.baseAddress!.distance(to: UnsafeRawPointer(found))
                    if memcmp(h.baseAddress! + at, n.baseAddress!, n.count) == 0 { return true }
                    offset = at + 1
                }
                return false
            }
        }
    }

    /// The block's messages that pass the time range, `--grep` and `--where`, as output lines.
    private mutating func matches(in records: [ArchiveRecord]) -> [(time: Timestamp, sequence: UInt64, line: [UInt8])] {
        var messages: [ArchivedMessage] = []
        for case .message(let message) in records {
            if let from = query.from, message.eventTime < from { continue }
            if let to = query.to, message.eventTime >= to { continue }
            // A decoded value is the message's own bytes unless the message escapes it (JSON `\u0031`): a
            // message without a backslash that holds no condition's value cannot match, and is not parsed.
            if !conditionSymbols.isEmpty && !message.bytes.contains(UInt8(ascii: "\\"))
                && !conditionSymbols.allSatisfy({ Self.contains(message.bytes, $0.1) })
            {
                continue
            }
            if let grep = query.grep {
                let found = message.bytes.withUnsafeBytes { scratch.match(grep, in: $0) }
                guard found == .match else { continue }
            }
            messages.append(message)
        }
        guard !messages.isEmpty else { return [] }
        guard !query.conditions.isEmpty || query.json else {
            return messages.map { ($0.eventTime, $0.reference.sequence, $0.bytes) }
        }
        // Parse and decode the candidates in one batch, as the live run did (with their recorded times).
        var bytes: [UInt8] = []
        var ranges: [ByteRange] = []
        for message in messages {
            let start = bytes.count
            bytes.append(contentsOf: message.bytes)
            ranges.append(ByteRange(start: start, end: bytes.count))
        }
        var batch = parser.parse(
            RawBatch(source: SourceID(0), firstSequence: 0, receiveTime: messages[0].receiveTime, bytes: bytes, messages: ranges))
        decoder?.decode(&batch)
        var found: [(time: Timestamp, sequence: UInt64, line: [UInt8])] = []
        for (i, message) in messages.enumerated() {
            batch.events[i].time = message.eventTime
            batch.events[i].timePrecision = message.precision
            batch.events[i].receiveTime = message.receiveTime
            let event = batch.events[i]
            let holds = conditionSymbols.allSatisfy { symbol, value in
                var equal = false
                batch.forEachField(symbol, of: event) { field in
                    equal = batch.withBytes(field.value) { $0.elementsEqual(value) }
                    return !equal
                }
                return equal
            }
            guard holds else { continue }
            if query.json {
                var line: [UInt8] = []
                _ = renderer.append(event, of: batch, to: &line)
                found.append((message.eventTime, message.reference.sequence, line))
            } else {
                found.append((message.eventTime, message.reference.sequence, message.bytes))
            }
        }
        return found
    }
}
