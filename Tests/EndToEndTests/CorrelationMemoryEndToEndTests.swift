import Foundation
import Testing
import VigilTestSupport

/// Issue 12: correlation state that no sender can blow up. Each failed before: the flood took memory
/// with rate × timespan, long values were kept whole, and a flood of one-event groups evicted the
/// attacker's.
@Suite("correlation memory under hostile input", .serialized)
struct CorrelationMemoryEndToEndTests {
    /// Writes the floods with Python (hundreds of megabytes; building them in a debug test took
    /// tens of seconds): `body` is a Python expression of `i` giving line `i`, run for `count` lines.
    static func writeLines(_ count: Int, to url: URL, _ body: String) throws {
        let script = """
            import sys
            def failure(second, source, pid):
                return 'Mar  1 10:%02d:%02d bastion-01 sshd[%d]: Failed password for root from %s port %d ssh2' % (
                    second // 60, second % 60, pid, source, 40000 + pid % 20000)
            with open(sys.argv[1], 'w') as out:
                for i in range(\(count)):
                    out.write((\(body)) + '\\n')
            """
        let file = url.deletingLastPathComponent().appendingPathComponent("write.py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        _ = try runPython([file.path, url.path])
    }

    /// 2 M failures in the same second from 250 addresses: before, every one waited for the watermark
    /// (80 bytes each) and stayed in its window, 450 MB and more; now the waiting inputs are applied
    /// early at the budget and an instant's events share ten window entries.
    @Test("a same-second flood stays within --max-state-memory plus a constant, and every source still alerts")
    func floodStaysWithinTheBudget() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("flood.log")
        try Self.writeLines(2_000_000, to: input, "failure(0, '10.0.%d.%d' % (i % 250 // 100, i % 250), 1000 + i % 30000)")
        let stats = temporaryPath("stats.json")
        let result = try runVigil(
            [
                "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--year", "2026", "--max-state-memory", "64M",
                "--stats-json", stats, input.path,
            ], binary: TestPaths.loadTestBinary)
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = try alertObjects(result.stdout)
        let opened = alerts.filter {
            $0["kind"] as? String == "correlation" && ($0["episode"] as? [String: Any])?["state"] as? String == "opened"
        }
        #expect(Set(opened.compactMap(groupValue)).count == 250)
        // Shedding state blinds correlation a little: vigil says so with a health alert.
        #expect(alerts.contains { $0["kind"] as? String == "health" && groupValue($0) == "correlation_state_shed" })
        let json = try readStats(stats)
        let peak = integer(json, "peak_memory_bytes")
        // The stated constant: the process without correlation state (rules, decoders, batches in
        // flight, the evidence ring) stays under 128 MiB.
        #expect(peak > 0 && peak < (64 + 128) << 20, "peak \(peak >> 20) MiB")
        #expect(integer(json, "correlation", "shed", "budget_reached") > 0)
        #expect(integer(json, "correlation", "late") == 0)
    }

    /// 2,000 sudo failures with 60 KB user names: each name was kept whole as a group key (170 MB for
    /// these; 6 GB per rule at the default group limit).
    @Test("group values longer than 256 bytes are kept as a prefix and a digest, and still group exactly")
    func longValuesAreBounded() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("sudo.log")
        // The last three lines are one user failing three times: one alert, for that user only.
        try Self.writeLines(
            2003, to: input,
            "'Mar  1 10:%02d:%02d web-01 sudo: %s : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home ; USER=root ; "
                + "COMMAND=/bin/ls' % (i * 300 // 2003 // 60, i * 300 // 2003 % 60, ('zz-repeat' if i >= 2000 else 'u%05d' % i) + 'x' * 60000)"
        )
        let stats = temporaryPath("stats.json")
        let result = try runVigil(
            [
                "run", "--rules", "rules/sigma/correlation/mr_sudo_repeated_failures.yml", "--year", "2026", "--stats-json", stats,
                input.path,
            ], binary: TestPaths.loadTestBinary)
        #expect(result.status == 0, "\(result.stderr)")
        let alerts = try alertObjects(result.stdout).filter { ruleName($0) == "sudo_repeated_failures" }
        let users = Set(alerts.compactMap(groupValue))
        #expect(users.count == 1, "\(users.map { $0.prefix(40) })")
        let user = try #require(users.first)
        #expect(user.hasPrefix("zz-repeatxxx") && user.contains("…#") && user.utf8.count <= 256 + 40)
        let json = try readStats(stats)
        #expect(integer(json, "correlation", "shortened_values") == 2003)
        // State as the budget counts it: the evidence ring (8 MiB at most) and short keys; before, the
        // names alone were 120 MB. The process as a whole stays small too (the bound is loose: the
        // allocator's arenas vary with how busy the machine is).
        #expect(integer(json, "correlation", "peak_state_bytes") < 16 << 20, "\(integer(json, "correlation", "peak_state_bytes"))")
        #expect(integer(json, "peak_memory_bytes") < 200 << 20, "peak \(integer(json, "peak_memory_bytes") >> 20) MiB")
    }

    /// The attacker's three failures, then 150,000 sources failing once, then three more failures, all
    /// within a minute: at the default group limit the flood evicted the attacker's group (0 alerts).
    @Test("a flood of one-event groups does not evict the group about to fire")
    func evictionSparesTheGroupNearItsThreshold() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("auth.log")
        let attacker = "203.0.113.66"
        try Self.writeLines(
            150_006, to: input,
            "failure(i, '\(attacker)', 100 + i) if i < 3 else failure(55 + i - 150003, '\(attacker)', 200 + i) if i >= 150003 "
                + "else failure(3 + (i - 3) * 50 // 150000, '10.%d.%d.%d' % ((i - 3) >> 16, ((i - 3) >> 8) & 255, (i - 3) & 255), "
                + "1000 + (i - 3) % 30000)")
        let stats = temporaryPath("stats.json")
        let result = try runVigil(
            [
                "run", "--rules", "rules/sigma/correlation/mr_ssh_bruteforce.yml", "--year", "2026", "--stats-json", stats, input.path,
            ], binary: TestPaths.loadTestBinary)
        #expect(result.status == 0, "\(result.stderr)")
        let fired = try alertObjects(result.stdout).filter { ruleName($0) == "ssh_bruteforce" && groupValue($0) == attacker }
        #expect(fired.count == 2, "\(result.stderr)")  // opened and closed
        let json = try readStats(stats)
        #expect(integer(json, "correlation", "evicted_groups") > 40_000)
    }
}
