/// Follows a run from outside the pipeline (the metrics endpoint, readiness): told how the run stands
/// about once per ``RunOptions/observerInterval`` while it goes on, and once more at its end.
///
/// Calls come from the collector thread between two batches: an observer copies what it needs and
/// returns; it must never wait for anything.
public protocol RunObserver: AnyObject, Sendable {
    /// The pipeline started: inputs are open and being read.
    func runStarted()
    /// The run so far (cumulative figures).
    func runProgressed(_ summary: RunSummary)
    /// The run's final summary, after the pipeline drained.
    func runEnded(_ summary: RunSummary)
}
