import Metrics
import VigilAlert
import VigilCorrelate
import VigilDecode
import VigilDetect
import VigilEvent
import VigilIngest

/// Ordered stage that turns the workers' detections into alerts, in input order, and hands them to the
/// ``AlertSequencer``: folds them into episodes (``DetectionEpisodes``), or under `--emit all` finishes
/// the alerts the workers rendered (id, detection time). Health alerts go the same way.
struct AlertStage: OrderedStage {
    let name = "alerts"
    private(set) var counters = StageCounters(stage: "alerts")
    private let sequencer: AlertSequencer
    private var episodes: DetectionEpisodes
    /// What alerts print for each rule of the current rules (by ``RuleID``), and its stable index.
    private var rules: [RuleInfo] = []
    /// Every rule seen this run, by stable index (episodes outlive reloads by it).
    private var stableRules: [Alert.Rule] = []
    private var stableIndex: [String: Int32] = [:]
    private var renderer: MessageEvidenceRenderer
    private let parser: ParserOptions
    private let shared: EventProgress
    /// Under `--emit all`: how often each (rule, message) matched before, for ids (bounded; see
    /// ``finishRendered(_:)``).
    private var occurrences: [AlertID: UInt32] = [:]
    /// The receive time of the last batch consumed (health alerts' time when there is no progress yet).
    private var lastReceiveTime: Timestamp?
    /// The stage that raises health alerts (the last ordered stage, so that it sees the figures of the
    /// stages before it at the end of the run); nil for the detection alert stage.
    private var health: HealthMonitor?
    /// Where this stage reports its own figures (episodes closed early).
    private let signals: HealthSignals?
    private var policy: TierPolicy
    /// Per rule label: detections, suppressed, episodes opened since the last report to the sequencer.
    private var figures: [String: (detections: UInt64, suppressed: UInt64, episodes: UInt64)] = [:]
    private var lines = AlertLines()
    /// From a batch's receive time to its detection alerts handed to the outputs (`/metrics`; a no-op
    /// unless the process bootstrapped a metrics system, as `--http` does).
    private let latency = Metrics.Timer(label: "vigil_alert_latency_seconds", dimensions: [("kind", "detection")])
    private var kinds: [Alert.Kind] = []
    private var labels: [String] = []

    struct RuleInfo {
        var stable: Int32
        var tier: Int
        var keyNames: [String]
        var gap: Int64
    }

    /// Most distinct (rule, message) pairs counted for `--emit all` ids before the count starts over.
    static let maxOccurrences = 1 << 20

    init(
        sequencer: AlertSequencer, rules: LoadedRules, parser: ParserOptions, lateness: Timestamp.Duration, progress: EventProgress,
        signals: HealthSignals?, health: HealthMonitor? = nil
    ) {
        self.sequencer = sequencer
        self.signals = signals
        self.parser = parser
        self.shared = progress
        self.health = health
        self.policy = rules.alertPolicy.policy
        let escalation = rules.alertPolicy.policy.escalation
        episodes = DetectionEpisodes(lateness: lateness, escalationCount: escalation.count, escalationDuration: escalation.duration)
        renderer = MessageEvidenceRenderer(parser: parser, decoders: rules.decoders.count > 0 ? rules.decoders : nil)
        replaceRules(rules)
    }

    /// A reload: detections of the new rules (from the switch ticket on) are described by them; open
    /// episodes of rules that stay (same alert id) go on.
    mutating func replaceRules(_ loaded: LoadedRules) {
        policy = loaded.alertPolicy.policy
        renderer = MessageEvidenceRenderer(parser: parser, decoders: loaded.decoders.count > 0 ? loaded.decoders : nil)
        rules = loaded.detection.rules.map { metadata in
            let rule = Alert.Rule(metadata)
            let decision = loaded.alertPolicy.detection[Int(metadata.ruleID.rawValue)]
            let stable: Int32
            if let known = stableIndex[rule.id] {
                stable = known
                stableRules[Int(known)] = rule
            } else {
                stable = Int32(stableRules.count)
                stableIndex[rule.id] = stable
                stableRules.append(rule)
            }
            return RuleInfo(stable: stable, tier: decision.tier ?? 0, keyNames: decision.key, gap: decision.gap.nanoseconds)
        }
    }

