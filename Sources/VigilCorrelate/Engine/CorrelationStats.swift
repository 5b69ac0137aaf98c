import VigilEvent

/// Counters of the correlation stage (summed over shards with ``merge(_:)``).
public struct CorrelationStats: Sendable, Hashable {
    /// Detections that arrived after the watermark had passed their time: skipped.
    public var late = 0
    /// Detections lacking a group-by field: skipped.
    public var missingGroupKey = 0
    /// Inputs processed by rules (a detection read by two rules counts twice).
    public var inputs = 0
    /// Windows that met their condition.
    public var qualifyingWindows = 0
    /// Alerts emitted.
    public var alerts = 0
    /// Groups evicted because a rule reached its group limit.
    public var evictedGroups = 0
    /// Groups dropped because their state had expired (normal).
    public var expiredGroups = 0
    /// Absence windows still open when input ended (not decided, see ``CorrelationOptions``).
    public var incompleteWindows = 0
    /// Evidence references whose event had left the evidence store when an alert was built.
    public var evidenceExpired = 0
    /// Groups alive now.
    public var liveGroups = 0
    /// Group-by and distinct values too long to keep, stored as a prefix and a digest.
    public var shortenedValues = 0
    /// Shedding under the state budget (``CorrelationOptions/maxStateBytes``): groups evicted to free
    /// memory, waiting inputs applied before the watermark reached them, and inputs refused afterwards
    /// for being older than what was applied early.
    public var shedGroups = 0
    public var shedEarlyInputs = 0
    public var shedLate = 0
    /// Times the budget was reached.
    public var budgetReached = 0
    /// The most bytes of state the budget counted at once, summed over shards (each shard's own peak).
    public var peakStateBytes = 0
    /// Episodes opened before the watermark reached their window (``CorrelationOptions/earlyAlerts``).
    public var earlyEpisodes = 0
    /// Episodes opened early whose first window a late input moved (an `updated` alert each).
    public var movedEpisodes = 0
    /// Episodes opened early that did not happen after all (a negative value of a sum came late, or
    /// state was shed): closed with no window.
    public var retractedEpisodes = 0

    public init() {}

    /// Adds another shard's counters.
    public mutating func merge(_ other: CorrelationStats) {
        late += other.late
        missingGroupKey += other.missingGroupKey
        inputs += other.inputs
        qualifyingWindows += other.qualifyingWindows
        alerts += other.alerts
        evictedGroups += other.evictedGroups
        expiredGroups += other.expiredGroups
        incompleteWindows += other.incompleteWindows
        evidenceExpired += other.evidenceExpired
        liveGroups += other.liveGroups
        shortenedValues += other.shortenedValues
        shedGroups += other.shedGroups
        shedEarlyInputs += other.shedEarlyInputs
        shedLate += other.shedLate
        budgetReached += other.budgetReached
        peakStateBytes += other.peakStateBytes
        earlyEpisodes += other.earlyEpisodes
        movedEpisodes += other.movedEpisodes
        retractedEpisodes += other.retractedEpisodes
    }
}

extension CorrelationStats {
    /// Counts the late detections and the (detection, source) pairs without a group key of a routed
    /// batch: a detection is late when its time is before `lateBefore`; a late one is not counted
    /// again for a missing key.
    mutating func addRouting(of batch: CorrelationBatch, lateBefore: Timestamp) {
        let cutoff = lateBefore.nanoseconds
        for time in batch.detectionTimes where time < cutoff { late += 1 }
        for time in batch.missingTimes where time >= cutoff { missingGroupKey += 1 }
        shortenedValues += batch.shortenedValues
    }
}
