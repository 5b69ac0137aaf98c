import Testing
import VigilEvent

@testable import VigilDetect

/// The literal prefilter: which rules get needles (literals, regex literals, networks), that they
/// spare evaluations, and that they never change what matches.
struct PrefilterTests {
    static let networks = [
        "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "0.0.0.0/0", "192.168.0.0/16", "203.0.113.0/24", "2001:db8::/32",
        "2001:db8:1::/48", "::1/128", "::/0", "::ffff:0:0/96", "fe80::/10", "10.200.0.0/13",
    ]

    static let addresses = [
        "10.1.2.3", "10.1.2.4", "10.1.9.9", "10.9.9.9", "11.0.0.1", "192.168.77.1", "203.0.113.250", "10.203.4.5", "::ffff:10.1.2.3",
        "::ffff:a01:203", "::FFFF:192.168.1.1", "2001:db8::1", "2001:db8:1:2::3", "2001:db9::1", "::1", "::", "fe80::1", "febf::1",
        "fec0::1", "10.1.2", "1.2.3.4.5", "host", "", "256.1.1.1", "fe80::1%eth0", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
        "::ffff:1.2.3.4:5",
    ]

    /// An address finds exactly the networks whose `cidr` test it passes.
    @Test func networkIndexFindsExactlyTheContainingNetworks() {
        let parsed = PrefilterTests.networks.map { IPNetwork(parsing: $0)! }
        let index = NetworkIndex(parsed, offset: 100)
        var random = SplitMix(seed: 7)
        var addresses = PrefilterTests.addresses
        for _ in 0..<3000 {
            switch random.next(3) {
            case 0: addresses.append("10.\(random.next(256)).\(random.next(4)).\(random.next(256))")
            case 1: addresses.append("\(random.next(256)).\(random.next(256)).\(random.next(256)).\(random.next(256))")
            default: addresses.append("2001:db8:\(String(random.next(3), radix: 16))::\(String(random.next(65536), radix: 16))")
            }
        }
        var found: [Int32] = []
        for address in addresses {
            let bytes = Array(address.utf8)
            found.removeAll()
            bytes.withUnsafeBytes { index.lookup($0, into: &found) }
            let expected = parsed.indices.filter { i in bytes.withUnsafeBytes { parsed[i].contains($0) } }.map { Int32($0 + 100) }
            #expect(found.sorted() == expected, "\(address)")
        }
    }

    struct Address: Sendable, CustomTestStringConvertible {
        var text: String
        var value: (high: UInt64, low: UInt64)?
        var testDescription: String { text }
    }

    @Test(arguments: [
        Address(text: "::", value: (0, 0)),
        Address(text: "::1", value: (0, 1)),
        Address(text: "1::", value: (0x0001_0000_0000_0000, 0)),
        Address(text: "2001:db8::1", value: (0x2001_0DB8_0000_0000, 1)),
        Address(text: "1:2:3:4:5:6:7:8", value: (0x0001_0002_0003_0004, 0x0005_0006_0007_0008)),
        Address(text: "1:2:3:4:5:6:7::", value: (0x0001_0002_0003_0004, 0x0005_0006_0007_0000)),
        Address(text: "::2:3:4:5:6:7:8", value: (0x0000_0002_0003_0004, 0x0005_0006_0007_0008)),
        Address(text: "::ffff:1.2.3.4", value: (0, 0xFFFF_0102_0304)),
        Address(text: "1:2:3:4:5:6:1.2.3.4", value: (0x0001_0002_0003_0004, 0x0005_0006_0102_0304)),
        Address(text: "FFFF::abcd", value: (0xFFFF_0000_0000_0000, 0xABCD)),
        Address(text: "1:2:3:4:5:6:7:8:9", value: nil),
        Address(text: "1:2:3:4:5:6:7", value: nil),
        Address(text: "1::2::3", value: nil),
        Address(text: "1:2:3:4:5:6:7:8::", value: nil),
        Address(text: "1:2:3:4:5:6:7:1.2.3.4", value: nil),
        Address(text: "::1.2.3", value: nil),
        Address(text: "12345::", value: nil),
        Address(text: "1:", value: nil),
        Address(text: ":1", value: nil),
        Address(text: "g::", value: nil),
    ])
    func parsesIPv6(_ address: Address) {
        let parsed = Array(address.text.utf8).withUnsafeBytes { IPNetwork.parseIPv6($0) }
        #expect(parsed?.high == address.value?.high && parsed?.low == address.value?.low)
    }

