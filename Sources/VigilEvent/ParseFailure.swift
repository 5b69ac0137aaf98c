/// Why a message could not be parsed in its detected (or forced) format.
///
/// A failed message is never dropped: it becomes a ``EventFormat/raw`` event carrying this reason, and
/// the run's stats count it by ``Reason``. (One reason leaves the event parsed: ``Reason/invalidCEEPayload``,
/// a syslog message whose `@cee:` JSON payload is broken.)
public struct ParseFailure: Hashable, Sendable, CustomStringConvertible {
    /// Stable reason codes; `name` is what stats and `vigil parse` print.
    public enum Reason: UInt8, CaseIterable, Sendable {
        case emptyMessage
        case invalidPriority
        case invalidVersion
        case invalidTimestamp
        case invalidHostname
        case invalidAppName
        case invalidProcID
        case invalidMsgID
        case invalidStructuredData
        case invalidMessageEncoding
        case missingHeaderField
        case invalidJSON
        case jsonNotObject
        case truncatedFrame
        case oversizeMessage
        /// A syslog message's `@cee:` payload is not one JSON object; the event stays syslog, without its fields.
        case invalidCEEPayload
        /// The message's time stamp names an instant vigil's time type cannot hold (before 1677-09-21 or
        /// after 2262-04-11): refused rather than wrapped. The event is raw, without a time of its own (a
        /// JSON event keeps its other members and only loses the time).
        case timeOutOfRange

        public var name: String {
            switch self {
            case .emptyMessage: "empty_message"
            case .invalidPriority: "invalid_priority"
            case .invalidVersion: "invalid_version"
            case .invalidTimestamp: "invalid_timestamp"
            case .invalidHostname: "invalid_hostname"
            case .invalidAppName: "invalid_app_name"
            case .invalidProcID: "invalid_procid"
            case .invalidMsgID: "invalid_msgid"
            case .invalidStructuredData: "invalid_structured_data"
            case .invalidMessageEncoding: "invalid_message_encoding"
            case .missingHeaderField: "missing_header_field"
            case .invalidJSON: "invalid_json"
            case .jsonNotObject: "json_not_object"
            case .truncatedFrame: "truncated_frame"
            case .oversizeMessage: "oversize_message"
            case .invalidCEEPayload: "invalid_cee_payload"
            case .timeOutOfRange: "time_out_of_range"
            }
        }
    }

    public var reason: Reason
    /// Byte offset within the message where parsing stopped.
    public var offset: UInt32

    @inlinable
    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = UInt32(truncatingIfNeeded: max(offset, 0))
    }

    /// `invalid_timestamp at byte 17`
    public var description: String { "\(reason.name) at byte \(offset)" }
}
