import Dispatch
import Synchronization
import VigilAlert
import VigilEvent
import VigilIngest
import VigilOutput

/// Puts the alerts of a run in their order and hands them to every output; nothing more.
///
/// Pieces come from two places: the alert stage (a batch's detection alerts, episode closings, health
/// alerts), on the collector, in input order; and correlation steps, which with sharded correlation are
/// finished on the merger thread. Each piece takes a place in the order the collector reaches it — a
/// batch's alert-stage piece, then the correlation step that batch triggered — and a piece that arrives
/// early waits for the ones before it. The output order therefore does not depend on thread timing: the
/// same input gives the same alerts in the same order for any number of workers (only `detected_at`
/// differs).
///
/// The lock guards the places only: an output's ``AlertOutput/accept(_:)`` queues and returns, so a slow
/// receiver never holds the pipeline (each output has its own queue, thread and spool).
public final class AlertSequencer: Sendable {
    /// What the run's alerts came to, for the summary.
    public struct Counts: Sendable, Hashable {
        /// Alerts emitted (at or above `--min-tier`), by kind.
        public var detection: UInt64 = 0
        public var correlation: UInt64 = 0
        public var health: UInt64 = 0
        /// Alerts by tier (index 1 to 3).
        public var byTier: [UInt64] = [0, 0, 0, 0]
        /// Alerts below `--min-tier`, not emitted.
        public var belowMinimumTier: UInt64 = 0
        /// Alerts an analyst's exception held back from every output (counted in the figures above).
        public var excepted: UInt64 = 0
        /// Per rule (its `name`, else its `id`): detections, alerts and suppressed detections.
        public var rules: [String: RuleCounts] = [:]
        /// Per output, in the order given.
        public var outputs: [(name: String, counts: AlertOutputCounts)] = []

        public init() {}

        public static func == (a: Counts, b: Counts) -> Bool {
            a.detection == b.detection && a.correlation == b.correlation && a.health == b.health && a.byTier == b.byTier
                && a.belowMinimumTier == b.belowMinimumTier && a.rules == b.rules && a.outputs.map(\.name) == b.outputs.map(\.name)
                && a.outputs.map(\.counts) == b.outputs.map(\.counts)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(detection)
            hasher.combine(correlation)
        }

        /// Alerts not delivered by any output (dropped after its spool filled, or its reader went away).
        public var dropped: UInt64 { outputs.reduce(0) { $0 + $1.counts.dropped } }
    }

    /// One rule's figures: every detection (or qualifying window) is either an alert's own or suppressed
    /// into an episode whose count includes it.
    public struct RuleCounts: Sendable, Hashable {
        public var kind: Alert.Kind = .detection
        /// The rule's title (the summary shows it for rules known only by an id).
        public var title: String?
        /// Detections that reached the alert stage (correlations: 0).
        public var detections: UInt64 = 0
        /// Alerts emitted.
        public var alerts: UInt64 = 0
        /// Detections folded into an episode without an alert of their own.
        public var suppressed: UInt64 = 0
        /// Episodes opened.
        public var episodes: UInt64 = 0

        public init() {}
    }

    private struct State {
        var counts = Counts()
        /// Places of output pieces: the next one handed out, the next one to deliver, and the places
        /// reserved for correlation steps still running (oldest first).
        var nextPlace: UInt64 = 0
        var nextToDeliver: UInt64 = 0
        var correlationPlaces: [UInt64] = []
        var correlationPlacesHead = 0
        /// Pieces that arrived before an earlier one.
        var waiting: [UInt64: AlertLines] = [:]
        /// Tier of each correlation rule by alert rule id (the tier policy's decision; nil: no alert).
        var correlationTiers: [String: Int?]
        /// When a correlation episode escalates (the tier policy's `escalation`).
        var escalation: TierPolicy.Escalation
        /// Rule titles by label, for the summary.
        var titles: [String: String] = [:]
        var finished = false
    }

    private let outputs: [any AlertOutput]
    /// How long ``finish(timeout:)`` waits for each output (nil: the timeout given there).
    private let finishTimeouts: [Duration?]
    private let minimumTier: Int
    private let filter: (any AlertFilter)?
    private let state: Mutex<State>

    /// `correlationTiers`: each correlation rule's tier by its alert rule id (``AlertPolicy``).
    public init(
        outputs: [any AlertOutput], finishTimeouts: [Duration] = [], minimumTier: Int = 1, correlationTiers: [String: Int?] = [:],
        escalation: TierPolicy.Escalation = TierPolicy.Escalation(), filter: (any AlertFilter)? = nil
    ) {
        self.outputs = outputs
        self.filter = filter
        self.finishTimeouts = outputs.indices.map { $0 < finishTimeouts.count ? finishTimeouts[$0] : nil }
        self.minimumTier = minimumTier
        state = Mutex(State(correlationTiers: correlationTiers, escalation: escalation))
    }

