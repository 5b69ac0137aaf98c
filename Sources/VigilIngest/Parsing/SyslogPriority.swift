import VigilEvent

extension MessageBytes {
    /// Parses `<PRIVAL>` at `i` (RFC 5424 §6.2.1, which RFC 3164 shares): 1 to 3 digits without a
    /// leading zero, 0 ... 191. Sets facility and severity and moves `i` past the `>`; on failure `i` is
    /// where it went wrong.
    @inline(__always)
    func parsePriority(at i: inout Int, into event: inout Event) -> Bool {
        guard at(i) == ASCII.lessThan else { return false }
        i += 1
        var value = 0
        var digits = 0
        while i < count, ASCII.isDigit(self[i]) {
            if digits == 3 || (digits == 1 && value == 0) { return false }
            value = value * 10 + Int(self[i] &- 0x30)
            digits += 1
            i += 1
        }
        guard digits > 0, value <= 191 else { return false }
        guard at(i) == ASCII.greaterThan else { return false }
        i += 1
        event.facility = UInt8(value >> 3)
        event.severity = UInt8(value & 7)
        return true
    }
}
