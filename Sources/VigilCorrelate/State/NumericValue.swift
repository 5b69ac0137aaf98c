/// Reads measured values of `value_sum`, `value_avg` and percentiles: a JSON number, optionally
/// surrounded by blanks. Anything else (`abc`, `0x10`, `inf`, `1,5`) is no number and is left out of the
/// aggregate, as the reference implementation does.
enum NumericValue {
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Double? {
        parse(String(decoding: bytes, as: UTF8.self))
    }

    static func parse(_ text: String) -> Double? {
        var bytes = Substring(text).utf8[...]
        while let first = bytes.first, first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { bytes = bytes.dropLast() }
        guard isJSONNumber(bytes) else { return nil }
        guard let value = Double(Substring(bytes)), value.isFinite else { return nil }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    static func isJSONNumber(_ bytes: Substring.UTF8View) -> Bool {
        var i = bytes.startIndex
        func at(_ index: Substring.UTF8View.Index) -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }
        func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if at(i) == 0x2D { i = bytes.index(after: i) }
        guard isDigit(at(i)) else { return false }
        if at(i) == 0x30 {
            i = bytes.index(after: i)
        } else {
            while isDigit(at(i)) { i = bytes.index(after: i) }
        }
        if at(i) == 0x2E {
            i = bytes.index(after: i)
            guard isDigit(at(i)) else { return false }
            while isDigit(at(i)) { i = bytes.index(after: i) }
        }
        if at(i) == 0x65 || at(i) == 0x45 {
            i = bytes.index(after: i)
            if at(i) == 0x2B || at(i) == 0x2D { i = bytes.index(after: i) }
            guard isDigit(at(i)) else { return false }
            while isDigit(at(i)) { i = bytes.index(after: i) }
        }
        return i == bytes.endIndex
    }
}
