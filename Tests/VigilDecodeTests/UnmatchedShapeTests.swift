import Testing
import VigilDecode
import VigilEvent

/// Events no message decoder took are counted by shape (program, first words) in a fixed table per
/// worker: a sender picks the shapes, so the table must stay bounded, and the heavy shapes must still
/// come out on top with counts within their stated error.
@Suite struct UnmatchedShapeTests {
    static func worker() throws -> DecoderWorker {
        let worker = DecoderWorker(decoders: try ShippedDecoderTests.shipped())
        worker.tracksUnmatchedShapes = true
        return worker
    }

    @Test(arguments: [
        // A program decoder only (sshd matched, no message decoder), no decoder at all, no program.
        ("Mar  3 10:00:00 h sshd[1]: Something sshd 1234 says here", "sshd", "Something sshd N"),
        ("Mar  3 10:00:00 h klogind[2]: Kerberos authentication failed ", "klogind", "Kerberos authentication failed"),
        ("Mar  3 10:00:00 h   syslogd 1.4.1: restart.", "", "syslogd N.N.N: restart."),
        ("Mar  3 10:00:00 h app[3]: port 22 and port 2222", "app", "port N and"),
    ])
    func shapeIsProgramAndFirstWords(line: String, program: String, words: String) throws {
        var worker = try Self.worker()
        var batch = SyslogLines.batch([line, line])
        worker.decode(&batch)
        #expect(worker.counters.unmatchedShapes == [UnmatchedShape(program: program, words: words, count: 2, overcount: 0)])
    }

    @Test func decodedEventsAreSplitByWhetherAMessageDecoderMatched() throws {
        var worker = try Self.worker()
        var batch = SyslogLines.batch([
            "Mar  3 10:00:02 web-02 sshd[4102]: Failed password for root from 198.51.100.51 port 51516 ssh2",
            "Mar  3 10:00:02 web-02 sshd[4102]: something this file does not know",
            "Mar  3 10:00:02 web-02 unknownd[1]: nobody decodes this",
            "Mar  3 09:00:10 legacy-01 sshd(pam_unix)[3108]: a legacy line nobody decodes",
        ])
        worker.decode(&batch)
        let counters = worker.counters
        #expect(counters.decoded == 3)
        #expect(counters.decodedWithFields == 1)
        #expect(counters.programDecoderOnly == 2)
        #expect(counters.entries.first { $0.name == "sshd" }?.isProgramLevel == true)
        #expect(counters.entries.first { $0.name == "sshd-failed" }?.isProgramLevel == false)
        #expect(counters.unmatchedShapes.map(\.count).reduce(0, +) == 3)
        // Off by default: nothing is counted by shape.
        var quiet = DecoderWorker(decoders: try ShippedDecoderTests.shipped())
        quiet.decode(&batch)
        #expect(quiet.counters.unmatchedShapes.isEmpty && quiet.counters.programDecoderOnly == 2)
    }

    /// 30,000 distinct shapes and one shape sent 2,000 times, interleaved: the table keeps at most 64
    /// shapes, the heavy one is first, and its count is at least its true count and at most its
    /// overcount above it (Space-Saving's guarantee). Two workers merge.
    @Test func floodOfDistinctShapesStaysBoundedAndKeepsTheHeavyShape() throws {
        var workers = [try Self.worker(), try Self.worker()]
        for w in workers.indices {
            var lines: [String] = []
            for i in 0..<15_000 {
                lines.append("Mar  3 10:00:00 h p\(w)x\(i)y[1]: word\(w)q\(i)z")
                if i % 15 == 0 { lines.append("Mar  3 10:00:00 h flood[1]: the same shape again") }
            }
            var batch = SyslogLines.batch(lines)
            workers[w].decode(&batch)
            #expect(workers[w].counters.unmatchedShapes.count <= 64)
        }
        var total = workers[0].counters
        total.merge(workers[1].counters)
        #expect(total.unmatchedShapeReplacements > 0)
        let top = total.topUnmatchedShapes(10)
        #expect(top.count == 10)
        let heavy = try #require(top.first)
        #expect(heavy.program == "flood" && heavy.words == "the same shape")
        #expect(heavy.count >= 2_000 && heavy.count - heavy.overcount <= 2_000)
    }
}
