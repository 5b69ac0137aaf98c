import Foundation
import Testing
import VigilDecode
import VigilEvent
import VigilRegex

/// How decoders are chosen and what they produce: dispatch, the tree, fields, counters.
@Suite struct DecoderEngineTests {
    static func load(_ yaml: String, limits: RegexLimits = .default) throws -> DecoderSet {
        try DecoderSet.load(sources: [.init(file: "t.yml", text: yaml)], options: .init(limits: limits)).decoders
    }

    static func decode(_ decoders: DecoderSet, _ lines: [String]) -> (EventBatch, DecoderWorker) {
        var worker = DecoderWorker(decoders: decoders)
        var batch = SyslogLines.batch(lines)
        worker.decode(&batch)
        return (batch, worker)
    }

    static func summary(_ batch: EventBatch, _ i: Int = 0) -> String {
        let event = batch.events[i]
        let fields = batch.fields[event.decodedFields.range].map { "\($0.name)=\(batch.string($0.value))" }
        return ([event.decoder?.name ?? "none"] + fields).joined(separator: " ")
    }

    static let tree = """
        decoders:
          - name: app
            applies_to: {programs: [app]}
            pattern: '^(?<phase>\\w+): '
          - name: app-login
            parent: app
            pattern: '^login (?<user>\\S+)'
            constants: {outcome: success}
          - name: app-login-again
            parent: app
            pattern: '^login (?<user>\\S+)'
          - name: app-any
            parent: app
            pattern: '^(?<rest>.+)$'
          - name: app-login-detail
            parent: app-login
            pattern: '^ from (?<src_ip>\\S+)'
            types: {src_ip: ip}
          - name: other
            applies_to: {programs: [app]}
        """

    @Test func childrenRunOnWhatTheirParentLeftAndTheFirstMatchWins() throws {
        let (batch, worker) = Self.decode(
            try Self.load(Self.tree),
            [
                "Mar  3 10:00:00 h app[1]: auth: login bob from 192.0.2.1",
                "Mar  3 10:00:00 h app[1]: auth: login bob",
                "Mar  3 10:00:00 h app[1]: auth: logout bob",
                "Mar  3 10:00:00 h app[1]: no phase here",
                "Mar  3 10:00:00 h other[1]: auth: login bob",
            ])
        #expect(Self.summary(batch, 0) == "app-login-detail phase=auth user=bob outcome=success src_ip=192.0.2.1")
        #expect(Self.summary(batch, 1) == "app-login phase=auth user=bob outcome=success")
        #expect(Self.summary(batch, 2) == "app-any phase=auth rest=logout bob")
        // The first top-level decoder failed; the next one that applies to the program wins.
        #expect(Self.summary(batch, 3) == "other")
        #expect(Self.summary(batch, 4) == "none")
        let counts = Dictionary(uniqueKeysWithValues: worker.counters.entries.map { ($0.name, $0.matched) })
        #expect(counts == ["app": 0, "app-login": 1, "app-login-again": 0, "app-any": 1, "app-login-detail": 1, "other": 1])
        #expect(worker.counters.events == 5 && worker.counters.decoded == 4)
    }

    @Test func fieldValuesAreRangesOfTheMessageAndConstantsAreWrittenOncePerBatch() throws {
        let decoders = try Self.load(Self.tree)
        var batch = SyslogLines.batch(Array(repeating: "Mar  3 10:00:00 h app[1]: auth: login bob", count: 3))
        let inputSize = batch.bytes.count
        var worker = DecoderWorker(decoders: decoders)
        worker.decode(&batch)
        #expect(batch.bytes.count == inputSize + "success".utf8.count)
        for event in batch.events {
            let fields = batch.fields[event.decodedFields.range]
            let message = event.message!
            #expect(fields.filter { $0.name.name != "outcome" }.allSatisfy { message.range.contains($0.value.range) })
            #expect(batch.string(fields.first { $0.name.name == "outcome" }!.value) == "success")
        }
    }