    mutating func consume(_ result: inout BatchResult) throws {
        if !result.renderedAlerts.isEmpty { finishRendered(&result) }
        if let detections = result.detections {
            result.detections = nil
            fold(detections, archiveFirstSequence: result.archiveFirstSequence)
        }
        // Alerts the batch's own detections made (closings and health alerts come after).
        let made = lines.count
        if made > 0 {
            let waited = max(0, WallClock.now().nanoseconds - result.receiveTime.nanoseconds)
            for _ in 0..<made { latency.recordNanoseconds(waited) }
        }
        closeDue(progress: result.progressTime)
        // Without progress yet (every event so far dated ahead of the clock, say), the batch's receive
        // time: recorded in an archive, so a replay raises the same health alerts at the same times.
        lastReceiveTime = result.receiveTime
        raiseHealthAlerts(at: result.progressTime ?? result.receiveTime)
        try flush()
    }

    mutating func idle(now: Timestamp) throws {
        closeDue(progress: shared.latest)
        raiseHealthAlerts(at: shared.latest ?? now)
        try flush()
    }

    mutating func finish() throws {
        raiseHealthAlerts(at: shared.latest ?? lastReceiveTime, final: true)
        var made: [(DetectionEpisodes.Emission, DetectionEpisodes.Key, DetectionEpisodes.Episode)] = []
        episodes.closeAll { emission, key, episode, _ in made.append((emission, key, episode)) }
        for (emission, key, episode) in made { emitAlert(emission, key: key, episode: episode) }
        // No throw here: a stage that throws in finish() leaves the stages after it unfinished (the
        // correlation shard threads among them). An output that failed is reported after the run.
        try place()
    }

    /// Hands what this step made to the sequencer (an empty step too: it keeps its place in order).
    /// The detection alert stage ends the run when an output failed for good (an `--alerts` file that
    /// cannot be written): it comes before correlation, which must still be finished.
    private mutating func flush() throws {
        try place()
        if health == nil, let failure = sequencer.failure { throw failure }
    }

    private mutating func place() throws {
        sequencer.place(lines, kinds: kinds, rules: labels)
        sequencer.noteDetections(figures)
        counters.emitted += UInt64(lines.count)
        lines.removeAll()
        kinds.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        figures.removeAll(keepingCapacity: true)
    }

