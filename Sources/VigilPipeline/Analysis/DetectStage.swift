import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent

/// Worker stage that matches the Sigma detection rules.
///
/// Detection alerts are rendered here, in parallel, into ``BatchResult/output`` (the alert writer copies
/// them out in input order); only detections a correlation reads travel on in
/// ``BatchResult/detections``. Detections of rules a correlation reads without `generate: true` make no
/// alert of their own.
struct DetectStage: BatchStage {
    let name = "detect"
    private let slot: WorkerSlot<Detector>
    private let routing: DetectionRouting
    private var found: [Detection] = []

    init(slot: WorkerSlot<Detector>, routing: DetectionRouting) {
        self.slot = slot
        self.routing = routing
    }

    mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        found.removeAll(keepingCapacity: true)
        slot.value.detect(batch, into: &found)
        counters.emitted += UInt64(found.count)
        guard !found.isEmpty else { return }
        let ruleSet = slot.value.ruleSet
        for detection in found {
            let rule = Int(detection.rule.rawValue)
            if routing.alerts[rule] {
                ruleSet.alert(for: detection).appendJSON(to: &result.output)
                result.output.append(0x0A)
                result.detectionAlerts += 1
            }
            if routing.correlates[rule] { result.detections.append(detection) }
        }
    }
}

/// Per detection rule: whether its detections become alerts, and whether a correlation reads them.
struct DetectionRouting: Sendable {
    /// Indexed by ``RuleID``.
    let alerts: [Bool]
    let correlates: [Bool]

    init(detection: SigmaRuleSet, correlation: CorrelationRuleSet) {
        let router = CorrelationRouter(ruleSet: correlation, shards: 1)
        alerts = detection.rules.map { !correlation.suppressedDetectionRules.contains($0.ruleID) }
        correlates = detection.rules.map { router.reads($0.ruleID) }
    }
}
