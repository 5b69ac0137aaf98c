import Foundation
import Testing
import VigilTestSupport

/// The shipped correlation rules through the binary on real and generated logs (issue 5's tests).
@Suite("correlation end to end on loghub and gen-authlog")
struct CorrelationEndToEndTests {
    @Test("loghub OpenSSH_2k: the brute-force rule fires for 183.62.140.253 and 187.141.143.180", arguments: ["episodes", "all"])
    func bruteForceOnOpenSSH2k(emit: String) throws {
        let input = TestPaths.shared("loghub/OpenSSH/OpenSSH_2k.log").path
        let stats = temporaryPath("stats.json")
        let result = try runVigil(["run", "--rules", "rules/sigma", "--emit", emit, "--stats-json", stats, input])
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = try alertObjects(result.stdout)
        let sources = Set(alerts.filter { ruleName($0) == "ssh_bruteforce" }.compactMap(groupValue))
        #expect(sources.contains("183.62.140.253"))
        #expect(sources.contains("187.141.143.180"))
        let json = try readStats(stats)
        #expect(integer(json, "events") == 2000)
        #expect(integer(json, "correlation", "late") == 0)
        #expect(integer(json, "decoders", "decoded") > 1900)
        #expect(integer(json, "alerts", "correlation") == alerts.filter { $0["kind"] as? String == "correlation" }.count)
    }

    @Test("gen-authlog with --emit threshold: brute-force alerts equal truth-ssh-bruteforce.py's SEC count")
    func thresholdEqualsSECSingleWithThreshold() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = folder.appendingPathComponent("auth").path
        _ = try runPython([
            TestPaths.sharedTools.appendingPathComponent("gen-authlog.py").path, "-n", "40000", "--seed", "42", "--out", base,
        ])
        let truthText = try runPython([TestPaths.sharedTools.appendingPathComponent("truth-ssh-bruteforce.py").path, base + ".log"])
        let truth = try JSONSerialization.jsonObject(with: Data(truthText.utf8)) as! [String: Any]
        let expected = (truth["alerts_sec_singlewiththreshold"] as? NSNumber)?.intValue ?? -1
        #expect(expected > 0)
        for workers in ["1", "2"] {
            let result = try runVigil([
                "run", "--rules", "rules/sigma/correlation", "--emit", "threshold", "--workers", workers, base + ".log",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let fired = try alertObjects(result.stdout).filter { ruleName($0) == "ssh_bruteforce" }
            #expect(fired.count == expected, "workers \(workers)")
            #expect(result.stderr.contains(" 0 late"))
        }
    }

    @Test("gen-authlog: hosts run cron often, so host_silent reports each host once, at the end of the input only")
    func hostSilentOnlyAtTheEndOfGenAuthlog() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = folder.appendingPathComponent("auth").path
        _ = try runPython([
            TestPaths.sharedTools.appendingPathComponent("gen-authlog.py").path, "-n", "100000", "--days", "1", "--seed", "5", "--out",
            base,
        ])
        let rules = ["run", "--rules", "rules/sigma/correlation/mr_host_silent.yml", "--year", "2024", base + ".log"]
        let result = try runVigil(rules)
        #expect(result.status == 0, "\(result.stderr)")
        let opened = try alertObjects(result.stdout).filter { ($0["episode"] as? [String: Any])?["state"] as? String == "opened" }
        #expect(Set(opened.compactMap(groupValue)).count == 20)
        #expect(opened.count == 20)
        // Every window starts within its two hours of the last line (23:59:59 at the latest): the end of input.
        for alert in opened {
            let start = (alert["window"] as? [String: Any])?["start"] as? String ?? ""
            #expect(start >= "2024-03-01T22:00:00", "\(alert)")
        }
        // Left undecided at the end, the same windows raise nothing.
        let leave = try runVigil(rules + ["--absence-at-end", "leave"])
        #expect(leave.status == 0 && leave.stdout.isEmpty, "\(leave.stderr)")
        #expect(leave.stderr.contains("20 undecided windows"))
    }
}
