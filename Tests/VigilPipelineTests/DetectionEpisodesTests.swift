import Testing
import VigilCorrelate
import VigilEvent

@testable import VigilPipeline

/// Detection episodes, table-driven: what each sequence of detections (rule 0, one key) and progress
/// steps makes, in order.
@Suite("DetectionEpisodes")
struct DetectionEpisodesTests {
    enum Step: Sendable {
        /// A detection at this many seconds.
        case detect(Int64)
        /// Event-time progress at this many seconds.
        case progress(Int64)
        case end
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var steps: [Step]
        /// What was emitted: "opened@T", "updated@T", "escalated@T", "closed@T#count".
        var expected: [String]
        var escalationCount: Int? = nil
        var testDescription: String { name }
    }

    static let gap: Int64 = 600
    static let cases: [Case] = [
        Case(name: "one detection: opened, closed at the end", steps: [.detect(0), .end], expected: ["opened@0", "closed@0#1"]),
        Case(
            name: "detections within the gap fold; closed once progress passes the gap and the lateness",
            steps: [.detect(0), .detect(100), .detect(200), .progress(805), .progress(806), .end],
            expected: ["opened@0", "closed@200#3"]),
        Case(
            name: "a detection past the gap starts a new episode",
            steps: [.detect(0), .detect(601), .end], expected: ["opened@0", "closed@0#1", "opened@601", "closed@601#1"]),
        Case(
            name: "an episode growing for more than a gap says so once per gap",
            steps: [.detect(0), .detect(500), .detect(600), .detect(700), .detect(1100), .detect(1300), .end],
            expected: ["opened@0", "updated@600", "updated@1300", "closed@1300#6"]),
        Case(
            name: "escalation after the count, once",
            steps: [.detect(0), .detect(1), .detect(2), .detect(3), .detect(4), .end],
            expected: ["opened@0", "escalated@2", "closed@4#5"], escalationCount: 3),
        Case(
            name: "an out-of-order detection within the gap folds and does not move last_seen back",
            steps: [.detect(100), .detect(50), .progress(710), .end], expected: ["opened@100", "closed@100#2"]),
    ]

    @Test(arguments: cases)
    func emissions(_ test: Case) {
        var episodes = DetectionEpisodes(
            lateness: .seconds(5), escalationCount: test.escalationCount, escalationDuration: nil)
        var emitted: [String] = []
        let record: (DetectionEpisodes.Emission, DetectionEpisodes.Key, DetectionEpisodes.Episode, Bool) -> Void = {
            emission, _, episode, _ in
            switch emission {
            case .opened: emitted.append("opened@\(episode.firstSeen / 1_000_000_000)")
            case .updated(let escalated): emitted.append("\(escalated ? "escalated" : "updated")@\(episode.lastAlert / 1_000_000_000)")
            case .closed: emitted.append("closed@\(episode.lastSeen / 1_000_000_000)#\(episode.count)")
            }
        }
        for step in test.steps {
            switch step {
            case .detect(let seconds):
                let time = seconds * 1_000_000_000
                episodes.record(
                    .init(rule: 0, keyHash: 42, time: time, tier: 1, gap: Self.gap * 1_000_000_000),
                    evidence: { buffer in
                        buffer.removeAll(keepingCapacity: true)
                        buffer.append(contentsOf: Array("line \(seconds)".utf8))
                        return (.message, EvidenceTime(received: Timestamp(nanoseconds: time)))
                    }, details: { (["h"], "h") }, episodeID: { UInt64($0) }, emit: record)
            case .progress(let seconds):
                episodes.closeDue(progress: seconds * 1_000_000_000, emit: record)
            case .end:
                episodes.closeAll(emit: record)
            }
        }
        #expect(emitted == test.expected)
    }

    @Test("a detection after its episode closed opens one with a new id, though key and first time are the same")
    func reopenedEpisodeHasItsOwnID() {
        var episodes = DetectionEpisodes(lateness: .seconds(5), escalationCount: nil, escalationDuration: nil)
        var opened: [UInt64] = []
        let emit: (DetectionEpisodes.Emission, DetectionEpisodes.Key, DetectionEpisodes.Episode, Bool) -> Void = {
            emission, _, episode, _ in
            if case .opened = emission { opened.append(episode.id) }
        }
        // A file of later times came first: each late detection at 100 s finds its episode closed.
        for _ in 0..<3 {
            episodes.record(
                .init(rule: 0, keyHash: 42, time: 100_000_000_000, tier: 1, gap: Self.gap * 1_000_000_000),
                evidence: { _ in (.message, EvidenceTime(received: .distantPast)) }, details: { ([], nil) },
                episodeID: { UInt64($0) >> 11 }, emit: emit)
            episodes.closeDue(progress: 86_400_000_000_000, emit: emit)
        }
        #expect(opened.count == 3)
        #expect(Set(opened).count == 3, "\(opened)")
        #expect(opened[0] == 100_000_000_000 >> 11, "the first keeps the plain id")
    }

    @Test("at the open-episode bound the episode due first is closed early, and counted")
    func boundedOpenEpisodes() {
        var episodes = DetectionEpisodes(maxOpen: 3, lateness: .seconds(5), escalationCount: nil, escalationDuration: nil)
        var closed: [UInt64] = []
        for key in 0..<5 {
            episodes.record(
                .init(rule: 0, keyHash: UInt64(key), time: Int64(key) * 1_000_000_000, tier: 1, gap: 600_000_000_000),
                evidence: { _ in (.message, EvidenceTime(received: .distantPast)) }, details: { ([], nil) }, episodeID: { UInt64($0) },
                emit: { emission, key, _, _ in if case .closed(let evicted) = emission, evicted { closed.append(key.hash) } })
        }
        #expect(closed == [0, 1])
        #expect(episodes.evicted == 2)
        #expect(episodes.open.count == 3)
    }
}

/// What an episode keeps of a sender's field values is bounded; grouping still uses the whole value.
@Suite("DetectionRecords")
struct DetectionRecordsTests {
    @Test("a key value or host longer than 256 bytes is shown cut, but keys differing after it stay apart")
    func longValuesAreCutForShowOnly() {
        var records = DetectionRecords()
        let long = Array(repeating: UInt8(ascii: "a"), count: 10_000)
        for last in [UInt8(ascii: "x"), UInt8(ascii: "y")] {
            (long + [last]).withUnsafeBytes { value in
                records.add(
                    rule: 0, time: 0, keyCount: 1, keyValue: { _ in value }, host: value,
                    evidence: UnsafeRawBufferPointer(start: nil, count: 0),
                    form: .message, evidenceTime: EvidenceTime(received: .distantPast))
            }
        }
        let shown = records.keyValues(of: records.records[0])
        #expect(shown.count == 1)
        #expect(shown[0]?.utf8.count == DetectionRecords.maxShownValue + "…".utf8.count)
        #expect(records.host(of: records.records[0])?.hasSuffix("…") == true)
        #expect(records.records[0].keyHash != records.records[1].keyHash)
    }
}
