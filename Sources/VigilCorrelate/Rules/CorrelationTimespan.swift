import VigilEvent

/// Parses Sigma `timespan` values: a positive integer and a unit (``Timestamp/Duration/Grammar/sigmaTimespan``).
///
/// The spec defines `s`, `m`, `h` and `d`; pySigma also accepts `w`, `M` (an average month) and `y` (an
/// average year), and so does vigil, with pySigma's lengths. The command line reads durations with the
/// same parser.
enum CorrelationTimespan {
    /// The duration of `text`, or nil with a reason when it is not a valid timespan.
    static func parse(_ text: String) -> Result<Timestamp.Duration, TimespanError> {
        switch Timestamp.Duration.parse(text, grammar: .sigmaTimespan) {
        case .success(let duration):
            return .success(duration)
        case .failure(.malformed):
            return .failure(.init(message: "invalid timespan '\(text)': expected a number and a unit s, m, h, d (or w, M, y)"))
        case .failure(.zero):
            return .failure(.init(message: "invalid timespan '\(text)': it must be greater than zero"))
        case .failure(.tooLong):
            return .failure(.init(message: "invalid timespan '\(text)': too long"))
        }
    }

    struct TimespanError: Error {
        var message: String
    }
}
