import Testing
import VigilRegex

@Suite struct RegexTests {
    @Test func namedGroupsInPatternOrder() throws {
        let re = try Regex(#"from (?<src_ip>\S+) port (?<src_port>\d+)"#)
        #expect(re.namedGroups.map(\.name) == ["src_ip", "src_port"])
        #expect(re.isJITCompiled)
        let scratch = RegexScratch()
        let line = Array("Failed password for root from 10.0.0.1 port 22 ssh2".utf8)
        let result = line.withUnsafeBytes { scratch.match(re, in: $0) }
        #expect(result == .match)
        let r = try #require(scratch.range(ofGroup: 1))
        #expect(String(decoding: line[r], as: UTF8.self) == "10.0.0.1")
    }

    @Test func compileErrorCarriesOffset() {
        #expect(throws: RegexCompileError.self) { try Regex("abc(def") }
        do {
            _ = try Regex("ab[c")
        } catch {
            #expect(error.offset == 4)
            #expect(error.message.contains("missing terminating ]"))
        }
    }

    @Test func invalidUTF8DoesNotFailTheMatch() throws {
        let re = try Regex("user (?<u>\\w+)", options: [.utf])
        let scratch = RegexScratch()
        let line: [UInt8] = Array("bad \u{0}".utf8) + [0xFF, 0xFE] + Array(" user alice".utf8)
        #expect(line.withUnsafeBytes { scratch.match(re, in: $0) } == .match)
    }

    @Test func unicodeCaselessMatching() throws {
        let re = try Regex("GRÜSSE", options: [.utf, .caseInsensitive])
        #expect(re.matches("viele grüsse"))
    }

    @Test func catastrophicPatternHitsTheLimit() throws {
        let re = try Regex("^(a+)+$")
        let scratch = RegexScratch(limits: RegexLimits(matchLimit: 10_000))
        let subject = Array(String(repeating: "a", count: 40).utf8) + [UInt8(ascii: "!")]
        #expect(subject.withUnsafeBytes { scratch.match(re, in: $0) } == .limitExceeded)
    }

    @Test func ovectorGivesEveryGroupAfterOneMatch() throws {
        let re = try Regex("(?<a>x)|(?<b>y)(?<c>z)")
        let scratch = RegexScratch()
        let line = Array("..yz".utf8)
        #expect(line.withUnsafeBytes { scratch.match(re, in: $0) } == .match)
        let ov = scratch.ovector
        #expect(Array(ov[0..<8]) == [2, 4, -1, -1, 2, 3, 3, 4])
    }

    @Test func possibleFirstBytesComeFromPCRE2() throws {
        #expect(try Regex("^Accepted x").possibleFirstBytes == [UInt8(ascii: "A"), UInt8(ascii: "a")])
        #expect(try Regex("^Accepted x").isAnchored)
        #expect(try Regex("^(?:error: )?Received").possibleFirstBytes == [UInt8(ascii: "e"), UInt8(ascii: "R")])
        #expect(try Regex("^\\[x").possibleFirstBytes == [UInt8(ascii: "[")])
        #expect(try Regex("^(?:x)?y*").possibleFirstBytes == nil)
        #expect(try Regex("x").isAnchored == false)
    }
}
