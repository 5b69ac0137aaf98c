import Foundation
import Testing
import VigilDecode
import VigilEvent
import VigilIngest
import VigilTestSupport

@testable import VigilDetect
@testable import VigilPipeline

/// The literal prefilter (literals, a `re` pattern's required literals, `cidr` networks) only spares
/// evaluations: with it, every event matches exactly the rules it matches when every rule of its
/// logsource is evaluated. Checked with the shipped rules, SigmaHQ's regression rules and rules made
/// here from words and addresses of the data (so that `re` and `cidr` needles find something), all
/// loaded together, over SigmaHQ's regression events, loghub, the samples and the end-to-end
/// fixtures, parsed and decoded as `vigil run` does. (Fails when a regex's optional piece is taken
/// as required, when regex literals are not case-folded, or when the network index probes one prefix
/// length only.)
struct PrefilterEquivalenceTests {
    static let root = TestPaths.packageRoot

    /// Log files parsed (format detected per line) and decoded by the shipped decoders.
    static let logFiles: [URL] =
        [
            "samples/auth.log", "samples/attacks.log", "samples/cron.log", "samples/ufw.log", "samples/web.log", "samples/rfc5424.log",
            "samples/events.jsonl", "Tests/Fixtures/EndToEnd/auth.log", "Tests/Fixtures/EndToEnd/mixed.jsonl",
        ]
        .map { root.appendingPathComponent($0) }
        + ["Apache", "Linux", "OpenSSH", "Proxifier", "Thunderbird", "Windows"].map { TestPaths.shared("loghub/\($0)/\($0)_2k.log") }

    /// (The Sigma subset of ../shared/data is left out: its rules are shipped in rules/sigma/sigmahq.)
    static let rulePaths = [root.appendingPathComponent("rules/sigma").path, TestPaths.shared("sigma-regression/rules").path]

    /// Every batch: events of the log files, then SigmaHQ's regression events (JSON).
    static func batches(decoders: DecoderSet) throws -> [EventBatch] {
        var lineBatches: [(lines: [[UInt8]], format: ParserOptions.FormatChoice)] = []
        for url in logFiles {
            let lines = try Data(contentsOf: url).split(separator: 0x0A).map { Array($0) }
            #expect(!lines.isEmpty, "\(url.path)")
            for start in stride(from: 0, to: lines.count, by: 256) {
                lineBatches.append((Array(lines[start..<min(start + 256, lines.count)]), .auto))
            }
        }
        let index = TestPaths.shared("sigma-regression/index.json")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [[String: Any]])
        var objects: [[UInt8]] = []
        for entry in entries {
            guard let file = entry["event_file"] as? String else { continue }
            objects += Self.jsonObjects(in: Array(try Data(contentsOf: TestPaths.shared("sigma-regression/" + file))))
        }
        #expect(objects.count >= 200)
        lineBatches.append((objects, .forced(.json)))

