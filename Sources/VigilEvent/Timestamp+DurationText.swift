extension Timestamp.Duration {
    /// A unit of written durations: its suffix and its length.
    public struct Unit: Sendable, Hashable {
        public let suffix: String
        public let nanoseconds: Int64

        public init(_ suffix: String, nanoseconds: Int64) {
            self.suffix = suffix
            self.nanoseconds = nanoseconds
        }

        public static let millisecond = Unit("ms", nanoseconds: 1_000_000)
        public static let second = Unit("s", nanoseconds: 1_000_000_000)
        public static let minute = Unit("m", nanoseconds: 60_000_000_000)
        public static let hour = Unit("h", nanoseconds: 3_600_000_000_000)
        public static let day = Unit("d", nanoseconds: 86_400_000_000_000)
        public static let week = Unit("w", nanoseconds: 604_800_000_000_000)
        /// pySigma's month: an average Gregorian month (2,629,746 s).
        public static let month = Unit("M", nanoseconds: 2_629_746_000_000_000)
        /// pySigma's year: an average Gregorian year (31,556,952 s).
        public static let year = Unit("y", nanoseconds: 31_556_952_000_000_000)
    }

    /// Which durations a place accepts: its units, and the unit of a bare number (nil: a unit is required).
    public struct Grammar: Sendable {
        public var units: [Unit]
        public var bareNumberUnit: Unit?
        public var allowsZero: Bool

        public init(units: [Unit], bareNumberUnit: Unit?, allowsZero: Bool) {
            self.units = units
            self.bareNumberUnit = bareNumberUnit
            self.allowsZero = allowsZero
        }

        /// Command-line durations (`--lateness 5s`, `--max-clock-skew 2d`): `ms s m h d w`, a bare
        /// number is seconds, zero allowed.
        public static let commandLine = Grammar(
            units: [.millisecond, .second, .minute, .hour, .day, .week], bareNumberUnit: .second, allowsZero: true)
        /// Sigma correlation `timespan`: the spec's `s m h d`, and pySigma's `w M y`; a unit is required
        /// and the span must be positive.
        public static let sigmaTimespan = Grammar(
            units: [.second, .minute, .hour, .day, .week, .month, .year], bareNumberUnit: nil, allowsZero: false)

        /// The units as the error messages list them: `ms, s, m, h, d, w`.
        public var unitList: String { units.map(\.suffix).joined(separator: ", ") }
    }

    /// Why a written duration was refused.
    public enum TextError: Error, Hashable, Sendable {
        /// Not a number followed by one of the grammar's units.
        case malformed
        /// Zero where the grammar wants a positive span.
        case zero
        /// Longer than nanoseconds can count (about 292 years).
        case tooLong
    }

    /// Parses `<digits><unit>` (or bare digits, where the grammar allows) into a duration.
    public static func parse(_ text: String, grammar: Grammar) -> Result<Timestamp.Duration, TextError> {
        // Longest suffix first: `ms` before `m` and `s`.
        let unit: Unit
        let digits: Substring
        if let suffixed = grammar.units.sorted(by: { $0.suffix.count > $1.suffix.count }).first(where: { text.hasSuffix($0.suffix) }) {
            unit = suffixed
            digits = text.dropLast(suffixed.suffix.count)
        } else if let bare = grammar.bareNumberUnit {
            unit = bare
            digits = Substring(text)
        } else {
            return .failure(.malformed)
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return .failure(.malformed) }
        guard let count = Int64(digits) else { return .failure(.tooLong) }
        if count == 0 && !grammar.allowsZero { return .failure(.zero) }
        let (product, overflow) = count.multipliedReportingOverflow(by: unit.nanoseconds)
        return overflow ? .failure(.tooLong) : .success(Timestamp.Duration(nanoseconds: product))
    }
}
