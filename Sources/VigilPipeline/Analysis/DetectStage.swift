import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent

/// Worker stage that matches the Sigma detection rules.
///
/// Detections that may become alerts are kept here, in parallel, as ``DetectionRecords`` (key values,
/// host, the message) for the ordered ``AlertStage`` to fold into episodes; under `--emit all` they are
/// rendered here into ``BatchResult/output`` instead (the alert stage finishes and copies
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
    /// Sizes of the last batch's correlation inputs, reserved up front for the next likewise.
    private var inputsHint: CorrelationBatch.Sizes?

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
        if let hint = inputsHint { inputs?.reserveCapacity(hint) }
        var records = DetectionRecords()
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
                if routing.suppresses {
                    addRecord(index, of: events, rule: rule.rawValue, carried: carried, to: &records)
                } else {
                    renderAlert(index, of: events, rule: id, into: &result)
                }
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
        if let inputs, !inputs.isEmpty {
            result.correlationInputs = inputs
            inputsHint = inputs.sizes
        }
        if !records.isEmpty { result.detections = records }
    }

    /// Keeps a detection for the ordered alert stage to fold into its episode: key values, host and the
    /// message as evidence (rendered there only if it makes an alert).
    private mutating func addRecord(
        _ index: Int, of events: EventBatch, rule: UInt32, carried: UnsafeBufferPointer<UnsafeRawBufferPointer?>,
        to records: inout DetectionRecords
    ) {
        let positions = routing.keyPositions[Int(rule)]
        // The time correlation uses: a forged stamp far ahead of the clock cannot end every episode.
        // One read of the event in place (no copy of it), as for correlation inputs.
        let (time, host, failure, raw, evidenceTime) = Self.eventField(index, of: events) { event in
            let pending = event.timeSource == .pending
            return (
                pending ? CorrelationBatch.pendingTime.nanoseconds : event.correlationTime.nanoseconds, event.host,
                event.parseFailure?.reason, event.raw,
                EvidenceTime(
                    received: event.receiveTime, event: pending ? CorrelationBatch.pendingTime : event.time, precision: event.timePrecision)
            )
        }
        events.bytes.withUnsafeBytes { all in
            let message = UnsafeRawBufferPointer(rebasing: all[raw.range])
            let hostBytes = host.map { UnsafeRawBufferPointer(rebasing: all[$0.range]) }
            let keyValue: (Int) -> UnsafeRawBufferPointer? = { positions[$0] >= 0 ? carried[positions[$0]] : nil }
            switch failure {
            case .truncatedFrame, .oversizeMessage:
                // Cut or flagged by the framer: it would not parse again into the same event, keep its JSON.
                renderJSON(index, of: events)
                renderedEvent = index
                json.withUnsafeBytes { json in
                    records.add(
                        rule: rule, time: time, keyCount: positions.count, keyValue: keyValue, host: hostBytes, evidence: json, form: .json,
                        evidenceTime: EvidenceTime(received: .distantPast), event: index)
                }
            default:
                records.add(
                    rule: rule, time: time, keyCount: positions.count, keyValue: keyValue, host: hostBytes, evidence: message,
                    form: .message, evidenceTime: evidenceTime, event: index)
            }
        }
    }

    /// Renders a detection alert under `--emit all`, with its id and detection time left for the
    /// sequencer (see ``RenderedAlerts``).
    private mutating func renderAlert(_ index: Int, of events: EventBatch, rule id: Int, into result: inout BatchResult) {
        if index != renderedEvent {
            renderedEvent = index
            renderJSON(index, of: events)
        }
        let (time, host, raw) = Self.eventField(index, of: events) { ($0.time, $0.host, $0.raw) }
        let tier = routing.tiers[id]
        let offsets = json.withUnsafeBytes { event in
            routing.ruleJSON(id) { rule in
                if let host {
                    return events.withBytes(host) { host in
                        Alert.appendDetectionJSON(time: time, tier: Int(tier), rule: rule, host: host, event: event, to: &result.output)
                    }
                }
                return Alert.appendDetectionJSON(time: time, tier: Int(tier), rule: rule, host: nil, event: event, to: &result.output)
            }
        }
        if let slot = jsonTimeSlot {
            // The head's time (always six digits) and the embedded event's, both filled later.
            result.pendingTimeSlots.append(PendingTimeSlot(offset: offsets.time, fixedDigits: 6))
            let eventStart = result.output.count - 1 - json.count
            result.pendingTimeSlots.append(PendingTimeSlot(offset: eventStart + slot, fixedDigits: nil))
        }
        result.output.append(0x0A)
        // The id is made of the rule, the message and how often it matched before (the sequencer counts).
        var hasher = AlertID.Hasher("detection")
        hasher.feed(routing.alertRuleIDs[id])
        events.withBytes(raw) { hasher.feed($0) }
        result.renderedAlerts.append(
            RenderedAlertSlot(
                id: offsets.id, detectedAt: offsets.detectedAt, end: result.output.count, tier: tier, rule: UInt32(id),
                message: hasher.id))
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
    /// Indexed by ``RuleID``: whether the rule's detections become alerts (not when only a correlation
    /// reads them, nor when the tier policy gives the rule no tier).
    let alerts: [Bool]
    /// Indexed by ``RuleID``: the rule's tier (when it alerts).
    let tiers: [UInt8]
    /// Whether detections fold into episodes (``DetectionRecords``) instead of one alert each
    /// (`--emit all`).
    let suppresses: Bool
    /// Per rule: for each field of its suppression key, its position among the values the detector
    /// carries (-1: not carried).
    let keyPositions: [[Int]]
    /// Per rule: the id alerts print (``Alert/Rule/id``), which detection ids are made of.
    let alertRuleIDs: [String]
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

    init(detection: SigmaRuleSet, correlation: CorrelationRuleSet, policy: AlertPolicy, suppresses: Bool = true, shards: Int = 1) {
        let router = CorrelationRouter(ruleSet: correlation, shards: shards)
        self.router = correlation.isEmpty ? nil : router
        alerts = detection.rules.map {
            !correlation.suppressedDetectionRules.contains($0.ruleID) && policy.detection[Int($0.ruleID.rawValue)].tier != nil
        }
        tiers = policy.detection.map { UInt8($0.tier ?? 0) }
        self.suppresses = suppresses
        keyPositions = detection.rules.map { rule in
            let carried = detection.carriedFields(of: rule.ruleID).map(\.name)
            return policy.detection[Int(rule.ruleID.rawValue)].key.map { carried.firstIndex(of: $0) ?? -1 }
        }
        alertRuleIDs = detection.rules.map { Alert.Rule($0).id }
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
