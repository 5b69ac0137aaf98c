import Foundation
import VigilAlert
import VigilCorrelate
import VigilDecode
import VigilDetect
import VigilEvent
import VigilIngest
import VigilTestSupport

@testable import VigilPipeline

/// The shipped rules (rules/sigma/correlation, the shipped decoders and logsource mapping) run over
/// log lines by the real parser, decoders and detector, then the correlation engine, in batches, on one
/// thread. Detections reach the engine as `Detection` values (`ingest(_:latestEventTime:)`), not
/// through `DetectStage`'s routing into a `CorrelationBatch`: the end-to-end tests cover that path.
struct RealFrontEnd {
    let rules: LoadedRules
    let year: Int

    init(rulePaths: [String] = ["rules/sigma/correlation"], year: Int = 2024) throws {
        let root = TestPaths.packageRoot
        rules = try LoadedRules.load(
            RuleLoadOptions(
                rulePaths: rulePaths.map { root.appendingPathComponent($0).path },
                decoderPaths: [root.appendingPathComponent("rules/decoders").path],
                logsourcesPath: root.appendingPathComponent("rules/logsources.yml").path))
        self.year = year
    }

    static func shipped() -> RealFrontEnd {
        try! RealFrontEnd()
    }

    var ruleSet: CorrelationRuleSet { rules.correlation }

    /// The detection rule of a Sigma `id` or `name`.
    func resolve(_ reference: String) -> RuleID? { rules.detection.rule(reference: reference)?.ruleID }

    /// The detections correlation reads (all of them with `onlyCorrelationInputs` false), per batch of
    /// `batch` lines, with each batch's largest event time.
    func detections(
        _ lines: [String], batch: Int = 256, onlyCorrelationInputs: Bool = true
    ) -> [(detections: [Detection], latest: Timestamp)] {
        var options = ParserOptions()
        options.year = year
        var parser = BatchParser(options: options)
        var decoder = DecoderWorker(decoders: rules.decoders)
        var detector = Detector(ruleSet: rules.detection)
        let router = CorrelationRouter(ruleSet: rules.correlation, shards: 1)
        var batches: [(detections: [Detection], latest: Timestamp)] = []
        var start = 0
        while start < lines.count {
            let chunk = lines[start..<min(start + batch, lines.count)]
            var bytes: [UInt8] = []
            var messages: [ByteRange] = []
            for line in chunk {
                let begin = bytes.count
                bytes += Array(line.utf8)
                messages.append(ByteRange(start: begin, end: bytes.count))
                bytes.append(0x0A)
            }
            let raw = RawBatch(
                source: SourceID(1), firstSequence: UInt64(start), receiveTime: Timestamp(seconds: 1_767_225_600), bytes: bytes,
                messages: messages)
            var events = parser.parse(raw)
            decoder.decode(&events)
            var found: [Detection] = []
            detector.detect(events, into: &found)
            let latest = events.events.map(\.time).max() ?? .distantPast
            batches.append((onlyCorrelationInputs ? found.filter { router.reads($0.rule) } : found, latest))
            start += batch
        }
        return batches
    }

    /// Runs lines through the engine in batches, as the pipeline would.
    func run(_ lines: [String], options: CorrelationOptions, batch: Int = 256) -> (alerts: [Alert], stats: CorrelationStats) {
        let engine = CorrelationEngine(ruleSet: ruleSet, options: options)
        var alerts: [Alert] = []
        for (detections, latest) in detections(lines, batch: batch) {
            engine.ingest(detections, latestEventTime: latest)
            alerts += engine.advance()
        }
        alerts += engine.finish()
        return (alerts, engine.stats)
    }

    /// The time of a syslog line as the parser gives it.
    func time(of line: String) -> Timestamp? {
        var options = ParserOptions()
        options.year = year
        var parser = BatchParser(options: options)
        let bytes = Array(line.utf8)
        let raw = RawBatch(
            source: SourceID(1), firstSequence: 0, receiveTime: Timestamp(seconds: 1_767_225_600), bytes: bytes,
            messages: [ByteRange(start: 0, end: bytes.count)])
        return parser.parse(raw).events.first?.time
    }
}
