import FuzzSupport
import VigilDecode
import VigilEvent
import VigilIngest

// The decoder engine with the shipped decoders on arbitrary messages: byte 0 picks the parser's format;
// the rest is cut at LF. Checks the decoded batch like a parsed one (ranges, spans, rendered JSON).

nonisolated(unsafe) private var parsers: [BatchParser] =
    ([
        .forced(.rfc3164), .forced(.rfc5424), .forced(.json), .forced(.raw), .auto,
    ] as [ParserOptions.FormatChoice]).map { format in
        var options = ParserOptions(format: format)
        options.year = 2026
        return BatchParser(options: options)
    }
nonisolated(unsafe) private var worker = DecoderWorker(decoders: shippedDecoders)
nonisolated(unsafe) private var renderer = EventJSONRenderer()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let choice = Int(input.byte()) % parsers.count
    let raw = lineBatch(input.rest)
    let messages = raw.messages.count
    var batch = parsers[choice].parse(raw)
    worker.decode(&batch)
    checkBatch(batch, messages: messages, renderer: &renderer)
    return 0
}
