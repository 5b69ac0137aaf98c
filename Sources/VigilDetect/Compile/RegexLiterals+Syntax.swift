extension RegexLiterals.Parser {
    /// `( ... )` in its forms: capture, non-capture, atomic, branch reset, named, option-setting,
    /// lookaround (which matches the empty string), comment. Everything else gives up.
    mutating func parseGroup() throws(RegexLiterals.Unsupported) -> RegexLiterals.Info? {
        index += 1  // (
        guard let next = peek() else { throw RegexLiterals.Unsupported() }
        if next == UInt8(ascii: "*") { throw RegexLiterals.Unsupported() }  // verbs, (*UTF), (*pla:...)
        guard next == UInt8(ascii: "?") else { return try groupBody(caseless: caseless) }
        index += 1
        guard let kind = peek() else { throw RegexLiterals.Unsupported() }
        switch kind {
        case UInt8(ascii: ":"), UInt8(ascii: "|"), UInt8(ascii: ">"):
            index += 1
            return try groupBody(caseless: caseless)
        case UInt8(ascii: "="), UInt8(ascii: "!"):
            index += 1
            _ = try groupBody(caseless: caseless)
            return .empty
        case UInt8(ascii: "<"):
            if let after = peek(1), after == UInt8(ascii: "=") || after == UInt8(ascii: "!") {
                index += 2
                _ = try groupBody(caseless: caseless)
                return .empty
            }
            index += 1
            try skipName(until: UInt8(ascii: ">"))
            return try groupBody(caseless: caseless)
        case UInt8(ascii: "'"):
            index += 1
            try skipName(until: UInt8(ascii: "'"))
            return try groupBody(caseless: caseless)
        case UInt8(ascii: "P"):
            guard peek(1) == UInt8(ascii: "<") else { throw RegexLiterals.Unsupported() }  // (?P=name), (?P>name)
            index += 2
            try skipName(until: UInt8(ascii: ">"))
            return try groupBody(caseless: caseless)
        case UInt8(ascii: "#"):
            while !atEnd && current != UInt8(ascii: ")") { index += 1 }
            guard !atEnd else { throw RegexLiterals.Unsupported() }
            index += 1
            return nil
        default:
            return try optionGroup()
        }
    }

    /// `(?flags)` (changes the options for the rest of the enclosing group) or `(?flags:...)`.
    /// Only `i` matters here; extended mode (`x`) changes the syntax and gives up.
    private mutating func optionGroup() throws(RegexLiterals.Unsupported) -> RegexLiterals.Info? {
        var setting = caseless
        var negate = false
        while !atEnd {
            let b = current
            index += 1
            switch b {
            case UInt8(ascii: "i"): setting = !negate
            case UInt8(ascii: "m"), UInt8(ascii: "s"), UInt8(ascii: "n"), UInt8(ascii: "U"), UInt8(ascii: "J"): break
            case UInt8(ascii: "-"):
                guard !negate else { throw RegexLiterals.Unsupported() }
                negate = true
            case UInt8(ascii: "^"):
                guard !negate else { throw RegexLiterals.Unsupported() }
                setting = false
            case UInt8(ascii: ")"):
                caseless = setting
                return nil
            case UInt8(ascii: ":"):
                return try groupBody(caseless: setting)
            default:
                throw RegexLiterals.Unsupported()  // x, xx, digits (recursion), &name, R, C, (?( ...
            }
        }
        throw RegexLiterals.Unsupported()
    }

    /// A group's alternation up to its `)`, under `caseless`; the enclosing options come back after.
    private mutating func groupBody(caseless inner: Bool) throws(RegexLiterals.Unsupported) -> RegexLiterals.Info {
        let outer = caseless
        caseless = inner
        let info = try parseAlternation()
        caseless = outer
        guard !atEnd, current == UInt8(ascii: ")") else { throw RegexLiterals.Unsupported() }
        index += 1
        return info
    }

    private mutating func skipName(until terminator: UInt8) throws(RegexLiterals.Unsupported) {
        while !atEnd && current != terminator {
            let b = current
            let word = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
            guard word else { throw RegexLiterals.Unsupported() }
            index += 1
        }
        guard !atEnd else { throw RegexLiterals.Unsupported() }
        index += 1
    }

    /// A backslash sequence outside a class.
    mutating func parseEscape() throws(RegexLiterals.Unsupported) -> RegexLiterals.Info {
        index += 1  // backslash
        guard !atEnd else { throw RegexLiterals.Unsupported() }
        let b = current
        switch b {
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "Z"), UInt8(ascii: "z"), UInt8(ascii: "G"),
            UInt8(ascii: "K"):
            index += 1
            return .empty
        case UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "w"), UInt8(ascii: "W"), UInt8(ascii: "s"), UInt8(ascii: "S"),
            UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "v"), UInt8(ascii: "V"), UInt8(ascii: "R"), UInt8(ascii: "X"):
            index += 1
            return .unknown
        case UInt8(ascii: "N"):
            index += 1
            if !atEnd && current == UInt8(ascii: "{") { throw RegexLiterals.Unsupported() }  // \N{U+hh}
            return .unknown
        case UInt8(ascii: "p"), UInt8(ascii: "P"):
            index += 1
            try skipProperty()
            return .unknown
        default:
            if let value = try escapedCharacter() { return character(value) }
            throw RegexLiterals.Unsupported()
        }
    }

    /// After `\p` or `\P`: `{name}` or one letter.
    mutating func skipProperty() throws(RegexLiterals.Unsupported) {
        guard !atEnd else { throw RegexLiterals.Unsupported() }
        if current == UInt8(ascii: "{") {
            while !atEnd && current != UInt8(ascii: "}") { index += 1 }
            guard !atEnd else { throw RegexLiterals.Unsupported() }
        }
        index += 1
    }

    /// The character an escape stands for (cursor after the backslash): `\n`, `\t`, `\xhh`,
    /// `\x{h...}`, an escaped non-alphanumeric character; nil for escapes that are not one
    /// character (the caller decides), having consumed nothing.
    mutating func escapedCharacter() throws(RegexLiterals.Unsupported) -> UInt32? {
        let b = current
        let control: UInt32? =
            switch b {
            case UInt8(ascii: "a"): 0x07
            case UInt8(ascii: "e"): 0x1B
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let control {
            index += 1
            return control
        }
        switch b {
        case UInt8(ascii: "x"):
            index += 1
            return try hexCharacter()
        default:
            let alphanumeric = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            // Backreferences, octal, \c, \g, \k, \o, \Q...\E, \E, \u...: not analysed.
            if alphanumeric { return nil }
            return try scalar()
        }
    }

    /// `hh` (up to two hex digits) or `{h...}` after `\x`.
    private mutating func hexCharacter() throws(RegexLiterals.Unsupported) -> UInt32 {
        func hex(_ b: UInt8) -> UInt32? { IPNetwork.hexValue(b).map(UInt32.init) }
        var value: UInt32 = 0
        if !atEnd && current == UInt8(ascii: "{") {
            index += 1
            var digits = 0
            while !atEnd, let digit = hex(current) {
                value = value << 4 | digit
                digits += 1
                index += 1
                guard digits <= 6 else { throw RegexLiterals.Unsupported() }
            }
            guard digits > 0, !atEnd, current == UInt8(ascii: "}") else { throw RegexLiterals.Unsupported() }
            index += 1
            return value
        }
        var digits = 0
        while digits < 2, !atEnd, let digit = hex(current) {
            value = value << 4 | digit
            digits += 1
            index += 1
        }
        return value
    }

    /// `[...]`: a few plain characters are an exact set; negated classes, ranges, POSIX classes and
    /// escapes such as `\d` match one unknown character. The class is read to its real end.
    mutating func parseClass() throws(RegexLiterals.Unsupported) -> RegexLiterals.Info {
        index += 1  // [
        var negated = false
        if !atEnd && current == UInt8(ascii: "^") {
            negated = true
            index += 1
        }
        var members: [UInt32] = []
        var complex = false
        var first = true
        while true {
            guard !atEnd else { throw RegexLiterals.Unsupported() }
            let b = current
            if b == UInt8(ascii: "]") && !first {
                index += 1
                break
            }
            first = false
            if b == UInt8(ascii: "[") {
                guard let kind = peek(1) else { throw RegexLiterals.Unsupported() }
                if kind == UInt8(ascii: ":") {
                    try skipPOSIXClass()
                    complex = true
                    continue
                }
                if kind == UInt8(ascii: ".") || kind == UInt8(ascii: "=") { throw RegexLiterals.Unsupported() }
            }
            if b == UInt8(ascii: "-") {
                // A range unless it is the last character; ranges are not enumerated.
                index += 1
                if !atEnd && current != UInt8(ascii: "]") { complex = true } else { members.append(UInt32(b)) }
                continue
            }
            if b == UInt8(ascii: "\\") {
                index += 1
                guard !atEnd else { throw RegexLiterals.Unsupported() }
                switch current {
                case UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "w"), UInt8(ascii: "W"), UInt8(ascii: "s"), UInt8(ascii: "S"),
                    UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "v"), UInt8(ascii: "V"):
                    index += 1
                    complex = true
                case UInt8(ascii: "p"), UInt8(ascii: "P"):
                    index += 1
                    try skipProperty()
                    complex = true
                case UInt8(ascii: "b"):
                    index += 1
                    members.append(0x08)
                default:
                    guard let value = try escapedCharacter() else { throw RegexLiterals.Unsupported() }
                    members.append(value)
                }
                continue
            }
            members.append(try scalar())
        }
        if negated || complex || members.count > 4 { return .unknown }
        var exact = Set<[UInt8]>()
        for member in members {
            guard let folded = RegexLiterals.folded(member, caseless: caseless) else { return .unknown }
            exact.insert(folded)
        }
        return RegexLiterals.Info(exact: exact, required: nil)
    }

    /// `[:name:]` inside a class.
    private mutating func skipPOSIXClass() throws(RegexLiterals.Unsupported) {
        index += 2
        while !atEnd && current != UInt8(ascii: ":") { index += 1 }
        guard peek(1) == UInt8(ascii: "]") else { throw RegexLiterals.Unsupported() }
        index += 2
    }
}
