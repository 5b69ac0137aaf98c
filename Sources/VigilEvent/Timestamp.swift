/// A point in time, as nanoseconds since the Unix epoch (UTC).
///
/// Event times, receive times and window bounds are all `Timestamp`s. The integer representation keeps
/// comparisons and window arithmetic exact and cheap; calendar conversions happen only at the edges
/// (parsing a syslog header, printing RFC 3339).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanoseconds: Int64

    @inlinable
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    @inlinable
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        self.nanoseconds = seconds &* 1_000_000_000 &+ nanoseconds
    }

    /// Whole seconds an event time may have: every second whose nanoseconds fit, except the two ends,
    /// which stand for ``distantPast`` and ``distantFuture`` (1677-09-21T00:12:45Z through
    /// 2262-04-11T23:47:15Z). Parsers reject stamps outside it instead of letting them wrap.
    public static let representableSeconds: ClosedRange<Int64> = -9_223_372_035...9_223_372_035

    /// The whole calendar years inside ``representableSeconds`` (UTC): the years `--year` may name.
    public static let representableYears: ClosedRange<Int> = 1678...2261

    /// A time from seconds and a sub-second part, or nil when it lies outside ``representableSeconds``.
    @inlinable
    public init?(validatingSeconds seconds: Int64, nanoseconds: Int64 = 0) {
        guard Timestamp.representableSeconds.contains(seconds), nanoseconds >= 0, nanoseconds < 1_000_000_000 else {
            return nil
        }
        self.nanoseconds = seconds * 1_000_000_000 + nanoseconds
    }

    /// The earliest representable time; a watermark that has seen nothing.
    public static let distantPast = Timestamp(nanoseconds: .min)
    /// The latest representable time; the watermark at the end of finite input.
    public static let distantFuture = Timestamp(nanoseconds: .max)

    /// Whole seconds since the epoch, rounded towards negative infinity.
    @inlinable
    public var seconds: Int64 {
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return r < 0 ? q - 1 : q
    }

    /// The sub-second part, 0 ..< 1_000_000_000.
    @inlinable
    public var nanosecondOfSecond: Int64 {
        let r = nanoseconds % 1_000_000_000
        return r < 0 ? r + 1_000_000_000 : r
    }

    @inlinable
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// This time moved by a duration, saturating at the representable bounds.
    @inlinable
    public func advanced(by duration: Duration) -> Timestamp {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(duration.nanoseconds)
        if overflow { return duration.nanoseconds > 0 ? .distantFuture : .distantPast }
        return Timestamp(nanoseconds: sum)
    }

    /// The duration from `other` to this time.
    @inlinable
    public func duration(since other: Timestamp) -> Duration {
        Duration(nanoseconds: nanoseconds &- other.nanoseconds)
    }

    public var description: String { rfc3339(fractionDigits: 9) }
}

extension Timestamp {
    /// A span of time in nanoseconds, as used by window sizes and lateness.
    public struct Duration: Hashable, Comparable, Sendable {
        public var nanoseconds: Int64

        @inlinable
        public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

        @inlinable
        public static func seconds(_ s: Int64) -> Duration { Duration(nanoseconds: s &* 1_000_000_000) }

        @inlinable
        public static func milliseconds(_ ms: Int64) -> Duration { Duration(nanoseconds: ms &* 1_000_000) }

        @inlinable
        public static func < (lhs: Duration, rhs: Duration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

        public static let zero = Duration(nanoseconds: 0)
    }
}
