/// How a message was parsed.
public enum EventFormat: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case rfc3164
    case rfc5424
    case json
    /// Unparsed text: either nothing recognisable, or the parse failed (see ``Event/parseFailure``).
    case raw

    /// The name used in output, stats and on the command line.
    public var name: String {
        switch self {
        case .rfc3164: "rfc3164"
        case .rfc5424: "rfc5424"
        case .json: "json"
        case .raw: "raw"
        }
    }

    public var description: String { name }

    public init?(name: String) {
        guard let format = EventFormat.allCases.first(where: { $0.name == name }) else { return nil }
        self = format
    }
}

/// Identifies one input of a run (stdin, a file, a listener, a TCP connection).
///
/// Sequence numbers are per source, so (source, sequence) names an event uniquely within a run and lets
/// later stages restore each source's order.
public struct SourceID: Hashable, Comparable, Sendable {
    public var rawValue: UInt32

    @inlinable
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable
    public static func < (lhs: SourceID, rhs: SourceID) -> Bool { lhs.rawValue < rhs.rawValue }
}
