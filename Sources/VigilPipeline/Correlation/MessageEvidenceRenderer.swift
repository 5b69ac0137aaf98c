import VigilCorrelate
import VigilDecode
import VigilEvent
import VigilIngest

/// Writes correlation evidence kept as a message as the event JSON `vigil parse` prints for it: parses
/// and decodes the message again with the run's parser options and decoders, then gives the event the
/// time the pipeline settled for it (kept with the evidence: a file's year, an inherited or resolved
/// time, a listener's zone are not in the message). Decoding depends only on the event, so the JSON is
/// the one the detect stage would have rendered. One per correlation shard (it owns a parser and a
/// decoder's regex scratch).
struct MessageEvidenceRenderer: EvidenceRendering {
    private var parser: BatchParser
    private var decoder: DecoderWorker?
    private var renderer = EventJSONRenderer()

    init(parser options: ParserOptions, decoders: DecoderSet?) {
        parser = BatchParser(options: options)
        decoder = decoders.map { DecoderWorker(decoders: $0) }
    }

    mutating func appendEventJSON(message: UnsafeRawBufferPointer, receiveTime: Timestamp, to out: inout [UInt8]) {
        appendEventJSON(message: message, receiveTime: receiveTime, eventTime: nil, precision: 0, to: &out)
    }

    mutating func appendEventJSON(
        message: UnsafeRawBufferPointer, receiveTime: Timestamp, eventTime: Timestamp?, precision: UInt8, to out: inout [UInt8]
    ) {
        let bytes = Array(message)
        let raw = RawBatch(
            source: SourceID(0), firstSequence: 0, receiveTime: receiveTime, bytes: bytes, messages: [ByteRange(start: 0, end: bytes.count)]
        )
        var batch = parser.parse(raw)
        decoder?.decode(&batch)
        if let eventTime {
            batch.events[0].time = eventTime
            batch.events[0].timePrecision = precision
        }
        _ = batch.events.withUnsafeBufferPointer { renderer.append($0[0], of: batch, to: &out) }
    }
}
