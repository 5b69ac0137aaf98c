import Foundation
import Testing
import VigilDetect
import VigilEvent
import VigilTestSupport

/// SigmaHQ's regression data: each true-positive event file must match its rule the expected number
/// of times (null in the index means at least once).
struct SigmaRegressionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var ruleID: String
        var rulePath: String
        var eventPath: String
        var expected: Int?
        var testDescription: String { "\(ruleID) \((rulePath as NSString).lastPathComponent)" }
    }

    static let cases: [Case] = {
        let url = TestPaths.shared("sigma-regression/index.json")
        guard let data = try? Data(contentsOf: url), let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            return [Case(ruleID: "missing", rulePath: url.path, eventPath: "", expected: 1)]
        }
        return list.map { entry in
            let ruleCopy = entry["rule_copy"] as! String
            var eventPath = entry["event_file"] as? String ?? ""
            if eventPath.isEmpty, let info = entry["info"] as? String {
                // The Cisco test has a .raw event next to its info.yml.
                eventPath = ((info as NSString).deletingLastPathComponent as NSString).appendingPathComponent("\(entry["rule_id"]!).raw")
            }
            return Case(
                ruleID: entry["rule_id"] as! String, rulePath: "sigma-regression/" + ruleCopy, eventPath: "sigma-regression/" + eventPath,
                expected: entry["expected_match_count"] as? Int)
        }
    }()

    /// Tests whose index count contradicts their own events (see the fixture): rule id -> matched events.
    static let exceptions: [String: [Int]] = {
        let url = TestPaths.fixture("Sigma/regression-count-exceptions.json")
        guard let data = try? Data(contentsOf: url), let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let list = root["exceptions"] as? [[String: Any]]
        else { return [:] }
        return Dictionary(uniqueKeysWithValues: list.map { ($0["rule_id"] as! String, $0["matched"] as! [Int]) })
    }()

    @Test func indexHasEveryTest() {
        #expect(Self.cases.count == 203)
        #expect(Self.exceptions.count == 4)
    }

    @Test(arguments: cases)
    func regressionTest(_ test: Case) throws {
        let eventURL = TestPaths.shared(test.eventPath)
        let text = try String(contentsOf: eventURL, encoding: .utf8)
        var options = SigmaDetectOptions()
        let batch: EventBatch
        if test.eventPath.hasSuffix(".raw") {
            batch = TestEvents.syslog(text.split(separator: "\n").map { TestEvents.Syslog(message: String($0), format: .raw) })
            options.defaultLogsource = SigmaLogsource.parse("product=cisco,service=aaa").logsource
        } else {
            batch = TestEvents.json([text])
        }
        let (ruleSet, diagnostics) = SigmaTesting.compile(
            paths: [TestPaths.shared(test.rulePath).path], configuration: SigmaTesting.configuration, options: options)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(ruleSet.count == 1)
        let matchedEvents = SigmaTesting.matchingEvents(ruleSet, batch)
        let matched = matchedEvents.count
        if let listed = Self.exceptions[test.ruleID] {
            #expect(matchedEvents.map { $0 + 1 } == listed)
        } else if let expected = test.expected {
            #expect(matched == expected, "matched \(matched) of \(batch.events.count) events")
        } else {
            #expect(matched >= 1, "matched none of \(batch.events.count) events")
        }
    }
}
