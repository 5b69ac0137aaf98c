import VigilEvent

/// How a decoder converts and checks the text of one named group.
public enum DecoderFieldType: String, Sendable, CaseIterable {
    /// The text as matched (the default).
    case string
    /// An optionally signed decimal integer that fits in 64 bits; emitted as a number.
    case int
    /// A decimal integer from 0 to 65535; emitted as a number.
    case port
    /// An IPv4 address in dotted-quad form or an IPv6 address (RFC 4291 text forms).
    case ip
    /// A date and time in one of the documented forms, re-emitted as RFC 3339 in UTC.
    case timestamp
}

/// A position in a decoder file (1-based line and column).
struct SourcePosition: Hashable, Sendable {
    var line: Int
    var column: Int
}

/// A string from a decoder file together with where it was written.
struct Located<Value: Sendable>: Sendable {
    var value: Value
    var position: SourcePosition
}

/// A regular expression as written in a decoder file, with what is needed to map a PCRE2 error offset
/// back to the file.
struct PatternSource: Sendable {
    var text: String
    /// The YAML scalar the pattern was read from and the file's text: re-read (``ScalarPositions``) only
    /// when an error must be placed, so that loading good files pays nothing for it.
    var scalar: ScalarPositions.Origin?
    var fileText: String?
    /// The scalar's own position (fallback for error reports).
    var position: SourcePosition

    /// For every UTF-8 byte of `text`, where it was written; nil when the YAML could not be re-read.
    var bytePositions: [SourcePosition]? {
        guard let scalar, let fileText else { return nil }
        return ScalarPositions(text: fileText).bytePositions(of: scalar)
    }

    /// Where the byte at `offset` of the pattern was written (the end of the pattern maps just past it).
    func position(ofByte offset: Int) -> SourcePosition {
        guard let map = bytePositions, !map.isEmpty else { return position }
        if offset < map.count { return map[max(offset, 0)] }
        let last = map[map.count - 1]
        return SourcePosition(line: last.line, column: last.column + 1)
    }
}

/// Which events a top-level decoder is tried on: any selector may match.
struct ProgramSelector: Sendable {
    /// Program names (exact, or `prefix*` / `*suffix`); nil: any program, and events without one.
    var programs: [String]?
    /// Input formats; nil: all formats.
    var formats: [EventFormat]?
}

/// The cheap test run before a decoder's pattern.
enum PrematchSpec: Sendable {
    /// The subject contains these bytes (byte search).
    case contains([UInt8])
    /// The subject starts with these bytes.
    case prefix([UInt8])
    /// The subject matches this regular expression.
    case regex(PatternSource)
}

/// One decoder as written in a file, before compilation.
struct DecoderSpec: Sendable {
    var name: Located<String>
    var file: String
    var parents: [Located<String>] = []
    var appliesTo: Located<[ProgramSelector]>?
    var prematch: PrematchSpec?
    var pattern: PatternSource?
    /// Types of named groups (the key is the group name).
    var types: [(group: Located<String>, type: DecoderFieldType)] = []
    /// Field names of named groups that differ from the group name (`c_ip` -> `c-ip`).
    var rename: [(group: Located<String>, field: String)] = []
    var constants: [(name: Located<String>, value: String)] = []
    /// Values that mean "absent" (for example `-` in access logs): such groups produce no field.
    var nullValues: [String] = []
    /// A timestamp-typed group that sets the event time of events that carry none.
    var eventTime: Located<String>?
}
