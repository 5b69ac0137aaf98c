import VigilEvent

/// One distinct event of a (group, time) run, as evaluators see it.
struct RunEvent {
    /// Bit per rule source the event matched.
    var slots: UInt32
    var value: String?
    var number: Double
    /// Evidence reference in the shard's ``EvidenceStore``.
    var ref: UInt32
}
