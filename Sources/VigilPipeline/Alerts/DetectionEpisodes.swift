import VigilCorrelate
import VigilEvent

/// Folds detections into episodes, in event time (docs/alerts.md, "Suppression").
///
/// Detections of one rule with the same key values fold into one episode while each comes within the
/// rule's gap of the one before: an `opened` alert for the first, `updated` alerts at most once per gap
/// while it grows (and once when it escalates), a `closed` alert once event time has passed the last
/// detection by one gap (plus the lateness), with the count of everything it absorbed. Decisions depend
/// only on the detections' order and event times, and on the event-time progress, so a replay of the
/// same input gives the same alerts.
///
/// Memory is bounded: at most ``maxOpen`` open episodes (past it the one due to close first is closed
/// early, and counted), and at most ``evidenceBudget`` bytes of kept evidence (past it an episode keeps
/// none, and its `closed` alert carries no event).
struct DetectionEpisodes {
    struct Key: Hashable {
        /// The rule's index among the rules seen this run (stable across reloads).
        var rule: Int32
        var hash: UInt64
    }

    struct Evidence {
        var bytes: [UInt8]
        var form: CorrelationBatch.EvidenceForm
        var time: EvidenceTime
        /// With `--archive`: the event's archive sequence.
        var archiveSequence: UInt64?
    }

    struct Episode {
        var id: UInt64
        var firstSeen: Int64
        var lastSeen: Int64
        /// Event time of the episode's last alert (opened or updated).
        var lastAlert: Int64
        var count: Int
        var tier: Int
        var escalatedFrom: Int?
        var gap: Int64
        /// The deadline of the episode's live entry in the deadline heap (other entries for its key are
        /// stale).
        var scheduled: Int64
        /// The latest detection's evidence (nil past the budget).
        var evidence: Evidence?
        /// Updated alerts so far (ids of updates differ by it).
        var updates: Int
        /// The key values and host of the opening detection, as alerts print them.
        var keyValues: [String?]
        var host: String?
    }

    /// Why an alert is made.
    enum Emission {
        case opened
        /// `escalated`: the episode just went up one tier.
        case updated(escalated: Bool)
        /// `evicted`: closed early, the open-episode bound was reached.
        case closed(evicted: Bool)
    }

    /// One detection as the alert stage hands it over.
    struct Detection {
        var rule: Int32
        var keyHash: UInt64
        var time: Int64
        var tier: Int
        var gap: Int64
        /// How many detections this one stands for (health signals: the events affected).
        var weight: Int = 1
        /// With `--archive`: the event's archive sequence (its evidence reference).
        var archiveSequence: UInt64? = nil
    }

    let maxOpen: Int
    let evidenceBudget: Int
    /// Event time (ns) that must pass beyond an episode's deadline before it closes: inputs may arrive
    /// this much out of order.
    let lateness: Int64
    let escalationCount: Int?
    let escalationDuration: Int64?

    private(set) var open: [Key: Episode] = [:]
    /// Deadlines (last detection + gap) of open episodes, earliest first; entries go stale as
    /// episodes grow and are checked when they come up.
    private var deadlines = MinHeap()
    private var evidenceBytes = 0
    private(set) var evicted: UInt64 = 0
    private(set) var evidenceOverBudget: UInt64 = 0
    /// Episode ids handed out, with how many episodes reused each: a detection that arrives after its
    /// episode closed (later than the lateness, say an older file piped after a newer one) opens a new
    /// episode of the same key at the same first time, whose id must still differ. Bounded: past
    /// ``maxIssued`` the ids are forgotten and counting starts over (documented in docs/alerts.md).
    private var issued: [UInt64: UInt32] = [:]
    static let maxIssued = 1 << 18

    init(
        maxOpen: Int = 100_000, evidenceBudget: Int = 64 << 20, lateness: Timestamp.Duration, escalationCount: Int?,
        escalationDuration: Timestamp.Duration?
    ) {
        self.maxOpen = maxOpen
        self.evidenceBudget = evidenceBudget
        self.lateness = lateness.nanoseconds
        self.escalationCount = escalationCount
        self.escalationDuration = escalationDuration?.nanoseconds
    }

    /// Folds one detection. `evidence` writes the detection's evidence into the buffer it is given
    /// (emptied, its capacity reused) and returns its form and time; `details` gives the key values and
    /// host of an episode it opens and `episodeID` its id; `emit` gets every alert to make, in order,
    /// with the episode as it stands.
    mutating func record(
        _ detection: Detection,
        evidence: (inout [UInt8]) -> (CorrelationBatch.EvidenceForm, EvidenceTime),
        details: () -> (keyValues: [String?], host: String?), episodeID: (Int64) -> UInt64,
        emit: (Emission, Key, Episode, _ carriesThisDetection: Bool) -> Void
    ) {
        let key = Key(rule: detection.rule, hash: detection.keyHash)
        if let index = open.index(forKey: key) {
            if detection.time > open.values[index].lastSeen &+ open.values[index].gap {
                // A gap without a detection: the episode is over, a new one begins.
                close(key, evicted: false, emit: emit)
            } else {
                // In place: a detection that folds allocates nothing.
                open.values[index].count += detection.weight
                open.values[index].lastSeen = max(open.values[index].lastSeen, detection.time)
                Self.keep(
                    evidence, reference: detection.archiveSequence, in: &open.values[index], budget: evidenceBudget, used: &evidenceBytes,
                    over: &evidenceOverBudget)
                var escalated = false
                if open.values[index].escalatedFrom == nil && open.values[index].tier < 3 && escalationDue(open.values[index]) {
                    open.values[index].escalatedFrom = open.values[index].tier
                    open.values[index].tier += 1
                    escalated = true
                }
                if escalated || detection.time &- open.values[index].lastAlert >= open.values[index].gap {
                    open.values[index].lastAlert = max(open.values[index].lastAlert, detection.time)
                    open.values[index].updates += 1
                    emit(.updated(escalated: escalated), key, open.values[index], true)
                }
                return
            }
        }
        if open.count >= maxOpen { evictOne(emit: emit) }
        let (keyValues, host) = details()
        var episode = Episode(
            id: issue(episodeID(detection.time)), firstSeen: detection.time, lastSeen: detection.time,
            lastAlert: detection.time, count: detection.weight, tier: detection.tier, escalatedFrom: nil, gap: detection.gap,
            scheduled: detection.time &+ detection.gap, evidence: nil, updates: 0, keyValues: keyValues, host: host)
        Self.keep(
            evidence, reference: detection.archiveSequence, in: &episode, budget: evidenceBudget, used: &evidenceBytes,
            over: &evidenceOverBudget)
        open[key] = episode
        deadlines.push(deadline: detection.time &+ detection.gap, key: key)
        emit(.opened, key, episode, true)
    }

