import Foundation
import VigilEvent
import VigilIngest

/// Builds the batch a reader would hand over: `bytes` cut at LF (CR kept, the parser drops it).
public func lineBatch(_ bytes: [UInt8], maxMessageSize: Int = 64 * 1024) -> RawBatch {
    var splitter = LineSplitter(maxMessageSize: maxMessageSize)
    var output = LineSplitter.Output()
    _ = bytes.withUnsafeBytes { splitter.split($0, into: &output, atEnd: true) }
    return RawBatch(
        source: SourceID(1), firstSequence: 0, receiveTime: Timestamp(nanoseconds: 1_780_000_000_000_000_000),
        bytes: bytes, messages: output.messages, framingFailures: output.failures)
}

/// Checks what every stage relies on: one event per message, every range inside the batch's bytes,
/// every field span inside its fields, a failure only on raw events. Then renders each event as
/// `vigil parse` does and checks the output is one valid JSON object.
public func checkBatch(_ batch: EventBatch, messages: Int, renderer: inout EventJSONRenderer, validateJSON: Bool = true) {
    guard batch.events.count == messages else { fuzzFailure("\(messages) messages became \(batch.events.count) events") }
    let byteCount = batch.bytes.count
    func inside(_ range: ByteRange?, _ what: String) {
        guard let range else { return }
        guard range.lowerBound >= 0, range.lowerBound <= range.upperBound, range.upperBound <= byteCount else {
            fuzzFailure("\(what) \(range.lowerBound)..<\(range.upperBound) outside \(byteCount) bytes")
        }
    }
    var out: [UInt8] = []
    for event in batch.events {
        inside(event.raw, "raw")
        inside(event.host, "host")
        inside(event.app, "app")
        inside(event.pid, "pid")
        inside(event.msgid, "msgid")
        inside(event.message, "message")
        for span in [event.fields, event.decodedFields] {
            guard span.range.upperBound <= batch.fields.count else { fuzzFailure("field span outside \(batch.fields.count) fields") }
            for i in span.range { inside(batch.fields[i].value, "field value") }
        }
        if event.parseFailure != nil && event.format != .raw { fuzzFailure("a \(event.format) event carries a parse failure") }
        out.removeAll(keepingCapacity: true)
        renderer.append(event, of: batch, to: &out)
        if validateJSON { checkJSONObject(out) }
    }
}

/// The bytes must be valid UTF-8 and one JSON object.
public func checkJSONObject(_ bytes: [UInt8]) {
    guard String(validating: bytes, as: UTF8.self) != nil else { fuzzFailure("output is not valid UTF-8") }
    guard (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any] else {
        fuzzFailure("output is not a JSON object: \(String(decoding: bytes.prefix(300), as: UTF8.self))")
    }
}