    /// A reload: correlation alerts take the new rules' tiers from now on.
    public func updateCorrelationTiers(_ tiers: [String: Int?], escalation: TierPolicy.Escalation) {
        state.withLock {
            $0.correlationTiers = tiers
            $0.escalation = escalation
        }
    }

    /// Hands over a run of finished alerts (the alert stage's for one batch), after every piece placed
    /// before it. Call from the collector, in input order.
    public func place(_ alerts: AlertLines, kinds: [Alert.Kind] = [], rules: [String] = []) {
        state.withLock { state in
            count(alerts, kinds: kinds, rules: rules, state: &state)
            let place = state.nextPlace
            state.nextPlace += 1
            deliver(alerts, at: place, state: &state)
        }
    }

    /// Notes rule titles by label (``Alert/Rule/label``), for the summary.
    public func noteTitles(_ titles: [String: String]) {
        state.withLock { $0.titles.merge(titles) { _, new in new } }
    }

    /// Adds the figures of detections that reached the alert stage (per rule label).
    public func noteDetections(_ figures: [String: (detections: UInt64, suppressed: UInt64, episodes: UInt64)]) {
        guard !figures.isEmpty else { return }
        state.withLock { state in
            for (rule, figure) in figures {
                state.counts.rules[rule, default: RuleCounts()].detections += figure.detections
                state.counts.rules[rule, default: RuleCounts()].suppressed += figure.suppressed
                state.counts.rules[rule, default: RuleCounts()].episodes += figure.episodes
            }
        }
    }

    /// Reserves the place of the next correlation step's alerts. Call from the collector, in input
    /// order, before handing the step to the engine; the step's ``send(_:)`` fills it (the engine
    /// delivers steps in the order they were made).
    public func expectCorrelationStep() {
        state.withLock { state in
            state.correlationPlaces.append(state.nextPlace)
            state.nextPlace += 1
        }
    }

    /// Finishes one correlation step's alerts (tier, id, detection time) and delivers them at the
    /// oldest place reserved by ``expectCorrelationStep()`` (or after everything so far when none is).
    /// An empty step still fills its place, letting what waits behind it go.
    public func send(_ alerts: [Alert]) {
        let (tiers, escalation) = state.withLock { ($0.correlationTiers, $0.escalation) }
        let now = WallClock.now()
        var lines = AlertLines()
        var kinds: [Alert.Kind] = []
        var rules: [String] = []
        for var alert in alerts {
            // A correlation the policy gives no tier alerts nowhere (it still feeds the rules above it).
            guard let tier = tiers[alert.rule.id] ?? 1 else { continue }
            alert.tier = tier
            // An episode grown past the escalation bounds (the engine said so with an `updated` alert at
            // the crossing) is one tier up from then on.
            if let episode = alert.episode, tier < TierPolicy.maxTier, Self.isEscalated(episode, escalation) {
                alert.escalatedFrom = tier
                alert.tier = tier + 1
            }
            alert.id = alert.id ?? Self.correlationID(alert)
            alert.detectedAt = now
            if alert.host == nil { alert.host = alert.group.first { $0.name == "host" }?.value }
            lines.append(tier: alert.tier) { alert.appendJSON(to: &$0) }
            kinds.append(.correlation)
            rules.append(alert.rule.label)
        }
        state.withLock { state in
            let place: UInt64
            if state.correlationPlacesHead < state.correlationPlaces.count {
                place = state.correlationPlaces[state.correlationPlacesHead]
                state.correlationPlacesHead += 1
                if state.correlationPlacesHead == state.correlationPlaces.count {
                    state.correlationPlaces.removeAll(keepingCapacity: true)
                    state.correlationPlacesHead = 0
                }
            } else {
                place = state.nextPlace
                state.nextPlace += 1
            }
            count(lines, kinds: kinds, rules: rules, state: &state)
            deliver(lines, at: place, state: &state)
        }
    }

    /// Whether a correlation episode has grown past the escalation bounds (the same test as the
    /// engine's `EpisodeBook.isEscalated`: contributing events, or the span of its windows' ends).
    static func isEscalated(_ episode: Alert.Episode, _ escalation: TierPolicy.Escalation) -> Bool {
        if let count = escalation.count, episode.events >= count { return true }
        if let duration = escalation.duration, episode.lastSeen.nanoseconds &- episode.firstSeen.nanoseconds >= duration.nanoseconds {
            return true
        }
        return false
    }