    /// The id itself the first time; after that the id mixed with how often it was issued before
    /// (53 bits, like every episode id).
    private mutating func issue(_ id: UInt64) -> UInt64 {
        if let reused = issued[id] {
            issued[id] = reused + 1
            return FNV1a.mix(id ^ (UInt64(reused + 1) &* 0x9E37_79B9_7F4A_7C15)) >> 11
        }
        if issued.count >= Self.maxIssued { issued.removeAll(keepingCapacity: true) }
        issued[id] = 0
        return id
    }

    private func escalationDue(_ episode: Episode) -> Bool {
        if let count = escalationCount, episode.count >= count { return true }
        if let duration = escalationDuration, episode.lastSeen &- episode.firstSeen >= duration { return true }
        return false
    }

    private static func keep(
        _ evidence: (inout [UInt8]) -> (CorrelationBatch.EvidenceForm, EvidenceTime), reference: UInt64?, in episode: inout Episode,
        budget evidenceBudget: Int,
        used evidenceBytes: inout Int, over evidenceOverBudget: inout UInt64
    ) {
        var kept = episode.evidence ?? Evidence(bytes: [], form: .message, time: EvidenceTime(received: .distantPast))
        episode.evidence = nil  // unique, so the buffer is reused in place
        let old = kept.bytes.count
        (kept.form, kept.time) = evidence(&kept.bytes)
        kept.archiveSequence = reference
        if evidenceBytes - old + kept.bytes.count > evidenceBudget {
            evidenceBytes -= old
            evidenceOverBudget += 1
            return
        }
        evidenceBytes += kept.bytes.count - old
        episode.evidence = kept
    }

    /// Closes every episode whose last detection is more than its gap (plus the lateness) behind
    /// `progress`, earliest deadline first.
    mutating func closeDue(progress: Int64, emit: (Emission, Key, Episode, Bool) -> Void) {
        let watermark = progress &- lateness
        while let top = deadlines.peek, top.deadline < watermark {
            deadlines.pop()
            guard var episode = open[top.key], episode.scheduled == top.deadline else { continue }
            let deadline = episode.lastSeen &+ episode.gap
            if deadline < watermark {
                close(top.key, evicted: false, emit: emit)
            } else {
                episode.scheduled = deadline
                open[top.key] = episode
                deadlines.push(deadline: deadline, key: top.key)
            }
        }
    }

    /// Closes every open episode (end of input), earliest deadline first.
    mutating func closeAll(emit: (Emission, Key, Episode, Bool) -> Void) {
        closeDue(progress: .max, emit: emit)
        // Entries with deadlines at the very end of time.
        for key in open.keys.sorted(by: { ($0.rule, $0.hash) < ($1.rule, $1.hash) }) { close(key, evicted: false, emit: emit) }
    }

    private mutating func evictOne(emit: (Emission, Key, Episode, Bool) -> Void) {
        while let top = deadlines.peek {
            deadlines.pop()
            guard var episode = open[top.key], episode.scheduled == top.deadline else { continue }
            let deadline = episode.lastSeen &+ episode.gap
            if deadline > top.deadline {
                episode.scheduled = deadline
                open[top.key] = episode
                deadlines.push(deadline: deadline, key: top.key)
                continue
            }
            evicted += 1
            close(top.key, evicted: true, emit: emit)
            return
        }
    }

    private mutating func close(_ key: Key, evicted: Bool, emit: (Emission, Key, Episode, Bool) -> Void) {
        guard let episode = open.removeValue(forKey: key) else { return }
        evidenceBytes -= episode.evidence?.bytes.count ?? 0
        emit(.closed(evicted: evicted), key, episode, false)
    }
}

/// A binary min-heap of (deadline, key), ties broken by key so that the order never depends on
/// insertion history.
private struct MinHeap {
    private var items: [(deadline: Int64, key: DetectionEpisodes.Key)] = []

    var peek: (deadline: Int64, key: DetectionEpisodes.Key)? { items.first }

    private static func less(_ a: (deadline: Int64, key: DetectionEpisodes.Key), _ b: (deadline: Int64, key: DetectionEpisodes.Key)) -> Bool
    {
        (a.deadline, a.key.rule, a.key.hash) < (b.deadline, b.key.rule, b.key.hash)
    }

    mutating func push(deadline: Int64, key: DetectionEpisodes.Key) {
        items.append((deadline, key))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && Self.less(items[left], items[smallest]) { smallest = left }
            if right < items.count && Self.less(items[right], items[smallest]) { smallest = right }
            guard smallest != parent else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
