import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent

/// Worker stage that matches the Sigma detection rules.
///
/// Detection alerts are rendered here, in parallel, into ``BatchResult/output`` (the alert writer copies
/// them out in input order). Detections a correlation reads are routed here too, into
/// ``BatchResult/correlationInputs``: group keys folded and hashed, values and evidence (the message as
/// received, not its JSON) copied into one buffer per batch, so nothing is allocated per detection.
/// Detections of rules a correlation reads without `generate: true` make no alert of their own.
struct DetectStage: BatchStage {
    let name = "detect"
    private let slot: WorkerSlot<Detector>
    private let routing: DetectionRouting
    private var renderer = EventJSONRenderer()
    /// The JSON of event `renderedEvent` of the current batch.
    private var json: [UInt8] = []
    private var renderedEvent = -1
    /// Where in ``json`` the time slot of a pending event is (see ``PendingTimeSlot``).
    private var jsonTimeSlot: Int?
    /// How many output bytes the last batch made: reserved up front for the next, so the buffer is not
    /// copied at every doubling while alerts are appended.
    private var outputHint = 0

    init(slot: WorkerSlot<Detector>, routing: DetectionRouting) {
        self.slot = slot
        self.routing = routing
    }

    mutating func process(_ batch: inout EventBatch, result: inout BatchResult, counters: inout StageCounters) {
        // Held for the batch: a summary asked for while the run goes on reads the counters between batches.
        slot.lock()
        defer { slot.unlock() }
        let events = batch
        let routing = self.routing
        var inputs = routing.router.map { CorrelationBatch(shards: $0.shards) }
        var detections: UInt64 = 0
        // Detections of one event are adjacent: its JSON (alerts) and its evidence (correlation) are
        // made once for all of them.
        renderedEvent = -1
        var evidenceEvent = -1
        var evidence: Int32 = -1
        result.output.reserveCapacity(result.output.count + outputHint)
        let outputStart = result.output.count
        slot.value.detect(events) { index, rule, carried in
            detections += 1
            let id = Int(rule.rawValue)
            if routing.alerts[id] {
                if index != renderedEvent {
                    renderedEvent = index
                    renderJSON(index, of: events)
                }
                let time = Self.eventField(index, of: events) { $0.time }
                let offsets = json.withUnsafeBytes { event in
                    routing.ruleJSON(id) { Alert.appendDetectionJSON(time: time, tier: 1, rule: $0, host: nil, event: event, to: &result.output) }
                }
                if let slot = jsonTimeSlot {
                    // The head's time (always six digits) and the embedded event's, both filled later.
                    result.pendingTimeSlots.append(PendingTimeSlot(offset: offsets.time, fixedDigits: 6))
                    let eventStart = result.output.count - 1 - json.count
                    result.pendingTimeSlots.append(PendingTimeSlot(offset: eventStart + slot, fixedDigits: nil))
                }
                result.output.append(0x0A)
                result.detectionAlerts += 1
            }
            guard let router = routing.router, routing.correlates[id] else { return }
            if index != evidenceEvent {
                evidenceEvent = index
                evidence = addEvidence(index, of: events, to: &inputs!)
            }
            // Correlation time: the receive time of a live event stamped ahead of the clock; a time for
            // the ordered stage to fill in for an untimed event this worker could not place.
            let (time, source, sequence) = Self.eventField(index, of: events) { event in
                (event.timeSource == .pending ? CorrelationBatch.pendingTime : event.correlationTime, event.source, event.sequence)
            }
            let positions = routing.carriedPositions[id]
            router.route(rule: rule, time: time, source: source, sequence: sequence, evidence: evidence, into: &inputs!) {
                position, body in
                body(positions[position] >= 0 ? carried[positions[position]] : nil)
            }
        }
        counters.emitted += detections
        outputHint = (result.output.count - outputStart) * 9 / 8
        if let inputs, !inputs.isEmpty { result.correlationInputs = inputs }
    }

    /// Reads from event `index` in place: an `Event` is ~150 bytes, and copying one per detection shows.
    @inline(__always)
    private static func eventField<T>(_ index: Int, of batch: EventBatch, _ read: (Event) -> T) -> T {
        batch.events.withUnsafeBufferPointer { read($0[index]) }
    }

    /// Renders the event's JSON into `json`.
    private mutating func renderJSON(_ index: Int, of batch: EventBatch) {
        json.removeAll(keepingCapacity: true)
        jsonTimeSlot = batch.events.withUnsafeBufferPointer { renderer.append($0[index], of: batch, to: &json) }
    }

    /// The event's evidence: its message as received, which correlation renders again only for the
    /// alerts it prints (see `MessageEvidenceRenderer`). A message the framer cut or flagged would not
    /// parse again into the same event, so its JSON is kept instead.
    private mutating func addEvidence(_ index: Int, of batch: EventBatch, to inputs: inout CorrelationBatch) -> Int32 {
        let event = batch.events[index]
        switch event.parseFailure?.reason {
        case .truncatedFrame, .oversizeMessage:
            renderJSON(index, of: batch)
            renderedEvent = index
            return json.withUnsafeBytes { inputs.addEvidence($0, form: .json, receiveTime: .distantPast) }
        default:
            // The settled time travels with the message (pending: filled in with the inputs').
            let time = EvidenceTime(
                received: event.receiveTime, event: event.timeSource == .pending ? CorrelationBatch.pendingTime : event.time,
                precision: event.timePrecision)
            return batch.withBytes(event.raw) { inputs.addEvidence($0, form: .message, time: time) }
        }
    }
}

/// Per detection rule: whether its detections become alerts, whether a correlation reads them, and
/// how to route them.
struct DetectionRouting: Sendable {
    /// Indexed by ``RuleID``.
    let alerts: [Bool]
    let correlates: [Bool]
    /// Routes detections to correlation shards (nil when no correlation runs).
    let router: CorrelationRouter?
    /// Per rule: for each of its ``CorrelationRuleSet/requiredFields(for:)``, its position among the
    /// values the detector carries.
    let carriedPositions: [[Int]]
    /// Each rule's `rule` object as its alerts print it, rendered once: rule `r` is
    /// `ruleJSONBytes[ruleJSONStart[r] ..< ruleJSONStart[r + 1]]`.
    private let ruleJSONBytes: [UInt8]
    private let ruleJSONStart: [Int]

    init(detection: SigmaRuleSet, correlation: CorrelationRuleSet, shards: Int = 1) {
        let router = CorrelationRouter(ruleSet: correlation, shards: shards)
        self.router = correlation.isEmpty ? nil : router
        alerts = detection.rules.map { !correlation.suppressedDetectionRules.contains($0.ruleID) }
        correlates = detection.rules.map { router.reads($0.ruleID) }
        carriedPositions = detection.rules.map { rule in
            let carried = detection.carriedFields(of: rule.ruleID)
            return correlation.requiredFields(for: rule.ruleID).map { carried.firstIndex(of: $0) ?? -1 }
        }
        var bytes: [UInt8] = []
        var starts = [0]
        for rule in detection.rules {
            Alert.Rule(rule).appendJSON(to: &bytes)
            starts.append(bytes.count)
        }
        ruleJSONBytes = bytes
        ruleJSONStart = starts
    }

    /// Calls `body` with rule `id`'s pre-rendered `rule` object.
    @inline(__always)
    func ruleJSON<R>(_ id: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        ruleJSONBytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[ruleJSONStart[id]..<ruleJSONStart[id + 1]])) }
    }
}
