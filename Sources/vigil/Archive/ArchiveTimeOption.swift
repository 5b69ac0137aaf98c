import ArgumentParser
import VigilEvent
import VigilIngest

/// `--from` / `--to` of the archive commands: an RFC 3339 time, or a duration before now (`-1h`, `-30m`).
enum ArchiveTimeOption {
    static func parse(_ text: String?, option: String) throws(ValidationError) -> Timestamp? {
        guard let text else { return nil }
        if text.hasPrefix("-") {
            let duration = try DurationOption.parse(String(text.dropFirst()), option: option)
            return WallClock.now().advanced(by: Timestamp.Duration(nanoseconds: -duration.nanoseconds))
        }
        guard let time = Timestamp(rfc3339: text) else {
            throw ValidationError("\(option): '\(text)' is neither an RFC 3339 time (2026-03-01T10:00:00Z) nor a time before now (-1h)")
        }
        return time
    }
}
