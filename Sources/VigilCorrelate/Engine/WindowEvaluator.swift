/// A window that met its rule's condition.
struct QualifiedWindow {
    var start: Int64
    var end: Int64
    var metric: Double
    /// Inputs in the window: exact for event_count and the numeric types; for value_count and temporal
    /// types (which keep no per-input state) the metric, a lower bound.
    var inputs: Int
}

/// Scratch shared by a shard's evaluators: the evidence of the window being reported, and deadlines
/// the current group asked for.
struct EvaluationContext {
    var evidence: [UInt32] = []
    var evidenceLimit: Int
    var deadlines: [Int64] = []

    init(evidenceLimit: Int) {
        self.evidenceLimit = evidenceLimit
    }

    /// Adds one event's evidence reference unless it is already there; returns whether more fit.
    ///
    /// States reach an event along several paths: an absence window adds its anchoring event and then
    /// the latest event of every rule present in it, which for `not x` anchored on `x` (the shipped
    /// `host_silent`) is the anchor itself, and for an event read by two rules is the same event twice.
    /// A shard stores each event's evidence once (one reference per event), so refusing a reference
    /// already listed keeps every alert's evidence free of repeats, whatever the type or condition.
    /// The list holds at most ``evidenceLimit`` (10 by default) references: a linear scan.
    mutating func addEvidence(_ ref: UInt32) -> Bool {
        guard evidence.count < evidenceLimit else { return false }
        if ref != 0 && !evidence.contains(ref) { evidence.append(ref) }
        return evidence.count < evidenceLimit
    }
}

/// One piece of a group's window state as early alerts read it (``WindowState/known(_:from:into:)``).
struct KnownEntry {
    var time: Int64
    /// event_count: the events the entry stands for; value_sum: the sum of its values.
    var weight: Double
    /// value_sum: how many values it holds.
    var values: Int = 0
    var ref: UInt32
    /// value_count: a distinct value, last seen at ``time``.
    var value: String? = nil
}

/// What a deadline decided for a forward (absence) window.
enum DeadlineOutcome {
    case none
    case qualified(QualifiedWindow)
    /// The window reaches past the end of the input: undecided.
    case incomplete
}

/// The per-group window state of one correlation type for one rule in one shard.
///
/// Groups are dense slots of the rule's ``GroupTable``. A shard calls ``add(_:group:time:context:)``
/// once per (group, event time) run, in time order; each call evaluates the window `[time - span, time]`
/// and returns it when it qualifies (evidence references in `context.evidence`).
protocol WindowEvaluator: AnyObject {
    /// Makes room for `slots` groups, reserving room for `reserve` (see ``growArray(_:to:with:reserve:)``).
    func grow(slots: Int, reserve: Int)
    /// Clears a newly allocated group.
    func reset(_ group: UInt32)
    /// Frees what a group holds.
    func release(_ group: UInt32)
    func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow?
    /// Decides the forward window whose deadline is `time` (rules with absence only).
    func decide(group: UInt32, deadline: Int64, horizon: Int64, context: inout EvaluationContext) -> DeadlineOutcome
    /// Bytes held (approximate).
    var memoryBytes: Int { get }
    /// Bytes the state of `groups` live groups takes now (see ``WindowState/liveBytes(groups:)``).
    func liveBytes(groups: Int) -> Int
    /// The group's measure now for rules that fire on high values (counts, distinct counts, sums); nil
    /// for others. Eviction prefers groups far below their threshold.
    func measure(_ group: UInt32) -> Double?
    /// Appends, oldest first, what the group holds from `time` on (early alerts, for the types they
    /// apply to: event_count, value_count, value_sum; others append nothing).
    func known(_ group: UInt32, from time: Int64, into entries: inout [KnownEntry])
    /// Writes a group's state to a snapshot (docs/correlation.md, "Restarts").
    func writeGroup(_ group: UInt32, to out: inout SnapshotWriter)
    /// Reads one group's state as ``writeGroup(_:to:)`` wrote it, checked against this rule.
    func readGroup(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> SnapshotWindow
    /// Gives a new group (allocated and reset) the state read, its evidence references mapped by `refs`.
    func restoreGroup(_ group: UInt32, _ window: SnapshotWindow, refs: (UInt32) -> UInt32)
}

/// The mutable per-group state of one correlation type, as one struct, so that a call pays one
/// exclusivity check instead of one per field access; ``StateEvaluator`` makes it a ``WindowEvaluator``.
protocol WindowState {
    mutating func grow(slots: Int, reserve: Int)
    mutating func reset(_ group: UInt32)
    mutating func release(_ group: UInt32)
    mutating func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow?
    mutating func decide(group: UInt32, deadline: Int64, horizon: Int64, context: inout EvaluationContext) -> DeadlineOutcome
    var memoryBytes: Int { get }
    /// Bytes the state of `groups` live groups takes now: per-group arrays and entries in use (unlike
    /// ``memoryBytes``, it falls when state is freed). What the correlation state budget counts.
    func liveBytes(groups: Int) -> Int
    /// See ``WindowEvaluator/measure(_:)``.
    func measure(_ group: UInt32) -> Double?
    /// See ``WindowEvaluator/known(_:from:into:)``.
    func known(_ group: UInt32, from time: Int64, into entries: inout [KnownEntry])
    /// See ``WindowEvaluator/writeGroup(_:to:)`` (WindowState+Snapshot.swift).
    func writeGroup(_ group: UInt32, to out: inout SnapshotWriter)
    func readGroup(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> SnapshotWindow
    mutating func restoreGroup(_ group: UInt32, _ window: SnapshotWindow, refs: (UInt32) -> UInt32)
}

extension WindowState {
    mutating func decide(group: UInt32, deadline: Int64, horizon: Int64, context: inout EvaluationContext) -> DeadlineOutcome {
        .none
    }

