import Foundation
import Testing
import VigilDecode
import VigilEvent
import VigilRegex

/// Bad decoder files are reported as `file:line:column: message`, with PCRE2's own message for patterns.
@Suite struct DecoderDiagnosticsTests {
    static func diagnostics(_ files: [(String, String)], skip: Bool = false) -> [String] {
        let sources = files.map { DecoderSet.Source(file: $0.0, text: $0.1) }
        do {
            let (_, skipped) = try DecoderSet.load(sources: sources, options: .init(skipBadFiles: skip))
            return skipped.map(\.description)
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    static func diagnostics(_ text: String) -> [String] { diagnostics([("bad.yml", text)]) }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var expected: [String]
        var testDescription: String { name }
    }

    /// One case per YAML scalar style: the column is that of the pattern character PCRE2 complains about.
    static let invalidRegex: [Case] = [
        Case(
            name: "single-quoted",
            yaml: "decoders:\n  - name: a\n    pattern: '^x(?<user>\\S+)[z-a]'\n",
            expected: ["bad.yml:3:32: invalid regex in decoder 'a': range out of order in character class"]),
        Case(
            name: "double-quoted with escapes",
            yaml: "decoders:\n  - name: a\n    pattern: \"^\\\\d+ \\t(?<n>\\\\w)*+)\"\n",
            expected: ["bad.yml:3:34: invalid regex in decoder 'a': unmatched closing parenthesis"]),
        Case(
            name: "plain",
            yaml: "decoders:\n  - name: a\n    pattern: ^from (?<ip>\\S+ port\n",
            expected: ["bad.yml:3:34: invalid regex in decoder 'a': missing closing parenthesis"]),
        Case(
            name: "literal block",
            yaml: "decoders:\n  - name: a\n    pattern: |\n      ^first line\n      then (?<bad name>x)\n",
            expected: ["bad.yml:5:18: invalid regex in decoder 'a': syntax error in subpattern name (missing terminator?)"]),
        Case(
            name: "folded block, second line",
            yaml: "decoders:\n  - name: a\n    pattern: >-\n      ^Accepted (?<method>\\S+) for\n      (?<user>\\S+) from \\k<nope>\n",
            expected: ["bad.yml:5:28: invalid regex in decoder 'a': reference to non-existent subpattern"]),
        Case(
            name: "prematch regex",
            yaml: "decoders:\n  - name: a\n    prematch: {regex: 'a{2,1}'}\n",
            expected: ["bad.yml:3:29: invalid regex in decoder 'a': numbers out of order in {} quantifier"]),
    ]

    @Test(arguments: invalidRegex)
    func invalidRegexIsReportedAtItsColumn(_ c: Case) {
        #expect(Self.diagnostics(c.yaml) == c.expected)
    }

    @Test func unknownKeysAreReportedWithTheirPosition() {
        let yaml = "decoders:\n  - name: a\n    patern: x\n    applies_to: {programs: [a], format: [raw]}\ntest: []\n"
        #expect(
            Self.diagnostics(yaml) == [
                "bad.yml:5:1: unknown key 'test' in a decoder file (expected one of: decoders, tests)",
                "bad.yml:3:5: unknown key 'patern' in a decoder (expected one of: applies_to, constants, event_time, name, null_values, parent, pattern, prematch, rename, types)",
                "bad.yml:4:33: unknown key 'format' in 'applies_to' (expected one of: formats, programs)",
            ])
    }

    @Test func structuralProblemsAreReportedWithFileAndLine() {
        let yaml = """
            decoders:
              - name: root
                applies_to: {programs: [x]}
              - name: child
                parent: nowhere
                pattern: '^(?<a>x)'
              - name: root
              - name: typed
                parent: root
                pattern: '^(?<a>x)'
                types: {b: int, a: number}
                applies_to: {programs: [y]}
                event_time: a
            """
        #expect(
            Self.diagnostics(yaml) == [
                "bad.yml:11:24: unknown field type 'number' (expected one of: string, int, port, ip, timestamp)",
                "bad.yml:5:13: parent 'nowhere' of decoder 'child' is not defined before it",
                "bad.yml:7:11: duplicate decoder name 'root'",
                "bad.yml:12:17: 'applies_to' is only for top-level decoders: children inherit their parent's",
                "bad.yml:11:13: 'types' names 'b', which is not a named group of the pattern",
                "bad.yml:13:17: 'event_time' group 'a' must have type timestamp",
            ])
    }

    /// Found by FuzzDecoderLoad: a decoder naming itself as its parent trapped (index out of range).
    @Test func decoderThatIsItsOwnParent() {
        let yaml = "decoders:\n  - name: loop\n    parent: loop\n    pattern: 'x'\n"
        #expect(Self.diagnostics(yaml) == ["bad.yml:3:13: decoder 'loop' names itself as its parent"])
    }

    @Test func duplicateNamesAcrossFilesAndYAMLErrors() {
        let first = ("one.yml", "decoders:\n  - name: sshd\n")
        let second = ("two.yml", "decoders:\n  - name: other\n  - name: sshd\n")
        let broken = ("three.yml", "decoders:\n  - name: [unclosed\n")
        #expect(
            Self.diagnostics([first, second, broken]) == [
                "two.yml:3:11: duplicate decoder name 'sshd'",
                "three.yml:3:1: YAML syntax error: while parsing a flow sequence: did not find expected ',' or ']'",
            ])
    }

    @Test func skippingBadFilesKeepsTheRestAndReportsEachSkippedFile() throws {
        let good = DecoderSet.Source(file: "good.yml", text: "decoders:\n  - name: base\n    applies_to: {programs: [a]}\n")
        let bad = DecoderSet.Source(
            file: "bad.yml", text: "decoders:\n  - name: broken\n    applies_to: {programs: [b]}\n    pattern: '('\n")
        // Its parent is in the skipped file: skipped too, with the reason.
        let orphan = DecoderSet.Source(file: "orphan.yml", text: "decoders:\n  - name: kid\n    parent: broken\n")
        let later = DecoderSet.Source(file: "later.yml", text: "decoders:\n  - name: kid2\n    parent: base\n")
        #expect(throws: RuleLoadError.self) { try DecoderSet.load(sources: [good, bad, orphan, later]) }
        let (decoders, skipped) = try DecoderSet.load(sources: [good, bad, orphan, later], options: .init(skipBadFiles: true))
        #expect(decoders.names == ["base", "kid2"])
        #expect(decoders.files == ["good.yml", "later.yml"])
        #expect(
            skipped.map(\.description) == [
                "bad.yml:4:16: invalid regex in decoder 'broken': missing closing parenthesis",
                "orphan.yml:3:13: parent 'broken' of decoder 'kid' is not defined before it",
            ])
    }

    @Test func missingPathsFailTheLoad() throws {
        #expect {
            try DecoderSet.load(paths: ["/nonexistent/decoders"])
        } throws: { error in
            (error as? RuleLoadError)?.description == "/nonexistent/decoders:0:0: no such file or directory"
        }
    }
}
