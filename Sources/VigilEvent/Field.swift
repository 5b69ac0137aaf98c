/// The JSON type of a field's value. The value itself is always the text in the batch's bytes,
/// so numbers keep their exact spelling (Sigma compares numbers as strings unless told otherwise).
public enum FieldKind: UInt8, Sendable {
    /// Text; the bytes are the unescaped UTF-8 value.
    case string
    /// A number as written (`42`, `-1.5e3`).
    case number
    /// `true` or `false`.
    case boolean
    /// JSON `null`: present but without a value. Sigma's `null` matches it and absent fields alike.
    case null
}

/// One named value of an event: parsed from JSON or structured data, or extracted by a decoder.
///
/// A field is 16 bytes and holds no references: its name is a ``Symbol`` and its value a ``ByteRange``
/// into the batch. A JSON array becomes several fields with the same name, one per element, so that
/// matching "any element" is the same loop as matching a single value.
public struct Field: Sendable {
    public var name: Symbol
    public var value: ByteRange
    public var kind: FieldKind

    @inlinable
    public init(name: Symbol, value: ByteRange, kind: FieldKind = .string) {
        self.name = name
        self.value = value
        self.kind = kind
    }
}

/// A contiguous run of fields inside ``EventBatch/fields``.
public struct FieldSpan: Hashable, Sendable {
    public var start: UInt32
    public var count: UInt32

    @inlinable
    public init(start: Int, count: Int) {
        self.start = UInt32(start)
        self.count = UInt32(count)
    }

    @inlinable public var range: Range<Int> { Int(start)..<Int(start + count) }
    @inlinable public var isEmpty: Bool { count == 0 }

    public static let empty = FieldSpan(start: 0, count: 0)
}
