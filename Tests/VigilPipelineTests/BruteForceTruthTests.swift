import Foundation
import Testing
import VigilAlert
import VigilCorrelate
import VigilEvent
import VigilTestSupport

/// The shipped brute-force rule on gen-authlog output, with `--emit threshold` (SEC's
/// SingleWithThreshold in event time), against ../shared/tools/truth-ssh-bruteforce.py.
///
/// Both scripts run here (python3 is part of the build image), on a small fixed-seed file. Detections
/// come from the real parse, decode and detect stages (``RealFrontEnd``).
@Suite struct BruteForceTruthTests {

    @Test(arguments: [(50_000, 42), (30_000, 7)])
    func thresholdModeEqualsSECSingleWithThreshold(lines count: Int, seed: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-truth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = folder.appendingPathComponent("auth").path
        _ = try runPython([
            TestPaths.sharedTools.appendingPathComponent("gen-authlog.py").path, "-n", "\(count)", "--seed", "\(seed)", "--out", base,
        ])
        let truthText = try runPython([TestPaths.sharedTools.appendingPathComponent("truth-ssh-bruteforce.py").path, base + ".log"])
        let truth = try JSONSerialization.jsonObject(with: Data(truthText.utf8)) as! [String: Int]
        let expected = truth["alerts_sec_singlewiththreshold"] ?? -1
        #expect(expected > 0)

        let lines = try String(contentsOfFile: base + ".log", encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        let frontEnd = try RealFrontEnd(year: 2026)
        let failed = frontEnd.resolve("ssh_failed_password")!
        let matched = frontEnd.detections(lines, batch: 1024).reduce(0) { $0 + $1.detections.filter { $0.rule == failed }.count }
        #expect(matched == truth["failed_password_lines_matched"])

        for shards in [1, 3] {
            var options = CorrelationOptions(emit: .threshold, shards: shards)
            options.lateness = .seconds(5)
            let (alerts, stats) = frontEnd.run(lines, options: options, batch: 1024)
            let fired = alerts.filter { $0.rule.title == "SSH brute force" }
            #expect(fired.count == expected, "shards \(shards)")
            #expect(stats.late == 0)
            #expect(fired.allSatisfy { $0.metric?.value == 5 })
        }
    }
}
