/// Where a run's batches and control records go, in input order: the archive's segment files
/// (``ArchiveWriter``), or a stream of blocks (the cluster edge's publisher).
///
/// `append` may wait (a full queue, a server that has not acknowledged): that wait is the run's
/// backpressure, it slows intake.
public protocol ArchiveRecordSink: AnyObject, Sendable {
    /// The archive sequence the first message appended gets (messages are numbered densely).
    var firstSequence: UInt64 { get }
    /// What was taken and written so far.
    var counters: ArchiveCounters { get }
    func append(_ batch: consuming ArchiveBatch)
    func append(_ record: ArchiveControlRecord)
    /// Writes everything appended; appending afterwards writes nothing.
    func finish() throws
}

extension ArchiveWriter: ArchiveRecordSink {}
