import VigilEvent

/// Where readers deliver their batches: the pipeline's input ring.
///
/// Readers that may wait (files, stdin) call ``submit(_:)``, which blocks while the pipeline is full;
/// that is how backpressure reaches a file reader. Event-loop readers (UDP, TCP) must never block and
/// call ``trySubmit(_:)``: UDP drops and counts a batch it cannot hand over, TCP pauses reading.
public protocol BatchSink: Sendable {
    /// Hands a batch over, waiting (with backoff, not spinning) while the pipeline is full.
    func submit(_ batch: RawBatch)
    /// Hands a batch over if there is room now; returns false, and keeps nothing, when full.
    func trySubmit(_ batch: RawBatch) -> Bool
}