    func measure(_ group: UInt32) -> Double? { nil }

    func known(_ group: UInt32, from time: Int64, into entries: inout [KnownEntry]) {}
}

/// The ``WindowEvaluator`` of a ``WindowState``.
final class StateEvaluator<State: WindowState>: WindowEvaluator {
    // Owned by one rule runtime of one shard, used by that shard's thread only: a dynamic exclusivity
    // check per call would only cost time.
    @exclusivity(unchecked) private var state: State

    init(_ state: State) { self.state = state }

    func grow(slots: Int, reserve: Int) { state.grow(slots: slots, reserve: reserve) }
    func reset(_ group: UInt32) { state.reset(group) }
    func release(_ group: UInt32) { state.release(group) }
    var memoryBytes: Int { state.memoryBytes }
    func liveBytes(groups: Int) -> Int { state.liveBytes(groups: groups) }
    func measure(_ group: UInt32) -> Double? { state.measure(group) }
    func known(_ group: UInt32, from time: Int64, into entries: inout [KnownEntry]) { state.known(group, from: time, into: &entries) }
    func writeGroup(_ group: UInt32, to out: inout SnapshotWriter) { state.writeGroup(group, to: &out) }

    func readGroup(from input: inout SnapshotReader) throws(CorrelationSnapshotError) -> SnapshotWindow {
        try state.readGroup(from: &input)
    }

    func restoreGroup(_ group: UInt32, _ window: SnapshotWindow, refs: (UInt32) -> UInt32) {
        state.restoreGroup(group, window, refs: refs)
    }

    func add(_ events: [RunEvent], group: UInt32, time: Int64, context: inout EvaluationContext) -> QualifiedWindow? {
        state.add(events, group: group, time: time, context: &context)
    }

    func decide(group: UInt32, deadline: Int64, horizon: Int64, context: inout EvaluationContext) -> DeadlineOutcome {
        state.decide(group: group, deadline: deadline, horizon: horizon, context: &context)
    }
}

/// Grows a per-group array to `count` entries. When it must move, it reserves room for `reserve`
/// entries at once: a rule that holds many groups reserves its group limit (address space only; pages
/// are touched as groups arrive) instead of doubling again and again, which left every freed copy in
/// the allocator (tens of megabytes with a million groups).
@inline(__always)
func growArray<T>(_ array: inout [T], to count: Int, with value: T, reserve: Int = 0) {
    guard array.count < count else { return }
    if array.capacity < count, reserve > count { array.reserveCapacity(reserve) }
    array.append(contentsOf: repeatElement(value, count: count - array.count))
}
