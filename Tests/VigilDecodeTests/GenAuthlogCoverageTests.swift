import Foundation
import Testing
import VigilDecode
import VigilTestSupport

/// gen-authlog output (../shared/tools/gen-authlog.py -n 20000): every sshd, sudo, UFW, cron and postfix
/// line is decoded by a specific decoder (not just its program's top-level one), with the source address
/// and user the generator recorded in its JSON twin.
@Suite struct GenAuthlogCoverageTests {
    static let covered: Set<String> = ["sshd", "sudo", "kernel", "CRON", "postfix/smtpd"]

    /// Runs the generator into a temporary folder; returns the auth.log lines and the JSON lines.
    static func generate(count: Int) throws -> (log: [String], json: [[String: Any]]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-decode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = TestPaths.sharedData.appendingPathComponent("../tools/gen-authlog.py").standardizedFileURL
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "-n", "\(count)", "--out", dir.appendingPathComponent("auth").path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = try SyslogLines.lines(of: dir.appendingPathComponent("auth.log")).filter { !$0.isEmpty }
        let json = try SyslogLines.lines(of: dir.appendingPathComponent("auth.jsonl")).filter { !$0.isEmpty }.map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        return (log, json)
    }

    @Test func everyCoveredLineIsDecoded() throws {
        let decoders = try ShippedDecoderTests.shipped()
        let (log, json) = try Self.generate(count: 20_000)
        #expect(log.count == 20_000 && json.count == log.count)
        var worker = DecoderWorker(decoders: decoders)
        var batch = SyslogLines.batch(log)
        worker.decode(&batch)
        var checked = 0
        var problems: [String] = []
        for (i, event) in batch.events.enumerated() {
            let program = json[i]["program"] as? String ?? ""
            guard Self.covered.contains(program) else { continue }
            checked += 1
            let decoder = event.decoder?.name
            let fields = batch.allFields(of: event).map { ($0.name.name, batch.string($0.value)) }
            func values(_ names: Set<String>) -> [String] { fields.filter { names.contains($0.0) }.map(\.1) }
            if decoder == nil || decoders.lineage(of: decoder!)?.count == 1 {
                problems.append("not decoded by a specific decoder (\(decoder ?? "none")): \(log[i])")
            } else if let ip = json[i]["src_ip"] as? String, !values(["src_ip"]).contains(ip) {
                problems.append("src_ip \(ip) missing: \(log[i])")
            } else if let user = json[i]["user"] as? String, log[i].contains(" \(user)"),
                !values(["user", "target_user"]).contains(user)
            {
                problems.append("user \(user) missing: \(log[i])")
            }
        }
        #expect(checked > 15_000)
        #expect(problems.isEmpty, "\(problems.count) lines, first: \(problems.prefix(10).joined(separator: "\n"))")
        #expect(worker.counters.totalLimitExceeded == 0)
        #expect(worker.counters.totalInvalidFields == 0)
    }
}
