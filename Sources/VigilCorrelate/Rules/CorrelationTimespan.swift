import VigilEvent

/// Parses Sigma `timespan` values: a positive integer and a unit.
///
/// The spec defines `s`, `m`, `h` and `d`; pySigma also accepts `w`, `M` (an average month) and `y` (an
/// average year), and so does vigil, with pySigma's lengths.
enum CorrelationTimespan {
    static let unitSeconds: [Character: Int64] = [
        "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800, "M": 2_629_746, "y": 31_556_952,
    ]

    /// The duration of `text`, or nil with a reason when it is not a valid timespan.
    static func parse(_ text: String) -> Result<Timestamp.Duration, TimespanError> {
        guard let unit = text.last, let seconds = unitSeconds[unit] else {
            return .failure(.init(message: "invalid timespan '\(text)': expected a number and a unit s, m, h, d (or w, M, y)"))
        }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int64(digits) else {
            return .failure(.init(message: "invalid timespan '\(text)': expected a number and a unit s, m, h, d (or w, M, y)"))
        }
        guard count > 0 else {
            return .failure(.init(message: "invalid timespan '\(text)': it must be greater than zero"))
        }
        let (product, overflow) = count.multipliedReportingOverflow(by: seconds * 1_000_000_000)
        guard !overflow else { return .failure(.init(message: "invalid timespan '\(text)': too long")) }
        return .success(Timestamp.Duration(nanoseconds: product))
    }

    struct TimespanError: Error {
        var message: String
    }
}
