import VigilEvent

/// A stateful stage fed by the collector with every ``BatchResult`` in input order: correlation,
/// alert writing, archiving, standard output.
///
/// The collector is one thread and calls every ordered stage in turn, so a stage needs no locks. A
/// stage with more work than one thread can do fans out behind this interface: correlation hashes each
/// detection's group to a shard and pushes per-shard batches into one ``BoundedRing`` per shard, each
/// drained by the shard's own thread (state owned by that thread, never locked); ``finish()`` closes the
/// rings and waits for the shard threads.
///
/// A stage that throws stops the run: input stops, the pipeline drains without calling that stage
/// again, and the error is reported.
public protocol OrderedStage {
    /// The stage's name in stats.
    var name: String { get }

    /// Called once per batch result, in input order (per source always; across sources in the order
    /// batches entered the pipeline).
    mutating func consume(_ result: inout BatchResult) throws

    /// Called when no batch arrived for a while (about every ``PipelineConfiguration/idleTick``), with
    /// the wall-clock time: lets a live watermark advance while input is idle.
    mutating func idle(now: Timestamp) throws

    /// Called once after the last batch: end of input (the watermark moves to infinity). Flush and
    /// release resources.
    mutating func finish() throws

    /// What the stage counted so far.
    var counters: StageCounters { get }
}

extension OrderedStage {
    /// Stages without time-driven work ignore idle ticks.
    public mutating func idle(now: Timestamp) throws {}
}
