extension MessageBytes {
    /// The position of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms,
    /// no surrogates, nothing above U+10FFFF), or nil when everything from `start` is valid.
    func firstInvalidUTF8(from start: Int) -> Int? {
        var i = start
        while i < count {
            let b = self[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: return i
            }
            guard i + length <= count else { return i }
            let second = self[i + 1]
            guard second >= low && second <= high else { return i }
            for k in 2..<length where self[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }
}
