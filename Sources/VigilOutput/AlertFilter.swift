import VigilAlert

/// Takes alerts out before any output sees them: the exceptions analysts added (``AlertOutput``s get
/// what is left). Consulted by the sequencer on its thread for every run of alerts, so it must be cheap
/// when there is nothing to take out.
public protocol AlertFilter: AnyObject, Sendable {
    /// `alerts` without the ones to hold back, and how many were held back. `now` is the wall clock in
    /// nanoseconds since the epoch (exceptions expire).
    func filter(_ alerts: AlertLines, now: Int64) -> (kept: AlertLines, excepted: Int)
}
