import Foundation
import FuzzSupport
import VigilCorrelate
import VigilDecode
import VigilDetect
import VigilEvent
import VigilIngest

// Sigma matching of arbitrary events: the Sigma rule subset (shared data sigma-rules-subset, or
// VIGIL_FUZZ_RULES) and vigil's own rules (rules/sigma/vigil and correlation; rules/sigma/sigmahq
// repeats subset rules, whose ids would clash), with the shipped decoders and logsource mapping. Byte 0
// picks the parser's format; the rest is cut at LF, parsed, decoded and matched; detections must name
// a loaded rule and an event of the batch.

private let rules: SigmaRuleSet = {
    let subset = ProcessInfo.processInfo.environment["VIGIL_FUZZ_RULES"] ?? (sharedData + "/sigma-rules-subset/rules")
    let (detection, _, diagnostics) = compileRules(paths: [
        subset, vigilRoot + "/rules/sigma/vigil", vigilRoot + "/rules/sigma/correlation",
    ])
    if !diagnostics.isEmpty { fuzzFailure("rules do not compile: \(diagnostics.prefix(3))") }
    return detection
}()
nonisolated(unsafe) private var parsers: [BatchParser] =
    ([.auto, .forced(.json), .forced(.rfc3164), .forced(.rfc5424)] as [ParserOptions.FormatChoice]).map {
        var options = ParserOptions(format: $0)
        options.year = 2026
        return BatchParser(options: options)
    }
nonisolated(unsafe) private var worker = DecoderWorker(decoders: shippedDecoders)
nonisolated(unsafe) private var detector = Detector(ruleSet: rules)
nonisolated(unsafe) private var detections: [Detection] = []

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSigmaMatch(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let choice = Int(input.byte()) % parsers.count
    let raw = lineBatch(input.rest)
    var batch = parsers[choice].parse(raw)
    worker.decode(&batch)
    detections.removeAll(keepingCapacity: true)
    detector.detect(batch, into: &detections)
    for detection in detections {
        guard Int(detection.rule.rawValue) < rules.count, detection.sequence < UInt64(batch.events.count) else {
            fuzzFailure("detection of rule \(detection.rule.rawValue) on event \(detection.sequence) of \(batch.events.count)")
        }
    }
    return 0
}
