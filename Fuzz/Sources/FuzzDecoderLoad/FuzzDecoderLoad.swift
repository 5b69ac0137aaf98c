import FuzzSupport
import VigilDecode
import VigilEvent
import VigilIngest

// The decoder file loader on arbitrary (mutated) YAML. A file either loads or fails with located
// diagnostics naming it; what loads must decode sample lines and run its own test cases.

nonisolated(unsafe) private var parser = runParser()
nonisolated(unsafe) private var renderer = EventJSONRenderer()
private let samples = Array(sampleLines.joined(separator: "\n").utf8)
private let file = "fuzz-decoders.yml"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoderLoad(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    // The loader reads files as UTF-8 and reports others before parsing; only UTF-8 reaches it.
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    let decoders: DecoderSet
    do {
        decoders = try DecoderSet.load(sources: [.init(file: file, text: text)], options: .init()).decoders
    } catch {
        if error.diagnostics.isEmpty { fuzzFailure("a failed load without diagnostics") }
        checkDiagnostics(error.diagnostics, file: file)
        return 0
    }
    var worker = DecoderWorker(decoders: decoders)
    var (batch, messages) = parseLines(samples, parser: &parser)
    worker.decode(&batch)
    checkBatch(batch, messages: messages, renderer: &renderer)
    _ = DecoderTestRunner.run(decoders: decoders) { line in
        parser.parse(lineBatch(Array(line.utf8)))
    }
    return 0
}