    static let rules = """
        title: regex with a literal
        id: 00000000-0000-0000-0000-000000000001
        logsource: {product: test}
        detection:
            sel:
                msg|re: 'fo+bar\\d'
            condition: sel
        ---
        title: cidr
        id: 00000000-0000-0000-0000-000000000002
        logsource: {product: test}
        detection:
            sel:
                ip|cidr:
                    - 10.0.0.0/8
                    - '2001:db8::/32'
            condition: sel
        ---
        title: regex without a literal
        id: 00000000-0000-0000-0000-000000000003
        logsource: {product: test}
        detection:
            sel:
                msg|re: 'a|.*'
            condition: sel
        ---
        title: caseless regex
        id: 00000000-0000-0000-0000-000000000004
        logsource: {product: test}
        detection:
            sel:
                msg|re|i: 'KELVIN\\s'
            condition: sel
        ---
        title: regex or cidr
        id: 00000000-0000-0000-0000-000000000005
        logsource: {product: test}
        detection:
            a:
                msg|re: '(?:from|for) root'
            b:
                ip|cidr: 192.168.0.0/16
            condition: a or b
        """

    static let events = [
        #"{"msg": "xx fooobar1"}"#, #"{"msg": "bar"}"#, #"{"ip": "10.2.3.4"}"#, #"{"ip": "11.0.0.1"}"#, #"{"msg": "zzz"}"#,
        #"{"msg": "\u212Aelvin ok"}"#, #"{"msg": "login FOR root"}"#, #"{"msg": "login for root"}"#, #"{"ip": "::ffff:192.168.1.1"}"#,
        #"{"ip": "2001:db8::7", "msg": "fobar0"}"#,
    ]

    /// `re` rules with a required literal and `cidr` rules are evaluated only on events that have one
    /// of their needles; the answers are those of evaluating every rule.
    @Test func regexAndCIDRRulesAreEvaluatedOnlyWithTheirNeedles() {
        let options = SigmaDetectOptions(defaultLogsource: SigmaLogsource(product: "test"))
        let (ruleSet, diagnostics) = SigmaTesting.compile(PrefilterTests.rules, options: options)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(ruleSet.compiled.map { $0.requirements != nil } == [true, true, false, true, true])
        #expect(
            ruleSet.compiled[3].requirements == [.init(field: ruleSet.program.fieldIDs["msg"]!, needle: .literal(Array("kelvin".utf8)))])

        let batch = TestEvents.json(PrefilterTests.events)
        // `re` is case-sensitive unless `i`: "FOR root" is found by the prefilter (folded) but fails.
        let expected: [[RuleID]] = [[0, 2], [2], [1], [], [2], [2, 3], [2], [2, 4], [4], [0, 1, 2]].map { $0.map { RuleID($0) } }
        var detector = Detector(ruleSet: ruleSet)
        let matched = batch.events.indices.map { detector.matchingRules(ofEvent: $0, in: batch) }
        #expect(matched == expected)
        // Rule 2 on every event; the others only where a needle is: 0 ("bar") on events 0, 1 and 9,
        // 1 on 2 and 9, 3 on 5, 4 on 6, 7 and 8.
        #expect(detector.counters.ruleEvaluations == 10 + 3 + 2 + 1 + 3)

        let unfiltered = SigmaTesting.compile(
            PrefilterTests.rules, options: SigmaDetectOptions(defaultLogsource: SigmaLogsource(product: "test"), literalPrefilter: false)
        ).0
        var everyRule = Detector(ruleSet: unfiltered)
        #expect(batch.events.indices.map { everyRule.matchingRules(ofEvent: $0, in: batch) } == expected)
        #expect(everyRule.counters.ruleEvaluations == 50)
    }
}

extension PrefilterTests {
    /// The literal scan reports exactly the literals occurring in a text, for small sets (the 64 Ki-bit
    /// filter) and large ones (a filter grown with the number of grams).
    @Test(arguments: [20, 300, 12000])
    func literalSetFindsExactlyTheOccurringLiterals(count: Int) {
        var random = SplitMix(seed: UInt64(count))
        let letters = Array("abcdefghijklmnopqrstuvwxyz ".utf8)
        func word(_ length: Int) -> [UInt8] { (0..<length).map { _ in letters[random.next(letters.count)] } }
        var literals = Set<[UInt8]>()
        while literals.count < count { literals.insert(word(random.next(4) == 0 ? 1 + random.next(3) : 4 + random.next(8))) }
        let list = Array(literals)
        let set = LiteralSet(list)
        var found: [Int32] = []
        for round in 0..<100 {
            // Texts made partly of the literals, partly of random letters.
            var text: [UInt8] = []
            while text.count < 120 { text += random.next(3) == 0 ? list[random.next(list.count)] : word(1 + random.next(6)) }
            found.removeAll()
            text.withUnsafeBytes { set.scan($0, into: &found) }
            var substrings = Set<[UInt8]>()
            for start in text.indices {
                for length in 1...min(11, text.count - start) { substrings.insert(Array(text[start..<(start + length)])) }
            }
            let expected = list.indices.filter { substrings.contains(list[$0]) }
            #expect(Set(found.map(Int.init)) == Set(expected), "round \(round)")
        }
    }
}
