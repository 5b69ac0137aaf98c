/// One test case embedded in a decoder file: an input line and what decoding it must produce.
public struct DecoderTestCase: Sendable, Hashable {
    /// The decoder file, as given when loading.
    public var file: String
    /// 1-based line of the case in that file.
    public var line: Int
    /// The log line, exactly as it would arrive (syslog header included, or a plain access-log line).
    public var input: String
    /// The decoder that must match, or nil when no decoder may match.
    public var expectedDecoder: String?
    /// Every field the decoder must produce, as (name, value) pairs; nothing more, nothing less.
    public var expectedFields: [ExpectedField]

    /// A decoded field a test case expects.
    public struct ExpectedField: Sendable, Hashable, Comparable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        public static func < (lhs: ExpectedField, rhs: ExpectedField) -> Bool {
            (lhs.name, lhs.value) < (rhs.name, rhs.value)
        }
    }

    public init(file: String, line: Int, input: String, expectedDecoder: String?, expectedFields: [ExpectedField]) {
        self.file = file
        self.line = line
        self.input = input
        self.expectedDecoder = expectedDecoder
        self.expectedFields = expectedFields
    }
}