    @Test func programNamesFormatsAndGlobsSelectTopLevelDecoders() throws {
        let decoders = try Self.load(
            """
            decoders:
              - name: exact
                applies_to: {programs: [sshd]}
              - name: suffix
                applies_to: {programs: ["*(pam_unix)"]}
              - name: prefix
                applies_to: {programs: ["postfix/*"]}
              - name: raw-only
                applies_to: {formats: [raw]}
              - name: anything
                prematch: {prefix: "ANY"}
            """)
        let (batch, _) = Self.decode(
            decoders,
            [
                "Mar  3 10:00:00 h sshd[1]: x", "Mar  3 10:00:00 h su(pam_unix)[1]: x", "Mar  3 10:00:00 h postfix/smtpd[1]: x",
                "a plain line", "Mar  3 10:00:00 h cron[1]: ANY thing", "Mar  3 10:00:00 h cron[1]: nothing",
                "Mar  3 10:00:00 h sshd-session[1]: x",
            ])
        #expect((0..<7).map { Self.summary(batch, $0) } == ["exact", "suffix", "prefix", "raw-only", "anything", "none", "none"])
    }

    /// `sshd(pam_unix)[1]:` (old PAM) is program `sshd` with the field `syslog_tag`: decoders listing the
    /// program and decoders listing the tag both apply, in load order. A JSON event whose program is
    /// literally `sshd(pam_unix)` has no tag: only the tag's decoders apply (a separate cache entry).
    @Test func programAndWholeTagBothSelectDecoders() throws {
        let decoders = try Self.load(
            """
            decoders:
              - name: tag-exact
                applies_to: {programs: ["su(pam_unix)"]}
              - name: suffix
                applies_to: {programs: ["*(pam_unix)"]}
                prematch: {prefix: "S "}
              - name: exact
                applies_to: {programs: [sshd]}
              - name: su
                applies_to: {programs: [su]}
            """)
        let (batch, _) = Self.decode(
            decoders,
            [
                #"{"program":"sshd(pam_unix)","message":"x"}"#, "Mar  3 10:00:00 h sshd(pam_unix)[1]: S x",
                "Mar  3 10:00:00 h sshd(pam_unix)[1]: x", #"{"program":"sshd(pam_unix)","message":"x"}"#,
                #"{"program":"sshd(pam_unix)","message":"S x"}"#, "Mar  3 10:00:00 h su(pam_unix)[1]: x", "Mar  3 10:00:00 h su[1]: x",
                "Mar  3 10:00:00 h sshd[1]: x",
            ])
        #expect(
            (0..<8).map { Self.summary(batch, $0) } == ["none", "suffix", "exact", "none", "suffix", "tag-exact", "su", "exact"])
    }

    /// A worker caches the candidate lists of program names matched only by globs (or by nothing); past its
    /// capacity it starts over, and every name keeps its own decoders however many names there are.
    @Test func programNamesBeyondTheWorkerCacheStillSelectTheirDecoders() throws {
        let decoders = try Self.load(
            """
            decoders:
              - name: prefix
                applies_to: {programs: ["postfix/*"]}
              - name: suffix
                applies_to: {programs: ["*(pam_unix)"]}
            """)
        var worker = DecoderWorker(decoders: decoders)
        for round in 0..<2 {
            let names = (0..<2_500).map { i in ["postfix/p\(i)", "s\(i)(pam_unix)", "other\(i)"][(i + round) % 3] }
            var batch = SyslogLines.batch(names.map { "Mar  3 10:00:00 h \($0)[1]: x" })
            worker.decode(&batch)
            for (i, name) in names.enumerated() {
                let expected = name.hasPrefix("postfix/") ? "prefix" : name.hasSuffix("(pam_unix)") ? "suffix" : nil
                #expect(batch.events[i].decoder?.name == expected, "\(name)")
            }
        }
        #expect(worker.counters.events == 5_000)
    }

    /// A pattern's literal start and prefix prematches are compared a word at a time: literals of every
    /// length up to past 16 bytes, subjects shorter than a word, and a difference at every position.
    @Test func literalStartsAreComparedExactly() throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        for length in 1...20 {
            let literal = String(decoding: alphabet.prefix(length), as: UTF8.self)
            let decoders = try Self.load(
                """
                decoders:
                  - name: lit
                    applies_to: {programs: [p]}
                    pattern: '^\(literal)(?<rest>.*)'
                  - name: pre
                    applies_to: {programs: [q]}
                    prematch: {prefix: "\(literal)"}
                """)
            var lines = ["Mar  3 10:00:00 h p[1]: \(literal)", "Mar  3 10:00:00 h q[1]: \(literal)tail"]
            var expected = ["lit", "pre"]
            for position in 0..<length {
                var changed = Array(literal.utf8)
                changed[position] = UInt8(ascii: "X")
                let text = String(decoding: changed, as: UTF8.self)
                lines += ["Mar  3 10:00:00 h p[1]: \(text)tail", "Mar  3 10:00:00 h q[1]: \(text)"]
                expected += ["none", "none"]
            }
            lines.append("Mar  3 10:00:00 h p[1]: \(literal.dropLast())")
            expected.append("none")
            let (batch, _) = Self.decode(decoders, lines)
            #expect(batch.events.map { $0.decoder?.name ?? "none" } == expected, "literal of \(length) bytes")
        }
    }

    @Test func countersCanBeSetAndReadBack() throws {
        let decoders = try Self.load(Self.tree)
        var (_, worker) = Self.decode(decoders, ["Mar  3 10:00:00 h app[1]: auth: login bob"])
        let counted = worker.counters
        worker.counters = DecoderCounters(decoders: decoders)
        #expect(worker.counters.events == 0 && worker.counters.entries.allSatisfy { $0.matched == 0 })
        worker.counters = counted
        #expect(worker.counters.entries == counted.entries && worker.counters.decoded == 1)
    }

    @Test func typedFieldsAreCheckedAndBadValuesDroppedAndCounted() throws {
        let decoders = try Self.load(
            """
            decoders:
              - name: t
                applies_to: {programs: [t]}
                pattern: '^(?<ip>\\S+) (?<port>\\S+) (?<n>\\S+) \\[(?<when>[^\\]]+)\\] (?<maybe>\\S+)'
                types: {ip: ip, port: port, n: int, when: timestamp}
                null_values: ["-"]
                event_time: when
            """)
        let (batch, worker) = Self.decode(
            decoders,
            [
                "Mar  3 10:00:00 h t[1]: 192.0.2.1 22 -5 [10/Oct/2000:13:55:36 -0700] -",
                "Mar  3 10:00:00 h t[1]: 192.0.2.999 99999 five [never] x",
            ])
        #expect(Self.summary(batch, 0) == "t ip=192.0.2.1 port=22 n=-5 when=2000-10-10T20:55:36Z")
        #expect(Self.summary(batch, 1) == "t maybe=x")
        #expect(worker.counters.entries[0].invalidFields == 4)
        let kinds = batch.fields[batch.events[0].decodedFields.range].map(\.kind)
        #expect(kinds == [.string, .number, .number, .string])
        // An RFC 3164 header has no year and no zone: a complete decoded stamp replaces it.
        #expect(batch.events[0].time.rfc3339() == "2000-10-10T20:55:36Z")
        #expect(batch.events[0].timeSource == .decoder)
    }

    /// Found by FuzzDecode: `port 04100` passed the port check and was output as the number `04100`,
    /// which is not JSON. Such values (and `+5`) keep their text as strings.
    @Test func nonCanonicalNumbersStayValidJSON() throws {
        let decoders = try Self.load(
            """
            decoders:
              - name: t
                applies_to: {programs: [t]}
                pattern: '^(?<port>\\S+) (?<n>\\S+) (?<z>\\S+)'
                types: {port: port, n: int, z: int}
            """)
        let (batch, _) = Self.decode(decoders, ["Mar  3 10:00:00 h t[1]: 04100 +5 -0", "Mar  3 10:00:00 h t[1]: 0 -12 7"])
        #expect(Self.summary(batch, 0) == "t port=04100 n=+5 z=-0")
        #expect(batch.fields[batch.events[0].decodedFields.range].map(\.kind) == [.string, .string, .number])
        #expect(batch.fields[batch.events[1].decodedFields.range].map(\.kind) == [.number, .number, .number])
        for i in batch.events.indices {
            var out: [UInt8] = []
            batch.appendJSON(of: batch.events[i], to: &out)
            #expect((try? JSONSerialization.jsonObject(with: Data(out))) is [String: Any], "\(String(decoding: out, as: UTF8.self))")
        }
    }

    @Test func eventTimeComesFromTheDecoderForLinesWithoutOne() throws {
        let decoders = try Self.load(
            """
            decoders:
              - name: web
                applies_to: {formats: [raw]}
                pattern: '^\\[(?<t>[^\\]]+)\\]'
                types: {t: timestamp}
                event_time: t
            """)
        let (batch, _) = Self.decode(decoders, ["[2024-03-01T12:00:00.25Z] GET /"])
        #expect(batch.events[0].hasOwnTime)
        #expect(batch.events[0].time.rfc3339(fractionDigits: 2) == "2024-03-01T12:00:00.25Z")
        #expect(batch.events[0].timePrecision == 2)
    }

    /// Issue 11: a complete decoded stamp (year and zone, as access logs write it) replaces an RFC 3164
    /// header time, which has neither; RFC 5424 and JSON times stay; a stamp without a zone only fills
    /// events that have no time.
    @Test(arguments: [
        ("Mar  3 10:00:00 h t[1]: [10/Oct/2015:13:55:36 -0700] x", "2015-10-10T20:55:36Z", EventTimeSource.decoder),
        ("Mar  3 10:00:00 h t[1]: [2015-10-10T13:55:36Z] x", "2015-10-10T13:55:36Z", .decoder),
        ("Mar  3 10:00:00 h t[1]: [2015/10/10 13:55:36] x", "2024-03-03T10:00:00Z", .header),
        ("Mar  3 10:00:00 h t[1]: [Sat Oct 10 13:55:36 2015] x", "2024-03-03T10:00:00Z", .header),
        ("<13>1 2024-03-03T10:00:00Z h t 1 - - [10/Oct/2015:13:55:36 -0700] x", "2024-03-03T10:00:00Z", .message),
        (#"{"program":"t","message":"[10/Oct/2015:13:55:36 -0700] x","ts":1709460000}"#, "2024-03-03T10:00:00Z", .message),
        (#"{"program":"t","message":"[2015/10/10 13:55:36] x"}"#, "2015-10-10T13:55:36Z", .decoder),
    ])
    func decodedTimesReplaceOnlyWeakerOnes(line: String, expected: String, source: EventTimeSource) throws {
        let decoders = try Self.load(
            """
            decoders:
              - name: t
                applies_to: {programs: [t]}
                pattern: '^\\[(?<when>[^\\]]+)\\]'
                types: {when: timestamp}
                event_time: when
            """)
        let (batch, _) = Self.decode(decoders, [line])
        #expect(batch.events[0].decoder?.name == "t", "\(line)")
        #expect(batch.events[0].time.rfc3339() == expected, "\(line)")
        #expect(batch.events[0].timeSource == source, "\(line)")
    }

    @Test func aMatchThatHitsALimitIsANonMatchCountedForItsDecoder() throws {
        let yaml = """
            decoders:
              - name: redos
                applies_to: {programs: [t]}
                pattern: '^(a+)+$'
              - name: fallback
                applies_to: {programs: [t]}
            """
        let line = "Mar  3 10:00:00 h t[1]: " + String(repeating: "a", count: 40) + "!"
        let tight = RegexLimits(matchLimit: 10_000, depthLimit: 1_000)
        let (batch, worker) = Self.decode(try Self.load(yaml, limits: tight), [line, line])
        #expect(Self.summary(batch, 0) == "fallback")
        #expect(worker.counters.entries.map(\.limitExceeded) == [2, 0])
        #expect(worker.counters.totalLimitExceeded == 2)
    }

    @Test func invalidUTF8InTheMessageNeverFailsAMatch() throws {
        let decoders = try Self.load(
            """
            decoders:
              - name: u
                applies_to: {programs: [u]}
                prematch: "user "
                pattern: '^user (?<user>\\S+) from (?<src_ip>\\S+)'
            """)
        let line = Array("Mar  3 10:00:00 h u[1]: user ".utf8) + [0xC3, 0x28, 0xFF, 0xFE] + Array(" from 192.0.2.7".utf8)
        var batch = SyslogLines.batch(bytes: [line])
        var worker = DecoderWorker(decoders: decoders)
        worker.decode(&batch)
        let user = batch.fields[batch.events[0].decodedFields.range].first { $0.name.name == "user" }
        #expect(batch.events[0].decoder?.name == "u")
        #expect(user.map { Array(batch.bytes[$0.value.range]) } == [0xC3, 0x28, 0xFF, 0xFE])
    }

    @Test func countersOfSeveralWorkersMerge() throws {
        let decoders = try Self.load(Self.tree)
        let (_, a) = Self.decode(decoders, ["Mar  3 10:00:00 h app[1]: auth: login bob"])
        let (_, b) = Self.decode(decoders, ["Mar  3 10:00:00 h app[1]: auth: login bob", "x"])
        var total = a.counters
        total.merge(b.counters)
        #expect(total.events == 3 && total.decoded == 2)
        #expect(total.entries.first { $0.name == "app-login" }?.matched == 2)
    }

    @Test func parserFieldsAreKeptAndAnEmptySetChangesNothing() throws {
        var batch = SyslogLines.batch("Mar  3 10:00:00 h app[1]: auth: login bob")
        let span = batch.appendFields([Field(name: Symbol("parsed"), value: batch.events[0].raw)])
        batch.events[0].fields = span
        var empty = DecoderWorker(decoders: .empty)
        empty.decode(&batch)
        #expect(batch.events[0].decoder == nil && batch.fields.count == 1)
        var worker = DecoderWorker(decoders: try Self.load(Self.tree))
        worker.decode(&batch)
        #expect(batch.events[0].fields == span)
        #expect(batch.field(Symbol("user"), of: batch.events[0]).map { batch.string($0.value) } == "bob")
        #expect(batch.field(Symbol("parsed"), of: batch.events[0]) != nil)
    }
}

/// One DecoderSet shared by workers on several threads: each worker decodes the same input the same way.
@Suite struct DecoderConcurrencyTests {
    @Test func workersOnTwoThreadsShareOneSet() throws {
        let decoders = try ShippedDecoderTests.shipped()
        let lines = (0..<2_000).map { i in
            i % 2 == 0
                ? "Mar  3 10:00:02 web-02 sshd[4102]: Failed password for root from 198.51.100.\(i % 250) port \(1000 + i) ssh2"
                : "Mar  3 13:00:00 web-01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.\(i % 250) DST=203.0.113.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 PROTO=TCP SPT=\(i) DPT=22 WINDOW=1 RES=0x00 SYN URGP=0"
        }
        let input = SyslogLines.batch(lines)
        final class Box: @unchecked Sendable {
            // @unchecked: each thread writes only its own slot, and the main thread reads after joining.
            var results: [(json: [String], counters: DecoderCounters)?] = [nil, nil]
        }
        let box = Box()
        let done = DispatchGroup()
        for t in 0..<2 {
            done.enter()
            Thread {
                var worker = DecoderWorker(decoders: decoders)
                var batch = input
                for _ in 0..<20 {
                    batch = input
                    worker.decode(&batch)
                }
                box.results[t] = (batch.events.map { batch.json(of: $0) }, worker.counters)
                done.leave()
            }.start()
        }
        done.wait()
        let a = try #require(box.results[0]), b = try #require(box.results[1])
        #expect(a.json == b.json)
        var total = a.counters
        total.merge(b.counters)
        #expect(total.events == 80_000 && total.decoded == 80_000)
        #expect(a.json[1].contains(#""decoder":"ufw""#))
    }
}