        var decoder = DecoderWorker(decoders: decoders)
        return lineBatches.enumerated().map { number, item in
            var bytes: [UInt8] = []
            var messages: [ByteRange] = []
            for line in item.lines {
                let start = bytes.count
                bytes += line
                messages.append(ByteRange(start: start, end: bytes.count))
                bytes.append(0x0A)
            }
            var options = ParserOptions(format: item.format)
            options.year = 2024
            var parser = BatchParser(options: options)
            var batch = parser.parse(
                RawBatch(
                    source: SourceID(UInt32(number)), firstSequence: 0, receiveTime: Timestamp(seconds: 1_767_225_600), bytes: bytes,
                    messages: messages))
            decoder.decode(&batch)
            return batch
        }
    }

    /// Concatenated, maybe pretty-printed JSON objects (as SigmaHQ's regression files hold them), one
    /// line each.
    static func jsonObjects(in bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        for b in bytes {
            if depth == 0 && b != UInt8(ascii: "{") { continue }
            current.append(b == 0x0A || b == 0x0D ? 0x20 : b)
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            if b == UInt8(ascii: "\"") { inString = true }
            if b == UInt8(ascii: "{") { depth += 1 }
            if b == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 {
                    result.append(current)
                    current = []
                }
            }
        }
        return result
    }

    /// Rules on sshd events made from what the data holds, one needle kind each (as
    /// scripts/make-many-rules.py, but meant to match): `contains`, `startswith` and `re` around words
    /// of the messages, `cidr` on networks of the source addresses (/8 to /32, and IPv4-mapped IPv6).
    static func generatedRules(words: [String], addresses: [String]) -> String {
        var documents: [String] = []
        func add(_ selection: String) {
            documents.append(
                """
                title: generated \(documents.count)
                id: 00000000-0000-4000-8000-\(String(format: "%012d", documents.count))
                logsource: {product: linux, service: sshd}
                detection:
                    selection:
                        \(selection)
                    condition: selection
                """)
        }
        for (k, word) in words.enumerated() {
            add("msg|contains: '\(word)'")
            add("msg|startswith: '\(word)'")
            let shapes = [
                "\\b\(word)[0-9]{0,3}\\b", "(?:from|for) \(word)", "^.*\(word)(?:x|y)?$", "(?i)\(word.uppercased())\\s+",
                "[A-Z]\(word).*ssh2",
                "\(word)|\(words[(k + 1) % words.count])", "(?i:\(word.prefix(2)))\(word.dropFirst(2))",
                // An optional piece longer than the word: the word is what every match needs.
                "(?:received disconnect from )?\(word)\\b",
            ]
            add("msg|re: '\(shapes[k % shapes.count])'")
        }
        for (k, address) in addresses.enumerated() {
            let octets = address.split(separator: ".")
            let network: String
            switch k % 5 {
            case 0: network = "\(octets[0]).\(octets[1]).\(octets[2]).0/24"
            case 1: network = "\(octets[0]).\(octets[1]).0.0/16"
            case 2: network = "\(octets[0]).0.0.0/8"
            case 3: network = "\(address)/32"
            default: network = "::ffff:\(address)/120"
            }
            add("src_ip|cidr: '\(network)'")
        }
        return documents.joined(separator: "\n---\n") + "\n"
    }

    /// Words of 4 to 12 letters of sshd messages and the IPv4 addresses of `src_ip`, every few taken.
    static func wordsAndAddresses(_ batches: [EventBatch]) -> (words: [String], addresses: [String]) {
        var words = Set<String>()
        var addresses = Set<String>()
        for batch in batches {
            for event in batch.events where batch.string(event.app) == "sshd" {
                for word in (batch.string(event.message) ?? "").split(whereSeparator: { !$0.isLetter })
                where (4...12).contains(word.count) && word.allSatisfy(\.isASCII) {
                    words.insert(String(word))
                }
                if let field = batch.field(Symbol("src_ip"), of: event) {
                    let text = batch.string(field.value)
                    if text.split(separator: ".").count == 4 { addresses.insert(text) }
                }
            }
        }
        let sortedWords = words.sorted(), sortedAddresses = addresses.sorted()
        return (
            stride(from: 0, to: sortedWords.count, by: max(1, sortedWords.count / 60)).map { sortedWords[$0] },
            stride(from: 0, to: sortedAddresses.count, by: max(1, sortedAddresses.count / 40)).map { sortedAddresses[$0] }
        )
    }

    /// The kinds of the value tests under a node.
    static func testKinds(_ node: Int32, _ program: Program) -> Set<Program.TestKind> {
        let n = program.nodes[Int(node)]
        switch n.operation {
        case .predicate:
            let p = program.predicates[Int(n.first)]
            return Set(program.tests[Int(p.first)..<Int(p.first + p.count)].map(\.kind))
        case .not:
            return testKinds(n.first, program)
        case .alwaysFalse:
            return []
        case .and, .or:
            return (0..<Int(n.count)).reduce(into: Set<Program.TestKind>()) { kinds, k in
                kinds.formUnion(testKinds(program.children[Int(n.first) + k], program))
            }
        }
    }

    @Test("every event matches the same rules with the prefilter as with every rule evaluated")
    func prefilterNeverChangesAResult() throws {
        let decoders = try DecoderSet.load(paths: [Self.root.appendingPathComponent("rules/decoders").path]).0
        let configuration = try LoadedRules.loadConfiguration([Self.root.appendingPathComponent("rules/logsources.yml").path])
        let batches = try Self.batches(decoders: decoders)

        let (words, addresses) = Self.wordsAndAddresses(batches)
        #expect(words.count >= 30 && addresses.count >= 20, "\(words.count) words, \(addresses.count) addresses")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-prefilter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let generated = directory.appendingPathComponent("generated.yml")
        try Self.generatedRules(words: words, addresses: addresses).write(to: generated, atomically: true, encoding: .utf8)

        let loaded = SigmaFileLoader.load(paths: Self.rulePaths + [generated.path])
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics.prefix(5))")
        let (filtered, problems) = SigmaRuleSet.compile(
            documents: loaded.documents, configuration: configuration, options: SigmaDetectOptions())
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        let unfiltered = SigmaRuleSet.compile(
            documents: loaded.documents, configuration: configuration, options: SigmaDetectOptions(literalPrefilter: false)
        ).0
        #expect(filtered.count == unfiltered.count && filtered.count > 500)

        // The rules of each needle kind, to show that each was exercised.
        func rules(where kind: (LiteralRequirements.Needle) -> Bool) -> Set<UInt32> {
            Set(
                filtered.compiled.indices.filter { filtered.compiled[$0].requirements?.contains { kind($0.needle) } == true }.map(
                    UInt32.init))
        }
        let networkRules = rules {
            if case .network = $0 { true } else { false }
        }
        let regexRules = Set(
            filtered.compiled.indices.filter { index in
                filtered.compiled[index].requirements != nil
                    && Self.testKinds(filtered.compiled[index].root, filtered.program).contains(.regex)
            }.map(UInt32.init))
        #expect(networkRules.count >= 20 && regexRules.count >= 30, "\(networkRules.count) cidr, \(regexRules.count) re rules with needles")

        var withPrefilter = Detector(ruleSet: filtered)
        var everyRule = Detector(ruleSet: unfiltered)
        var events = 0
        var matches = 0
        var differences: [String] = []
        var matchedRules = Set<UInt32>()
        for batch in batches {
            for index in batch.events.indices {
                let a = withPrefilter.matchingRules(ofEvent: index, in: batch)
                let b = everyRule.matchingRules(ofEvent: index, in: batch)
                events += 1
                matches += b.count
                matchedRules.formUnion(b.map(\.rawValue))
                if a != b && differences.count < 10 {
                    differences.append(
                        "\(batch.string(batch.events[index].raw).prefix(200)): "
                            + "with the prefilter \(a.map { filtered.rule($0).title }), without \(b.map { unfiltered.rule($0).title })")
                }
            }
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        // Today: 525 rules (82 re and 41 cidr rules with needles), 21,771 events, 38,956 matches of 387
        // rules (49 re, 33 cidr rules), 68,003 rule evaluations with the prefilter, 1,795,688 without.
        #expect(events > 20_000)
        // Matches of every kind, so that the comparison says something.
        #expect(matches > 2_000, "\(matches) matches")
        #expect(matchedRules.intersection(networkRules).count >= 10 && matchedRules.intersection(regexRules).count >= 20)
        #expect(matchedRules.count >= 150, "\(matchedRules.count) rules matched")
        // And the prefilter did spare evaluations.
        let spared = withPrefilter.counters.ruleEvaluations, all = everyRule.counters.ruleEvaluations
        #expect(spared * 5 < all, "\(spared) evaluations with the prefilter, \(all) without")
    }
}
