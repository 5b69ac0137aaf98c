/// The streams and consumers a vigil cluster uses, with their limits (`vigil cluster init`,
/// docs/SCALING.md).
public struct ClusterLayout: Sendable, Hashable {
    /// Raw batches from the edges, as archive blocks.
    public static let rawStream = "VIGIL_RAW"
    public static let rawSubject = "vigil.raw"
    /// Alerts, one message each, its message id the alert id.
    public static let alertStream = "VIGIL_ALERTS"
    public static let alertSubject = "vigil.alerts"
    /// The durable consumer `vigil cluster alerts` reads with unless told another.
    public static let alertConsumer = "alerts"

    /// Raw bytes a block holds before it is published: about 512 KiB, a quarter of that on the wire,
    /// well under the server's default 1 MiB message limit even for data LZ4 cannot shrink.
    public static let blockSize = 512 << 10

    public var rawMaxBytes: Int64 = 10 << 30
    public var rawMaxAgeSeconds: Int64 = 7 * 86_400
    public var alertMaxBytes: Int64 = 1 << 30
    public var alertMaxAgeSeconds: Int64 = 30 * 86_400
    /// A repeated publish (an edge or analyzer retrying after a lost acknowledgement, a restarted
    /// analyzer publishing an alert again) within this window is stored once.
    public var duplicateWindowSeconds: Int64 = 3_600

    public init() {}

    public var streams: [StreamSpec] {
        [
            StreamSpec(
                name: Self.rawStream, subjects: [Self.rawSubject], workQueue: false, maxBytes: rawMaxBytes, maxAgeSeconds: rawMaxAgeSeconds,
                duplicateWindowSeconds: duplicateWindowSeconds, maxMessageSize: 1 << 20),
            StreamSpec(
                name: Self.alertStream, subjects: [Self.alertSubject], workQueue: false, maxBytes: alertMaxBytes,
                maxAgeSeconds: alertMaxAgeSeconds, duplicateWindowSeconds: duplicateWindowSeconds, maxMessageSize: 1 << 20),
        ]
    }

    /// Creates (or updates) the streams.
    public func apply(_ client: NATSClient) throws(NATSError) {
        for stream in streams { try client.ensureStream(stream) }
    }
}