    /// The id of a correlation alert: rule, entity, then the episode and its state (or, without
    /// episodes, the window).
    static func correlationID(_ alert: Alert) -> AlertID {
        var hasher = AlertID.Hasher("correlation")
        hasher.feed(alert.rule.id)
        for entry in alert.group {
            hasher.feed(entry.name)
            hasher.feed(entry.value ?? "\u{0}null")
        }
        if let episode = alert.episode {
            hasher.feed(episode.id)
            hasher.feed(episode.state.rawValue)
            if episode.state == .updated {
                hasher.feed(Int64(episode.windows))
                hasher.feed(Int64(episode.events))
            }
        } else {
            hasher.feed(alert.windowStart?.nanoseconds ?? 0)
            hasher.feed(alert.windowEnd?.nanoseconds ?? 0)
        }
        return hasher.id
    }

    /// What the run's alerts came to so far.
    public var counts: Counts {
        var counts = state.withLock { state in
            var counts = state.counts
            for rule in counts.rules.keys { counts.rules[rule]?.title = state.titles[rule] }
            return counts
        }
        counts.outputs = outputs.map { ($0.name, $0.counts) }
        return counts
    }

    /// Alerts the outputs dropped so far (cheap: for the health monitor, between batches).
    public var droppedTotal: UInt64 { outputs.reduce(0) { $0 + $1.counts.dropped } }

    /// The failure of an output that ends the run, if any (correlation threads cannot throw).
    public var failure: RunError? {
        for output in outputs { if let failure = output.failure { return .alertOutputFailed(failure) } }
        return nil
    }

    /// Delivers what still waits (in place order, past any step that never came), then lets every
    /// output deliver what it queued, waiting at most `timeout` for receivers that are down.
    public func finish(timeout: Duration = .seconds(10)) {
        state.withLock { state in
            guard !state.finished else { return }
            state.finished = true
            for place in state.waiting.keys.sorted() {
                guard let lines = state.waiting.removeValue(forKey: place) else { continue }
                hand(lines, state: &state)
            }
        }
        // Each output drains on its own thread: finish them together, so the waits do not add up.
        let group = DispatchGroup()
        for (index, output) in outputs.enumerated() {
            // An output that failed for good (a full disk, a closed descriptor) is not waited for.
            let limit = output.failure != nil ? .zero : finishTimeouts[index] ?? timeout
            DispatchQueue.global().async(group: group) { output.finish(timeout: limit) }
        }
        group.wait()
    }

    private func count(_ alerts: AlertLines, kinds: [Alert.Kind], rules: [String], state: inout State) {
        for index in 0..<alerts.count {
            let tier = alerts.tier(at: index)
            if tier < minimumTier {
                state.counts.belowMinimumTier += 1
                continue
            }
            state.counts.byTier[min(max(tier, 0), 3)] += 1
            let kind = index < kinds.count ? kinds[index] : .detection
            switch kind {
            case .detection: state.counts.detection += 1
            case .correlation: state.counts.correlation += 1
            case .health: state.counts.health += 1
            }
            if index < rules.count {
                state.counts.rules[rules[index], default: RuleCounts()].alerts += 1
                state.counts.rules[rules[index], default: RuleCounts()].kind = kind
            }
        }
    }

    /// Delivers a piece if its place is next (then whatever waited right behind it), else keeps it.
    private func deliver(_ alerts: AlertLines, at place: UInt64, state: inout State) {
        guard place == state.nextToDeliver else {
            state.waiting[place] = alerts
            return
        }
        hand(alerts, state: &state)
        state.nextToDeliver += 1
        while let next = state.waiting.removeValue(forKey: state.nextToDeliver) {
            hand(next, state: &state)
            state.nextToDeliver += 1
        }
    }

    /// Gives every output the alerts of its tiers (``AlertOutput/accept(_:)`` only queues).
    private func hand(_ alerts: AlertLines, state: inout State) {
        guard !alerts.isEmpty else { return }
        var emitted = alerts.filtered(minimumTier: minimumTier)
        if let filter, !emitted.isEmpty {
            let (kept, excepted) = filter.filter(emitted, now: WallClock.now().nanoseconds)
            emitted = kept
            state.counts.excepted += UInt64(excepted)
        }
        for output in outputs {
            let mine = emitted.filtered(minimumTier: output.minimumTier)
            if !mine.isEmpty { output.accept(mine) }
        }
    }
}
