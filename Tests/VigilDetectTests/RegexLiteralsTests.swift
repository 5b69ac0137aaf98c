import Testing
import VigilRegex

@testable import VigilDetect

/// The literals the prefilter requires of a `re` value: exactly what the analysis should find, and
/// (the point) never a literal that some match lacks.
struct RegexLiteralsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var pattern: String
        var caseless = false
        /// The folded literals, nil when the pattern must give none.
        var expected: Set<String>?
        var testDescription: String { (caseless ? "(i) " : "") + pattern }
    }

    static let cases: [Case] = [
        // Plain text, folded; the `i` modifier and (?i) alike.
        Case(pattern: "abc", expected: ["abc"]),
        Case(pattern: "ABC", expected: ["abc"]),
        Case(pattern: "ABC", caseless: true, expected: ["abc"]),
        Case(pattern: "(?i)ABC", expected: ["abc"]),
        Case(pattern: #"\.exe"#, expected: [".exe"]),
        Case(pattern: #"\x41\x{42}C"#, expected: ["abc"]),
        Case(pattern: #"a\tb"#, expected: ["a\tb"]),
        Case(pattern: "", expected: nil),
        // Alternation: every branch must give literals.
        Case(pattern: "foo|bar", expected: ["foo", "bar"]),
        Case(pattern: "foo|.*", expected: nil),
        Case(pattern: "foo|", expected: nil),
        Case(pattern: "foo|b", expected: nil),  // a one-byte literal filters nothing
        Case(pattern: "(?:from|for) user", expected: ["from user", "for user"]),
        Case(pattern: "a(b|c)d", expected: ["abd", "acd"]),
        Case(pattern: "x(?:ab|cd)+y", expected: ["ab", "cd"]),
        Case(pattern: "(?:ab|c.)de", expected: ["de"]),
        // Optional and repeated pieces.
        Case(pattern: "colou?r", expected: ["color", "colour"]),
        Case(pattern: "abc?", expected: ["ab"]),
        Case(pattern: "ab*c", expected: nil),
        Case(pattern: "abc*", expected: ["ab"]),
        Case(pattern: "(ab)+c", expected: ["ab"]),
        Case(pattern: "(?:ab)*cd", expected: ["cd"]),
        Case(pattern: "(?:abc)?", expected: nil),
        Case(pattern: "(?:abc){0}xyz", expected: ["xyz"]),
        Case(pattern: "x{3}", expected: ["xxx"]),
        Case(pattern: "(?:ab){2,5}", expected: ["ab"]),
        Case(pattern: "ab+?cd", expected: ["cd"]),
        Case(pattern: "ab*+cd", expected: ["cd"]),
        Case(pattern: "a{x}bcd", expected: ["a{x}bcd"]),
        Case(pattern: "a{,3}bcd", expected: nil),  // a quantifier in PCRE2 10.43, literal before
        Case(pattern: "a{ 3}bcd", expected: nil),
        // Assertions match the empty string.
        Case(pattern: #"\bport\s\d+"#, expected: ["port"]),
        Case(pattern: #"^.*needle(?:x|y)?$"#, expected: ["needle"]),
        Case(pattern: "(?=abc)abd", expected: ["abd"]),
        Case(pattern: "(?=abc)", expected: nil),
        Case(pattern: "(?<=user )root", expected: ["root"]),
        Case(pattern: "(?<!no)thing", expected: ["thing"]),
        Case(pattern: #"\Aabc\z"#, expected: ["abc"]),
        Case(pattern: #"foo\Kbar"#, expected: ["foobar"]),
        // Classes: a few plain characters are exact, anything else one unknown character.
        Case(pattern: "[Ff]oo", expected: ["foo"]),
        Case(pattern: "[^a]bc", expected: ["bc"]),
        Case(pattern: "[]x]yz", expected: ["]yz", "xyz"]),
        Case(pattern: #"[\]]yz"#, expected: ["]yz"]),
        Case(pattern: "[a-c]de", expected: ["de"]),
        Case(pattern: "[ac-]de", expected: ["ade", "cde", "-de"]),
        Case(pattern: "[[:alpha:]]xyz", expected: ["xyz"]),
        Case(pattern: #"[\d.]xyz"#, expected: ["xyz"]),
        Case(pattern: "[abcde]xyz", expected: ["xyz"]),
        Case(pattern: #"\d{3}-\d{4}"#, expected: nil),
        Case(pattern: #"\p{Lu}abc\pL"#, expected: ["abc"]),
        // The generated rules' shapes (scripts/make-many-rules.py).
        Case(pattern: #"\bzZfbdQGof[0-9]{0,3}\b"#, expected: ["zzfbdqgof"]),
        Case(pattern: #"(?i)RaSbiJrAi\s+port"#, expected: ["rasbijrai"]),
        Case(pattern: #"[A-Z]NhnIMSRzL.*ssh2"#, expected: ["nhnimsrzl"]),
        // Options: scoped, switched off, carried into later branches of the same group.
        Case(pattern: "(?i:ABC)def", expected: ["abcdef"]),
        Case(pattern: "abc(?i)DEF|GHI", expected: ["abcdef", "ghi"]),
        Case(pattern: "(?-i)école", caseless: true, expected: ["école"]),
        Case(pattern: "(?i)(?^)École", expected: ["école"]),
        Case(pattern: "(?im)^abc", expected: ["abc"]),
        Case(pattern: "(?#note)abc", expected: ["abc"]),
        // Caseless non-ASCII characters are unknown (PCRE2 and simple folding are only compared on ASCII).
        Case(pattern: "(?i)École", expected: ["cole"]),
        Case(pattern: "École", expected: ["école"]),
        Case(pattern: "(?i)Straße", expected: ["stra"]),
        Case(pattern: "(?i)KELVIN", expected: ["kelvin"]),
        // What is not analysed gives nothing for the whole pattern.
        Case(pattern: #"\Qa.b\E"#, expected: nil),
        Case(pattern: #"(abc)\1"#, expected: nil),
        Case(pattern: "(?x)a b c", expected: nil),
        Case(pattern: "(*UTF)abc", expected: nil),
        Case(pattern: "(a)?(?(1)bc|bd)", expected: nil),
        Case(pattern: "(abc)(?1)", expected: nil),
        Case(pattern: #"(abc)\g1"#, expected: nil),
        Case(pattern: #"\N{U+41}bc"#, expected: nil),
        Case(pattern: "(?P<name>x)(?P=name)abc", expected: nil),
        Case(pattern: "(?<n>abc)def", expected: ["abcdef"]),
        Case(pattern: "(?'n'abc)|(?P<m>xyz)", expected: ["abc", "xyz"]),
        Case(pattern: "(?|(abc)|(abd))", expected: ["abc", "abd"]),
        Case(pattern: "(?>abc|abd)e", expected: ["abce", "abde"]),
    ]

    @Test(arguments: cases)
    func literals(_ test: Case) throws {
        // Every case is a pattern PCRE2 accepts as Sigma's `re` compiles it.
        _ = try Regex(test.pattern, options: test.caseless ? [.utf, .caseInsensitive] : [.utf])
        let found = RegexLiterals.required(pattern: test.pattern, caseless: test.caseless)
        let expected = test.expected.map { Set($0.map { Array($0.utf8) }) }
        #expect(found == expected, "\(found.map { $0.map { String(decoding: $0, as: UTF8.self) } } ?? [])")
    }

    /// PCRE2's caseless matching pairs an ASCII character only with characters that fold to the same
    /// ASCII character (what lets caseless literals be folded): checked over every scalar.
    @Test func caselessASCIIAgreesWithFolding() throws {
        let anyASCII = try Regex(#"(?i)^[\x00-\x7f]$"#, options: [.utf])
        let letters = try (0..<128).map { try Regex("(?i)^\\x{\(String($0, radix: 16))}$", options: [.utf]) }
        let scratch = RegexScratch(limits: .default)
        var pairs = 0
        for value in UInt32(0x80)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            var text = String(Character(scalar))
            let matched = text.withUTF8 { scratch.match(anyASCII, in: UnsafeRawBufferPointer($0)) == .match }
            guard matched else { continue }
            let folded = CaseFolding.fold(scalar: value)
            for (ascii, regex) in letters.enumerated()
            where text.withUTF8({ scratch.match(regex, in: UnsafeRawBufferPointer($0)) == .match }) {
                pairs += 1
                #expect(folded == CaseFolding.fold(scalar: UInt32(ascii)), "U+\(String(value, radix: 16)) ~ \(ascii)")
            }
        }
        #expect(pairs == 4)  // U+017F long s (s, S) and U+212A Kelvin sign (k, K)
    }

    /// Random patterns over a small grammar against random subjects: whenever PCRE2 finds a match, the
    /// folded subject holds one of the pattern's literals.
    @Test func literalsAreInEveryMatchedValue() throws {
        var random = SplitMix(seed: 12)
        let pieces = [
            "ab", "K", "k", "é", "É", "x", "[ab]", "[^a]", ".", #"\d"#, #"\s"#, "(?i)", "(?-i)", #"\b"#, "^", "$", "ſ", "ß",
        ]
        let quantifiers = ["", "", "", "?", "*", "+", "{2}", "{1,2}", "??"]
        let alphabet = ["a", "b", "A", "B", "k", "K", "\u{212A}", "é", "É", "x", "X", " ", "1", "ſ", "s", "S", "ß", "ẞ"]
        let scratch = RegexScratch(limits: .default)
        var checkedMatches = 0
        var withLiterals = 0
        for _ in 0..<3000 {
            func piece(_ depth: Int) -> String {
                if depth < 2 && random.next(6) == 0 {
                    let branches = (0...random.next(2)).map { _ in (0...random.next(3)).map { _ in piece(depth + 1) }.joined() }
                    return "(?:" + branches.joined(separator: "|") + ")" + quantifiers[random.next(quantifiers.count)]
                }
                let text = pieces[random.next(pieces.count)]
                let repeatable = !["(?i)", "(?-i)", #"\b"#, "^", "$"].contains(text)
                return text + (repeatable ? quantifiers[random.next(quantifiers.count)] : "")
            }
            let pattern = (0...random.next(5)).map { _ in piece(0) }.joined(separator: random.next(5) == 0 ? "|" : "")
            let caseless = random.next(3) == 0
            guard let regex = try? Regex(pattern, options: caseless ? [.utf, .caseInsensitive] : [.utf]) else { continue }
            guard let literals = RegexLiterals.required(pattern: pattern, caseless: caseless, minimumLength: 1) else { continue }
            withLiterals += 1
            for _ in 0..<40 {
                var subject = (0..<random.next(8)).map { _ in alphabet[random.next(alphabet.count)] }.joined()
                let matched = subject.withUTF8 { scratch.match(regex, in: UnsafeRawBufferPointer($0)) == .match }
                guard matched else { continue }
                checkedMatches += 1
                let folded = CaseFolding.fold(subject)
                let found = literals.contains { literal in
                    folded.count >= literal.count
                        && (0...(folded.count - literal.count)).contains { folded[$0..<($0 + literal.count)].elementsEqual(literal) }
                }
                #expect(found, "\(caseless ? "(i) " : "")\(pattern) matched \(subject) without any of \(literals)")
            }
        }
        #expect(withLiterals > 500)
        #expect(checkedMatches > 1000)
    }
}

/// A small deterministic generator (SplitMix64) for the property test.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(bound))
    }
}
