import Testing
import VigilDetect
import VigilEvent

/// Matching semantics the oracle cannot judge (Unicode, syslog events, routing) or judges
/// differently: each case is a detection section, JSON events and the events it must match.
struct SigmaMatchingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var detection: String
        var events: [String]
        var expected: [Int]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "simple case folding: final sigma, Kelvin sign, long s",
            detection: "sel:\n    Name: 'ΣΊΣΥΦΟΣ'\nsel2:\n    Unit: 'k'\nsel3:\n    Word: 'STRASSE'\ncondition: 1 of sel*",
            events: [
                #"{"Name": "σίσυφος"}"#, #"{"Name": "σίσυφοσ"}"#, #"{"Unit": "\u212a"}"#, #"{"Word": "ſtraſſe"}"#, #"{"Word": "straße"}"#,
            ],
            expected: [0, 1, 2, 3]),
        Case(
            name: "dotted capital I has no simple folding",
            detection: "sel:\n    Name: 'İstanbul'\ncondition: sel",
            events: [#"{"Name": "istanbul"}"#, #"{"Name": "İSTANBUL"}"#, #"{"Name": "i̇stanbul"}"#], expected: [1]),
        Case(
            name: "question mark is one character, not one byte",
            detection: "sel:\n    Name: 'caf?'\ncondition: sel",
            events: [#"{"Name": "café"}"#, #"{"Name": "cafe"}"#, #"{"Name": "caf"}"#, #"{"Name": "caféé"}"#], expected: [0, 1]),
        Case(
            name: "escapes: backslash-star is a literal star, double backslash-star a backslash and a wildcard",
            detection: "a:\n    P: 'C:\\Windows\\*'\nb:\n    Q: 'x\\*y'\nc:\n    R: 'x\\\\*'\nd:\n    S: 'x\\\\\\*'\ncondition: 1 of them",
            events: [
                #"{"P": "c:\\windows*"}"#, #"{"Q": "x*y"}"#, #"{"Q": "xzy"}"#, #"{"R": "x\\anything"}"#, #"{"S": "x\\*"}"#,
                #"{"S": "x\\z"}"#, #"{"P": "c:\\windows\\system32"}"#,
            ],
            expected: [0, 1, 3, 4]),
        Case(
            name: "keywords search string values of JSON events, not numbers",
            detection: "keywords:\n    - 'needle'\n    - '4242'\ncondition: keywords",
            events: [#"{"a": "hayneedlehay"}"#, #"{"a": 4242}"#, #"{"nested": {"b": "x NEEDLE"}}"#, #"{"a": "4242"}"#], expected: [0, 2, 3]),
        Case(
            name: "arrays: any element matches; all needs each value somewhere",
            detection: "a:\n    Tags: 'blue'\nb:\n    Tags|all:\n        - red\n        - green\ncondition: a or b",
            events: [#"{"Tags": ["red", "blue"]}"#, #"{"Tags": ["red", "green"]}"#, #"{"Tags": ["red"]}"#], expected: [0, 1]),
        Case(
            name: "null matches absent and JSON null; empty string only the empty value",
            detection: "n:\n    F: null\ne:\n    G: ''\ncondition: n and e",
            events: [#"{"G": ""}"#, #"{"F": null, "G": ""}"#, #"{"F": "", "G": ""}"#, #"{"F": null, "G": null}"#], expected: [0, 1]),
        Case(
            name: "neq negates: absent fields match",
            detection: "sel:\n    F|neq: a\ncondition: sel",
            events: [#"{"F": "a"}"#, #"{"F": "b"}"#, #"{"G": "a"}"#], expected: [1, 2]),
        Case(
            name: "numbers compare as strings unless a numeric modifier",
            detection: "a:\n    N: 10\nb:\n    M|gte: 10\ncondition: a or b",
            events: [#"{"N": 10}"#, #"{"N": "10"}"#, #"{"N": 10.0}"#, #"{"M": "1e1"}"#, #"{"M": "abc"}"#, #"{"M": 9.5}"#],
            expected: [0, 1, 3]),
        Case(
            name: "cidr: IPv4-mapped IPv6 is the IPv4 host; garbage never matches",
            detection: "sel:\n    IP|cidr: 192.168.0.0/16\ncondition: sel",
            events: [#"{"IP": "::ffff:192.168.3.4"}"#, #"{"IP": "192.168.300.1"}"#, #"{"IP": "192.168.1.1"}"#, #"{"IP": "host"}"#],
            expected: [0, 2]),
        Case(
            name: "windash covers every dash character, anywhere",
            detection: "sel:\n    C|windash|contains: 'a-b-c'\ncondition: sel",
            events: [#"{"C": "x a/b–c"}"#, #"{"C": "a―b—c"}"#, #"{"C": "a_b-c"}"#], expected: [0, 1]),
        Case(
            name: "a list of conditions is OR",
            detection: "a:\n    X: 1\nb:\n    Y: 2\ncondition:\n    - a\n    - b",
            events: [#"{"X": 1}"#, #"{"Y": 2}"#, #"{"Z": 3}"#], expected: [0, 1]),
        Case(
            name: "fieldref with neq: fields differ",
            detection: "sel:\n    A|fieldref|neq: B\ncondition: sel",
            events: [#"{"A": "x", "B": "X"}"#, #"{"A": "x", "B": "y"}"#], expected: [1]),
    ]

    @Test(arguments: cases)
    func matches(_ test: Case) {
        let indented = test.detection.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
        let yaml = "title: case\nlogsource:\n    product: test\ndetection:\n\(indented)\n"
        let options = SigmaDetectOptions(defaultLogsource: SigmaLogsource(product: "test"))
        let (ruleSet, diagnostics) = SigmaTesting.compile(yaml, options: options)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let batch = TestEvents.json(test.events)
        #expect(SigmaTesting.matchingEvents(ruleSet, batch) == test.expected)
        // The prefilter never changes the answer.
        let (unfiltered, _) = SigmaTesting.compile(
            yaml, options: SigmaDetectOptions(defaultLogsource: SigmaLogsource(product: "test"), literalPrefilter: false))
        #expect(SigmaTesting.matchingEvents(unfiltered, batch) == test.expected)
    }
}
