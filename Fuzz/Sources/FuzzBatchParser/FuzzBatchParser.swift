import FuzzSupport
import VigilEvent
import VigilIngest

// BatchParser on arbitrary bytes. The first byte picks the format (auto, each forced one) and options;
// the rest is cut at LF into messages, as files and stdin are. Checks: one event per message, every
// range inside the batch, the rendered event is valid UTF-8 and one JSON object.

nonisolated(unsafe) private var parsers: [BatchParser] = {
    let formats: [ParserOptions.FormatChoice] = [.auto, .forced(.rfc3164), .forced(.rfc5424), .forced(.json), .forced(.raw)]
    var all: [BatchParser] = []
    for format in formats {
        all.append(BatchParser(options: ParserOptions(format: format)))
        var other = ParserOptions(
            format: format, timeZone: "America/New_York", jsonTimeKeys: ["t", "a.b", ""], strictMessageEncoding: true)
        other.year = 1970
        all.append(BatchParser(options: other))
    }
    return all
}()
nonisolated(unsafe) private var renderer = EventJSONRenderer()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatchParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let choice = Int(input.byte()) % parsers.count
    let maxMessageSize = input.byte() < 32 ? 1 + Int(input.byte()) : 64 * 1024
    let raw = lineBatch(input.rest, maxMessageSize: maxMessageSize)
    let messages = raw.messages.count
    let batch = parsers[choice].parse(raw)
    checkBatch(batch, messages: messages, renderer: &renderer)
    return 0
}
