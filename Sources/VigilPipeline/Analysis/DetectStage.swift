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
    private var eventIndices: [Int32] = []

    init(slot: WorkerSlot<Detector>, routing: DetectionRouting) {
        self.slot = slot
        self.routing = routing
    }

    mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        found.removeAll(keepingCapacity: true)
        eventIndices.removeAll(keepingCapacity: true)
        slot.value.detectDeferringEvents(batch, into: &found, eventIndices: &eventIndices)
        counters.emitted += UInt64(found.count)
        guard !found.isEmpty else { return }
        let ruleSet = slot.value.ruleSet
        // Detections of one event are adjacent: render its JSON once for all of them. Those that travel
        // on to correlation are compacted to the front of `found`, which then becomes the result's array.
        var renderedIndex: Int32 = -1
        var rendered = ""
        var travelling = 0
        for k in found.indices {
            let rule = Int(found[k].rule.rawValue)
            let alerts = routing.alerts[rule]
            let correlates = routing.correlates[rule]
            guard alerts || correlates else { continue }
            if eventIndices[k] != renderedIndex {
                renderedIndex = eventIndices[k]
                rendered = slot.value.renderEvent(Int(renderedIndex), of: batch)
            }
            found[k].event = rendered
            if alerts {
                ruleSet.alert(for: found[k]).appendJSON(to: &result.output)
                result.output.append(0x0A)
                result.detectionAlerts += 1
            }
            if correlates {
                if travelling != k { found.swapAt(travelling, k) }
                travelling += 1
            }
        }
        found.removeSubrange(travelling...)
        if result.detections.isEmpty {
            swap(&result.detections, &found)
        } else {
            result.detections += found
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
