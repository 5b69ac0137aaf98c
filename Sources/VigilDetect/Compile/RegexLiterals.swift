/// The literals a regular expression needs: a set of which at least one occurs (case-folded) in every
/// value that the pattern finds a match in, so that the literal prefilter can skip a `re` rule on
/// values that contain none of them.
///
/// The analysis reads PCRE2 syntax (UTF mode, as Sigma's `re` is compiled) and is conservative: any
/// construct it does not fully understand (backreferences, recursion, conditionals, verbs, `\Q`,
/// extended mode, ...) gives no literals for the whole pattern, and the rule is then evaluated on
/// every event. What it understands:
///
/// - each node is either *exact* (it matches exactly one of a few strings: `abc`, `(?:from|for)`,
///   `[Ff]`, `x?`) or has *required* literals (one of them is inside every match of the node);
/// - a sequence concatenates exact pieces (bounded cross product) and takes, of the rest, the most
///   selective requirement: every piece matches, so every piece's requirement holds;
/// - an alternation needs a requirement from every branch and unites them;
/// - a quantifier with minimum 0 makes a piece optional (exact `{"", ...}` or nothing), with minimum
///   1 or more it keeps the piece's requirement; assertions (`^`, `\b`, lookarounds) match the empty
///   string; classes other than a few plain characters, `.`, `\d`, ... match one unknown character.
///
/// Literals are folded with ``CaseFolding`` as the prefilter scans folded values. A case-sensitive
/// literal `L` in a value puts `fold(L)` in the folded value (folding maps scalar by scalar). Under
/// caseless matching (`(?i)`, the `i` modifier) only ASCII characters are kept: PCRE2 matches them
/// caselessly exactly to the characters that fold to the same ASCII letter (`k`, `K`, U+212A; `s`,
/// `S`, U+017F; checked by a test over every scalar); other characters count as unknown.
enum RegexLiterals {
    /// Exact sets larger than this become requirements.
    static let maximumExact = 16
    /// Alternations uniting more literals than this give none.
    static let maximumRequired = 256
    /// Patterns nested deeper than this give no literals (PCRE2 allows 250 by default).
    static let maximumDepth = 200

    /// The folded literals one of which every matched value contains, or nil when the analysis found
    /// none (or none of at least `minimumLength` bytes).
    static func required(pattern: String, caseless: Bool, minimumLength: Int = 2) -> Set<[UInt8]>? {
        var parser = Parser(bytes: Array(pattern.utf8), caseless: caseless)
        guard let info = try? parser.parseAll(), let literals = info.requirement else { return nil }
        guard let shortest = literals.map(\.count).min(), shortest >= minimumLength else { return nil }
        return minimized(literals)
    }

    /// Drops literals that contain another literal of the set: wherever one of them occurs, so does
    /// the shorter one (`abc?` needs `ab`, not `ab` or `abc`).
    static func minimized(_ literals: Set<[UInt8]>) -> Set<[UInt8]> {
        // Shortest first: distinct literals of one length never contain each other.
        var kept: [[UInt8]] = []
        for literal in literals.sorted(by: { $0.count < $1.count }) where !kept.contains(where: { contains(literal, $0) }) {
            kept.append(literal)
        }
        return Set(kept)
    }

    private static func contains(_ text: [UInt8], _ part: [UInt8]) -> Bool {
        guard part.count <= text.count else { return false }
        if part.isEmpty { return true }
        for start in 0...(text.count - part.count) where text[start..<(start + part.count)].elementsEqual(part) { return true }
        return false
    }

    /// What a node guarantees about its matches.
    struct Info: Equatable {
        /// The node matches exactly one of these (folded) strings.
        var exact: Set<[UInt8]>?
        /// One of these (folded, non-empty) literals is inside every match; nil: nothing known.
        var required: Set<[UInt8]>?

        static let empty = Info(exact: [[]], required: nil)
        static let unknown = Info(exact: nil, required: nil)

        /// Required literals, taking an exact set as one when none of its strings is empty.
        var requirement: Set<[UInt8]>? {
            if let exact {
                return exact.contains([]) ? nil : exact
            }
            return required
        }
    }

    /// The analysis gave up on this pattern.
    struct Unsupported: Error {}

    /// Whether requirement `a` filters better than `b`: longer shortest literals first, then fewer.
    static func isBetter(_ a: Set<[UInt8]>, than b: Set<[UInt8]>) -> Bool {
        let shortestA = min(a.map(\.count).min() ?? 0, 16)
        let shortestB = min(b.map(\.count).min() ?? 0, 16)
        if shortestA != shortestB { return shortestA > shortestB }
        return a.count < b.count
    }

