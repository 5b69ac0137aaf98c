import VigilEvent

/// How the archive writes (`vigil run --archive` options).
public struct ArchiveOptions: Sendable {
    /// Raw bytes a segment takes before it is sealed (`--segment-size`).
    public var segmentSize: Int = 256 << 20
    /// Wall-clock age at which the open segment is sealed (`--segment-age`).
    public var segmentAge: Timestamp.Duration = .seconds(3600)
    /// Raw bytes of a block: it is cut at the first record boundary past this.
    public var blockSize: Int = 512 << 10
    /// The open block is written at least this often (`--flush-interval`).
    public var flushInterval: Timestamp.Duration = .seconds(1)
    /// Each flush is made durable (`--fsync`).
    public var fsync: Bool = false
    /// Sealed segments whose newest receive time is older than this are deleted (`--retain`).
    public var retainAge: Timestamp.Duration?
    /// The oldest sealed segments are deleted while the archive is larger (`--retain-size`).
    public var retainSize: Int?
    /// A file outside the archive whose bytes are the HMAC key of the chain records (`--archive-key-file`).
    public var keyFile: String?
    /// Batches the hand-off queue to the writer thread holds before `append` waits.
    public var queueBatches: Int = 16

    public init() {}
}
