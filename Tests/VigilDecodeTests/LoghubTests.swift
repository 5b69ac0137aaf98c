import Foundation
import Testing
import VigilDecode
import VigilTestSupport

/// loghub ground truth: the variables of each line's event template equal the decoded fields.
@Suite struct LoghubTests {
    /// OpenSSH_2k templates E1 ... E27: what each `<*>` must be decoded as (see ``TemplateVariables``).
    static let openSSH: [String: [String]] = [
        "E1": ["user", "src_ip", "src_port"], "E2": ["src_ip"], "E3": ["src_ip"], "E4": [], "E5": [],
        "E6": ["src_ip", "disconnect_code"], "E7": ["src_ip", "disconnect_code"],
        "E8": ["user", "src_ip", "src_port"], "E9": ["user", "src_ip", "src_port"], "E10": ["user", "src_ip", "src_port"],
        "E11": [], "E12": ["user"], "E13": ["user", "src_ip"],
        "E14": ["repeat_count", "src_ip", "{src_port} {ssh_protocol}"],
        "E15": ["failure_count", "uid", "euid", "src_ip|src_host"], "E16": ["failure_count", "uid", "euid", "src_ip|src_host"],
        "E17": ["failure_count", "uid", "euid", "src_ip|src_host"], "E18": ["failure_count", "max_retries"],
        "E19": ["uid", "euid", "src_ip|src_host"], "E20": ["uid", "euid", "src_ip|src_host", "user"], "E21": [],
        "E22": ["user"], "E23": ["user", "uid"], "E24": ["src_ip", "disconnect_code"], "E25": ["src_ip", "disconnect_code"],
        "E26": ["src_ip", "disconnect_code"], "E27": ["src_host", "src_ip"],
    ]

    /// Linux_2k templates of the pam, sshd and ftpd lines.
    static let linux: [String: [String]] = [
        "E9": ["src_ip"], "E15": [], "E16": ["src_ip|src_host"], "E17": ["src_ip|src_host"], "E18": ["src_ip|src_host"],
        "E19": ["src_ip|src_host"], "E27": [], "E29": ["src_ip", "src_host", "connect_time", "^", "^"], "E47": [],
        "E101": ["user|target_user"], "E102": ["user|target_user", "uid"], "E103": ["user", "uid"],
        "E112": ["timeout_seconds", "timeout_time", "^", "^", "^"],
    ]

    /// Decodes every line of a loghub `_2k.log` whose row passes `include`; returns (checked, failures).
    static func run(_ name: String, mappings: [String: [String]], include: ([String: String]) -> Bool) throws -> (Int, [String]) {
        let decoders = try ShippedDecoderTests.shipped()
        let lines = try SyslogLines.lines(of: TestPaths.shared("loghub/\(name).log"))
        let rows = try CSVRows.read(TestPaths.shared("loghub/\(name).log_structured.csv"))
        #expect(rows.count == 2000)
        var worker = DecoderWorker(decoders: decoders)
        var checked = 0
        var failures: [String] = []
        for row in rows where include(row) {
            let lineID = Int(row["LineId"]!)!
            guard let mapping = mappings[row["EventId"]!] else {
                failures.append("line \(lineID): no mapping for \(row["EventId"]!)")
                continue
            }
            checked += 1
            var batch = SyslogLines.batch(lines[lineID - 1])
            worker.decode(&batch)
            let (decoder, fields) = DecoderTestRunner.decoded(batch)
            var problems = try TemplateVariables(template: row["EventTemplate"]!, mapping: mapping)
                .check(content: row["Content"]!, fields: fields)
            if decoder == nil { problems.insert("not decoded", at: 0) }
            if !problems.isEmpty { failures.append("line \(lineID) [\(decoder ?? "-")]: \(problems.joined(separator: "; "))") }
        }
        return (checked, failures)
    }

    @Test func openSSHVariablesEqualDecodedFields() throws {
        let (checked, failures) = try Self.run("OpenSSH/OpenSSH_2k", mappings: Self.openSSH) { _ in true }
        #expect(checked == 2000)
        let agreed = Double(checked - failures.count) / Double(checked)
        print("loghub OpenSSH_2k: \(checked - failures.count)/\(checked) lines agree (\(String(format: "%.2f", agreed * 100))%)")
        for failure in failures { print("  \(failure)") }
        #expect(agreed >= 0.98, "\(failures.prefix(20).joined(separator: "\n"))")
    }

    /// Program-level decoders: matching only one of these means the line got no fields.
    static let programLevel: Set<String> = [
        "sshd", "sshd-solaris", "pam", "pam-service", "pam-su", "pam-sudo", "pam-legacy", "pam-legacy-su", "pam-legacy-sshd",
        "pam-legacy-cron", "pam-systemd",
    ]

    /// Every sshd and PAM line of both files reaches a message decoder, and an old-PAM tag
    /// (`sshd(pam_unix)`, `su(pam_unix)`) is read as its program, with the whole tag kept.
    @Test(arguments: [
        ("OpenSSH/OpenSSH_2k", 2000, ["sshd"]),
        ("Linux/Linux_2k", 853, ["sshd(pam_unix)", "su(pam_unix)", "login(pam_unix)", "gdm(pam_unix)"]),
    ])
    func sshdAndPAMLinesGetFields(name: String, count: Int, tags: [String]) throws {
        let decoders = try ShippedDecoderTests.shipped()
        let rows = try CSVRows.read(TestPaths.shared("loghub/\(name).log_structured.csv"))
        let lines = try SyslogLines.lines(of: TestPaths.shared("loghub/\(name).log"))
        var worker = DecoderWorker(decoders: decoders)
        var checked = 0
        for row in rows {
            let tag = name.hasPrefix("OpenSSH") ? "sshd" : row["Component"]!
            guard tags.contains(tag) else { continue }
            checked += 1
            var batch = SyslogLines.batch(lines[Int(row["LineId"]!)! - 1])
            worker.decode(&batch)
            let event = batch.events[0]
            let (decoder, fields) = DecoderTestRunner.decoded(batch)
            #expect(decoder.map { !Self.programLevel.contains($0) } == true, "line \(row["LineId"]!): \(decoder ?? "none")")
            #expect(!fields.isEmpty, "line \(row["LineId"]!)")
            let program = String(tag.prefix { $0 != "(" })
            #expect(batch.string(event.app) == program, "line \(row["LineId"]!)")
            let parsed = batch.fields[event.fields.range].filter { $0.name.name == "syslog_tag" }.map { batch.string($0.value) }
            #expect(parsed == (tag == program ? [] : [tag]), "line \(row["LineId"]!)")
        }
        #expect(checked == count)
    }

    @Test func linuxAuthVariablesEqualDecodedFields() throws {
        let components: Set<String> = ["sshd(pam_unix)", "su(pam_unix)", "login(pam_unix)", "gdm(pam_unix)", "ftpd"]
        let (checked, failures) = try Self.run("Linux/Linux_2k", mappings: Self.linux) { components.contains($0["Component"]!) }
        #expect(checked == 1769)
        let agreed = Double(checked - failures.count) / Double(checked)
        print(
            "loghub Linux_2k pam/sshd/ftpd: \(checked - failures.count)/\(checked) lines agree (\(String(format: "%.2f", agreed * 100))%)")
        #expect(agreed >= 0.98, "\(failures.prefix(20).joined(separator: "\n"))")
    }
}