    static func better(_ a: Set<[UInt8]>?, _ b: Set<[UInt8]>?) -> Set<[UInt8]>? {
        guard let a else { return b }
        guard let b else { return a }
        return isBetter(b, than: a) ? b : a
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0
        var caseless: Bool
        var depth = 0

        init(bytes: [UInt8], caseless: Bool) {
            self.bytes = bytes
            self.caseless = caseless
        }

        var atEnd: Bool { index >= bytes.count }
        var current: UInt8 { bytes[index] }

        func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        mutating func parseAll() throws(Unsupported) -> Info {
            let info = try parseAlternation()
            guard atEnd else { throw Unsupported() }  // an unbalanced `)`
            return info
        }

        /// `sequence ('|' sequence)*`, up to a `)` or the end. Option changes made inside carry over
        /// to later branches (PCRE2) and end with the group, which restores them.
        mutating func parseAlternation() throws(Unsupported) -> Info {
            depth += 1
            defer { depth -= 1 }
            guard depth <= RegexLiterals.maximumDepth else { throw Unsupported() }
            var branches: [Info] = [try parseSequence()]
            while !atEnd && current == UInt8(ascii: "|") {
                index += 1
                branches.append(try parseSequence())
            }
            if branches.count == 1 { return branches[0] }
            if branches.allSatisfy({ $0.exact != nil }) {
                let union = branches.reduce(into: Set<[UInt8]>()) { $0.formUnion($1.exact!) }
                if union.count <= RegexLiterals.maximumExact { return Info(exact: union, required: nil) }
            }
            var union = Set<[UInt8]>()
            for branch in branches {
                guard let requirement = branch.requirement else { return .unknown }
                union.formUnion(requirement)
                if union.count > RegexLiterals.maximumRequired { return .unknown }
            }
            return Info(exact: nil, required: union)
        }

        /// Quantified atoms up to `|`, `)` or the end.
        mutating func parseSequence() throws(Unsupported) -> Info {
            var run: Set<[UInt8]> = [[]]
            var wholeIsExact = true
            var best: Set<[UInt8]>? = nil
            while !atEnd && current != UInt8(ascii: "|") && current != UInt8(ascii: ")") {
                guard let atom = try parseAtom() else { continue }
                let piece = try parseQuantifier(of: atom)
                if let exact = piece.exact, run.count * exact.count <= RegexLiterals.maximumExact {
                    run = RegexLiterals.product(run, exact)
                    continue
                }
                wholeIsExact = false
                best = RegexLiterals.better(best, Info(exact: run, required: nil).requirement)
                if let exact = piece.exact {
                    run = exact
                } else {
                    best = RegexLiterals.better(best, piece.required)
                    run = [[]]
                }
            }
            if wholeIsExact { return Info(exact: run, required: nil) }
            best = RegexLiterals.better(best, Info(exact: run, required: nil).requirement)
            return Info(exact: nil, required: best)
        }

        /// One atom, or nil for what matches nothing and takes no quantifier (an option setting).
        mutating func parseAtom() throws(Unsupported) -> Info? {
            let b = current
            switch b {
            case UInt8(ascii: "^"), UInt8(ascii: "$"):
                index += 1
                return .empty
            case UInt8(ascii: "."):
                index += 1
                return .unknown
            case UInt8(ascii: "["):
                return try parseClass()
            case UInt8(ascii: "("):
                return try parseGroup()
            case UInt8(ascii: "\\"):
                return try parseEscape()
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                throw Unsupported()  // a quantifier with nothing to repeat: PCRE2 refuses it anyway
            case UInt8(ascii: "{"):
                if quantifierBounds(at: index) != nil || looksLikeQuantifier(at: index) { throw Unsupported() }
                index += 1
                return character(UInt32(b))
            default:
                return character(try scalar())
            }
        }

        /// Decodes the UTF-8 scalar at the cursor and moves past it.
        mutating func scalar() throws(Unsupported) -> UInt32 {
            let (value, length) = bytes.withUnsafeBufferPointer { buffer in
                buffer[index] < 0x80 ? (UInt32(buffer[index]), 1) : CaseFolding.decode(buffer.baseAddress! + index, buffer.count - index)
            }
            guard length > 0 else { throw Unsupported() }
            index += length
            return value
        }

        /// A literal character as an atom: its folded UTF-8, or unknown for a non-ASCII character
        /// matched caselessly.
        func character(_ value: UInt32) -> Info {
            guard let folded = RegexLiterals.folded(value, caseless: caseless) else { return .unknown }
            return Info(exact: [folded], required: nil)
        }

        /// `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}` (each maybe lazy `?` or possessive `+`) after an atom.
        mutating func parseQuantifier(of atom: Info) throws(Unsupported) -> Info {
            guard !atEnd else { return atom }
            var minimum: Int
            var maximum: Int?
            switch current {
            case UInt8(ascii: "?"):
                (minimum, maximum) = (0, 1)
                index += 1
            case UInt8(ascii: "*"):
                (minimum, maximum) = (0, nil)
                index += 1
            case UInt8(ascii: "+"):
                (minimum, maximum) = (1, nil)
                index += 1
            case UInt8(ascii: "{"):
                if let (bounds, length) = quantifierBounds(at: index) {
                    (minimum, maximum) = bounds
                    index += length
                } else if looksLikeQuantifier(at: index) {
                    throw Unsupported()  // `{,3}`, `{ 2}`: PCRE2 versions read these differently
                } else {
                    return atom  // a literal `{`, the next atom
                }
            default:
                return atom
            }
            if !atEnd && (current == UInt8(ascii: "?") || current == UInt8(ascii: "+")) { index += 1 }
            if !atEnd && (current == UInt8(ascii: "?") || current == UInt8(ascii: "*") || current == UInt8(ascii: "+")) {
                throw Unsupported()
            }
            if minimum == 0 {
                if maximum == 0 { return .empty }
                if maximum == 1, let exact = atom.exact, exact.count < RegexLiterals.maximumExact {
                    return Info(exact: exact.union([[]]), required: nil)
                }
                return .unknown
            }
            if minimum == maximum, let exact = atom.exact, minimum <= 8 {
                var repeated: Set<[UInt8]> = [[]]
                for _ in 0..<minimum {
                    guard repeated.count * exact.count <= RegexLiterals.maximumExact else {
                        return Info(exact: nil, required: atom.requirement)
                    }
                    repeated = RegexLiterals.product(repeated, exact)
                }
                return Info(exact: repeated, required: nil)
            }
            return Info(exact: nil, required: atom.requirement)
        }

        /// `{n}`, `{n,}` or `{n,m}` with digits only (what every PCRE2 version reads as a quantifier),
        /// and the bytes it takes.
        func quantifierBounds(at start: Int) -> ((Int, Int?), Int)? {
            var i = start + 1
            func number() -> Int? {
                var value = 0
                var digits = 0
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39, digits < 6 {
                    value = value * 10 + Int(bytes[i] - 0x30)
                    digits += 1
                    i += 1
                }
                return digits > 0 ? value : nil
            }
            guard let low = number() else { return nil }
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "}") { return ((low, low), i + 1 - start) }
            guard bytes[i] == UInt8(ascii: ",") else { return nil }
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return ((low, nil), i + 1 - start) }
            guard let high = number(), i < bytes.count, bytes[i] == UInt8(ascii: "}") else { return nil }
            return ((low, high), i + 1 - start)
        }

        /// A `{` followed by a digit, comma or space: some PCRE2 version may read it as a quantifier.
        func looksLikeQuantifier(at start: Int) -> Bool {
            guard start + 1 < bytes.count else { return false }
            let next = bytes[start + 1]
            return (next >= 0x30 && next <= 0x39) || next == UInt8(ascii: ",") || next == UInt8(ascii: " ")
                || next == UInt8(ascii: "\t")
        }
    }

    static func product(_ a: Set<[UInt8]>, _ b: Set<[UInt8]>) -> Set<[UInt8]> {
        var result = Set<[UInt8]>()
        for x in a {
            for y in b { result.insert(x + y) }
        }
        return result
    }

    /// The folded UTF-8 of a literal character, or nil when caseless matching may take characters
    /// that fold differently (non-ASCII under `(?i)`).
    static func folded(_ value: UInt32, caseless: Bool) -> [UInt8]? {
        if caseless && value >= 0x80 { return nil }
        guard Unicode.Scalar(value) != nil else { return nil }
        var buffer: [UInt8] = [0, 0, 0, 0]
        let length = buffer.withUnsafeMutableBufferPointer { CaseFolding.encode(CaseFolding.fold(scalar: value), to: $0.baseAddress!) }
        return Array(buffer[0..<length])
    }
}
