import Foundation
import FuzzSupport
import VigilDecode
import VigilDetect
import VigilEvent
import VigilIngest

// Sigma loading and compiling (SigmaFileLoader, SigmaRuleSet.compile, CorrelationRuleSet.compile) on
// arbitrary (mutated) rule YAML. The file goes through the real loader, so it is written to a
// per-process file first. Problems must come back as diagnostics naming the file; rules that compile
// are then matched against sample events, parsed and decoded with the shipped decoders.

private let path = "/dev/shm/vigil-fuzz-sigma-\(getpid()).yml"
nonisolated(unsafe) private var parser = runParser()
nonisolated(unsafe) private var worker = DecoderWorker(decoders: shippedDecoders)
nonisolated(unsafe) private var decodedSamples: EventBatch = {
    var (batch, _) = parseLines(Array(sampleLines.joined(separator: "\n").utf8), parser: &parser)
    worker.decode(&batch)
    return batch
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSigmaLoad(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fuzzFailure("cannot write \(path)") }
    let (detection, _, diagnostics) = compileRules(paths: [path])
    checkDiagnostics(diagnostics, file: path)
    if detection.count > 0 {
        var detector = Detector(ruleSet: detection)
        var detections: [Detection] = []
        detector.detect(decodedSamples, into: &detections)
    }
    return 0
}