    /// Folds a batch's detections into episodes.
    private mutating func fold(_ detections: DetectionRecords, archiveFirstSequence: UInt64?) {
        counters.received += UInt64(detections.count)
        var made: [(DetectionEpisodes.Emission, DetectionEpisodes.Key, DetectionEpisodes.Episode)] = []
        for record in detections.records {
            let info = rules[Int(record.rule)]
            let rule = stableRules[Int(info.stable)]
            var carried = false
            var opened = false
            episodes.record(
                DetectionEpisodes.Detection(
                    rule: info.stable, keyHash: record.keyHash, time: record.time, tier: info.tier, gap: info.gap,
                    archiveSequence: archiveFirstSequence.map { $0 &+ UInt64(record.event) }),
                evidence: { buffer in
                    buffer.removeAll(keepingCapacity: true)
                    buffer.append(contentsOf: detections.evidence(of: record))
                    return (record.evidenceForm, record.evidenceTime)
                },
                details: { (detections.keyValues(of: record), detections.host(of: record)) },
                episodeID: { time in Self.episodeID(rule: rule.id, keyBytes: detections.key(of: record), opened: time) },
                emit: { emission, key, episode, carries in
                    if carries { carried = true }
                    if case .opened = emission { opened = true }
                    made.append((emission, key, episode))
                })
            let label = rule.label
            var figure = figures[label] ?? (0, 0, 0)
            figure.detections += 1
            if opened { figure.episodes += 1 }
            // Folded without an alert of its own: its episode's count still includes it.
            if !carried { figure.suppressed += 1 }
            figures[label] = figure
            if !made.isEmpty {
                for (emission, key, episode) in made { emitAlert(emission, key: key, episode: episode) }
                made.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Closes the episodes event time has left behind.
    private mutating func closeDue(progress: Timestamp?) {
        guard let progress else { return }
        var made: [(DetectionEpisodes.Emission, DetectionEpisodes.Key, DetectionEpisodes.Episode)] = []
        episodes.closeDue(progress: progress.nanoseconds) { emission, key, episode, _ in made.append((emission, key, episode)) }
        for (emission, key, episode) in made { emitAlert(emission, key: key, episode: episode) }
    }

    /// Folds the increases of the health counters into health episodes at event time `time` (the
    /// sources' progress; the wall clock when there is none yet).
    private mutating func raiseHealthAlerts(at time: Timestamp?, final: Bool = false) {
        guard var monitor = health else {
            signals?.set(.episodesEvicted, to: episodes.evicted)
            return
        }
        monitor.signals.set(.alertsDropped, to: sequencer.droppedTotal)
        let increases = monitor.increases(final: final)
        health = monitor
        guard !increases.isEmpty else { return }
        let at = (time ?? WallClock.now()).nanoseconds
        var made: [(DetectionEpisodes.Emission, DetectionEpisodes.Key, DetectionEpisodes.Episode)] = []
        for (reason, added, total) in increases {
            let rule = HealthMonitor.rule(reason)
            let stable: Int32
            if let known = stableIndex[rule.id] {
                stable = known
            } else {
                stable = Int32(stableRules.count)
                stableIndex[rule.id] = stable
                stableRules.append(rule)
            }
            let decision = policy.decide(rule)
            guard let tier = decision.tier else { continue }
            var event: [UInt8] = []
            JSONOutput.appendRaw(#"{"reason":"#, to: &event)
            JSONOutput.appendString(reason.rawValue, to: &event)
            JSONOutput.appendRaw(#","added":"#, to: &event)
            JSONOutput.appendInteger(added, to: &event)
            JSONOutput.appendRaw(#","total":"#, to: &event)
            JSONOutput.appendInteger(total, to: &event)
            event.append(UInt8(ascii: "}"))
            let key = Array(reason.rawValue.utf8)
            episodes.record(
                DetectionEpisodes.Detection(
                    rule: stable, keyHash: FNV1a.hash(key), time: at, tier: tier, gap: decision.gap.nanoseconds,
                    weight: Int(clamping: added)),
                evidence: { buffer in
                    buffer.removeAll(keepingCapacity: true)
                    buffer.append(contentsOf: event)
                    return (.json, EvidenceTime(received: .distantPast))
                },
                details: { ([reason.rawValue], nil) },
                episodeID: { Self.episodeID(rule: rule.id, keyBytes: key[...], opened: $0) },
                emit: { emission, key, episode, _ in made.append((emission, key, episode)) })
        }
        for (emission, key, episode) in made { emitAlert(emission, key: key, episode: episode) }
    }

    /// A stable episode id: rule, key values and the event time of its first detection (53 bits: exact
    /// in any JSON reader).
    static func episodeID(rule: String, keyBytes: ArraySlice<UInt8>, opened: Int64) -> UInt64 {
        var hasher = AlertID.Hasher("episode")
        hasher.feed(rule)
        keyBytes.withUnsafeBytes { hasher.feed($0) }
        hasher.feed(opened)
        return hasher.id.high >> 11
    }

    /// Renders one episode alert into ``lines``.
    private mutating func emitAlert(_ emission: DetectionEpisodes.Emission, key: DetectionEpisodes.Key, episode: DetectionEpisodes.Episode)
    {
        let rule = stableRules[Int(key.rule)]
        let state: Alert.Episode.State
        let time: Int64
        switch emission {
        case .opened:
            state = .opened
            time = episode.firstSeen
        case .updated:
            state = .updated
            time = episode.lastAlert
        case .closed:
            state = .closed
            time = episode.lastSeen
        }
        var alert = Alert(
            kind: rule.id.hasPrefix(HealthMonitor.rulePrefix) ? .health : .detection, time: Timestamp(nanoseconds: time), rule: rule)
        let names = rule.id.hasPrefix(HealthMonitor.rulePrefix) ? ["reason"] : rulesKeyNames(key.rule)
        alert.group = zip(names, episode.keyValues).map { (name: $0, value: $1) }
        alert.host = episode.host
        alert.tier = episode.tier
        alert.escalatedFrom = episode.escalatedFrom
        alert.episode = Alert.Episode(
            id: episode.id, state: state, windows: 0, events: episode.count, firstSeen: Timestamp(nanoseconds: episode.firstSeen),
            lastSeen: Timestamp(nanoseconds: episode.lastSeen))
        if let evidence = episode.evidence {
            alert.event = render(evidence)
            if let sequence = evidence.archiveSequence { alert.archiveReferences = [sequence] }
        }
        var hasher = AlertID.Hasher("detection-episode")
        hasher.feed(rule.id)
        hasher.feed(episode.id)
        hasher.feed(state.rawValue)
        if state == .updated { hasher.feed(Int64(episode.updates)) }
        alert.id = hasher.id
        alert.detectedAt = WallClock.now()
        lines.append(tier: alert.tier) { alert.appendJSON(to: &$0) }
        kinds.append(alert.kind)
        labels.append(rule.label)
    }

    private func rulesKeyNames(_ stable: Int32) -> [String] {
        rules.first { $0.stable == stable }?.keyNames ?? []
    }

    private mutating func render(_ evidence: DetectionEpisodes.Evidence) -> String {
        switch evidence.form {
        case .message:
            var out: [UInt8] = []
            evidence.bytes.withUnsafeBytes { message in
                renderer.appendEventJSON(
                    message: message, receiveTime: Timestamp(nanoseconds: evidence.time.received), eventTime: evidence.time.eventTime,
                    precision: evidence.time.precision, to: &out)
            }
            return String(decoding: out, as: UTF8.self)
        default:
            return String(decoding: evidence.bytes, as: UTF8.self)
        }
    }

    /// Under `--emit all`: writes each rendered alert's id (rule, message, and how often the message
    /// matched the rule before) and detection time, and takes the alerts out of the batch's output.
    private mutating func finishRendered(_ result: inout BatchResult) {
        let now = WallClock.now()
        var stamp: [UInt8] = []
        now.appendRFC3339(to: &stamp, fractionDigits: 6)
        var start = 0
        for slot in result.renderedAlerts {
            // Bounded: past the limit the count starts over (documented; ids stay the same for the same input).
            if occurrences.count >= Self.maxOccurrences { occurrences.removeAll(keepingCapacity: true) }
            let occurrence = occurrences[slot.message, default: 0]
            occurrences[slot.message] = occurrence + 1
            var hasher = AlertID.Hasher("detection")
            hasher.feed(slot.message.high)
            hasher.feed(slot.message.low)
            hasher.feed(UInt64(occurrence))
            var hex: [UInt8] = []
            hasher.id.appendHex(to: &hex)
            result.output.replaceSubrange(Int(slot.id)..<Int(slot.id) + 32, with: hex)
            let at = Int(slot.detectedAt) + 1
            result.output.replaceSubrange(at..<at + stamp.count, with: stamp)
            lines.append(tier: Int(slot.tier)) { $0.append(contentsOf: result.output[start..<Int(slot.end) - 1]) }
            let rule = rules[Int(slot.rule)]
            let label = stableRules[Int(rule.stable)].label
            kinds.append(.detection)
            labels.append(label)
            var figure = figures[label] ?? (0, 0, 0)
            figure.detections += 1
            figures[label] = figure
            start = Int(slot.end)
        }
        counters.received += UInt64(result.renderedAlerts.count)
        result.renderedAlerts.removeAll()
    }
}
