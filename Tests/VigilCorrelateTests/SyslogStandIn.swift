import Foundation
import VigilAlert
import VigilCorrelate
import VigilDetect
import VigilEvent
import VigilTestSupport

/// A stand-in for the decode and detect stages over syslog lines, for the shipped correlation rules
/// until VigilDetect's compiler and the shipped decoders are wired in: each shipped detection rule is
/// mirrored by a predicate over the fields the decoders in rules/decoders give (same names).
struct SyslogStandIn {
    struct Line {
        var time: Timestamp
        var host: String
        var app: String
        var message: String
        var fields: [String: String]
    }

    let ruleSet: CorrelationRuleSet
    let rules: StandInDetectionRules
    let year: Int

    /// The shipped correlation rules (rules/sigma/correlation) and their detection rules.
    static func shipped(year: Int = 2024) -> (SyslogStandIn, [RuleDiagnostic]) {
        let folder = TestPaths.packageRoot.appendingPathComponent("rules/sigma/correlation").path
        let loaded = SigmaFileLoader.load(paths: [folder])
        let rules = StandInDetectionRules(loaded.documents)
        let (ruleSet, diagnostics) = CorrelationRuleSet.compile(loaded.documents, resolving: rules.resolve)
        return (SyslogStandIn(ruleSet: ruleSet, rules: rules, year: year), loaded.diagnostics + diagnostics)
    }

    /// The shipped detection rules an event matches, mirrored from their YAML.
    static let predicates: [(name: String, matches: @Sendable (Line) -> Bool)] = [
        (
            "ssh_failed_password",
            {
                $0.app == "sshd" && $0.fields["auth_method"] == "password" && $0.fields["outcome"] == "failure"
                    && $0.fields["repeat_count"] == nil
            }
        ),
        ("ssh_accepted_login", { $0.app == "sshd" && $0.fields["outcome"] == "success" && $0.fields["src_ip"] != nil }),
        ("ufw_block", { $0.fields["action"] == "BLOCK" && $0.fields["dst_port"] != nil }),
        ("sudo_failure", { $0.app == "sudo" && $0.fields["outcome"] == "failure" && $0.fields["user"] != nil }),
        ("host_logged", { !$0.host.isEmpty }),
    ]

    static let patterns: [(app: String, regex: NSRegularExpression, names: [String], constants: [String: String])] = [
        ("sshd", #"^message repeated (\d+) times: \[ ?"#, ["repeat_count"], [:]),
        (
            "sshd", #"Failed (\S+) for (?:invalid user )?(.*?) from (\S+) port (\d+)"#, ["auth_method", "user", "src_ip", "src_port"],
            ["outcome": "failure"]
        ),
        (
            "sshd", #"^Accepted (\S+) for (.*?) from (\S+) port (\d+)"#, ["auth_method", "user", "src_ip", "src_port"],
            ["outcome": "success"]
        ),
        ("kernel", #"\[UFW ([^\]]+)\] .*SRC=(\S+) .*?(?:DPT=(\d+))?"#, ["action", "src_ip", "dst_port"], [:]),
        ("kernel", #"DPT=(\d+)"#, ["dst_port"], [:]),
        ("sudo", #"^pam_unix\(sudo:auth\): authentication failure;.*user=(\S+)"#, ["user"], ["outcome": "failure"]),
        ("sudo", #"^\s*(\S+) : (?:\d+ incorrect password attempts?|user NOT in sudoers)"#, ["user"], ["outcome": "failure"]),
    ].map { ($0.0, try! NSRegularExpression(pattern: $0.1), $0.2, $0.3) }

    static let header = try! NSRegularExpression(pattern: #"^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\S+) ([^\[:]+)(?:\[\d+\])?: (.*)$"#)
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses an RFC 3164 line as the parse and decode stages would (year given).
    func parse(_ text: String) -> Line? {
        let ns = text as NSString
        guard let m = Self.header.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)) else { return nil }
        let g = { (i: Int) in ns.substring(with: m.range(at: i)) }
        let month = (Self.months.firstIndex(of: g(1)) ?? 0) + 1
        let time = Timestamp(
            CivilTime(year: year, month: month, day: Int(g(2))!, hour: Int(g(3))!, minute: Int(g(4))!, second: Int(g(5))!))
        var line = Line(time: time, host: g(6), app: g(7), message: g(8), fields: [:])
        let message = line.message as NSString
        for pattern in Self.patterns where pattern.app == line.app {
            guard let match = pattern.regex.firstMatch(in: line.message, range: NSRange(location: 0, length: message.length)) else {
                continue
            }
            for (i, name) in pattern.names.enumerated() where match.range(at: i + 1).location != NSNotFound {
                line.fields[name] = line.fields[name] ?? message.substring(with: match.range(at: i + 1))
            }
            line.fields.merge(pattern.constants) { a, _ in a }
        }
        line.fields["host"] = line.host
        return line
    }

    /// The detections a line makes, carrying the fields the correlation rules asked for.
    func detections(_ line: Line, sequence: UInt64) -> [Detection] {
        var out: [Detection] = []
        for predicate in Self.predicates where predicate.matches(line) {
            guard let rule = rules.resolve(predicate.name) else { continue }
            let values = ruleSet.requiredFields(for: rule).map { (name: $0, value: line.fields[$0.name]) }
            let json = "{\"host\":\"\(line.host)\",\"app\":\"\(line.app)\",\"msg\":\(jsonQuoted(line.message))}"
            out.append(Detection(rule: rule, time: line.time, source: SourceID(1), sequence: sequence, values: values, event: json))
        }
        return out
    }

    /// Runs lines through the engine in batches, as the pipeline would.
    func run(_ lines: [String], options: CorrelationOptions, batch: Int = 256) -> (alerts: [Alert], stats: CorrelationStats) {
        run(parsed: lines.map(parse), options: options, batch: batch)
    }

    func run(parsed lines: [Line?], options: CorrelationOptions, batch: Int = 256) -> (alerts: [Alert], stats: CorrelationStats) {
        let engine = CorrelationEngine(ruleSet: ruleSet, options: options)
        var alerts: [Alert] = []
        var pending: [Detection] = []
        var latest = Timestamp.distantPast
        for (index, parsed) in lines.enumerated() {
            guard let line = parsed else { continue }
            latest = max(latest, line.time)
            pending += detections(line, sequence: UInt64(index))
            if (index + 1) % batch == 0 {
                engine.ingest(pending, latestEventTime: latest)
                alerts += engine.advance()
                pending.removeAll()
            }
        }
        engine.ingest(pending, latestEventTime: latest)
        alerts += engine.advance()
        alerts += engine.finish()
        return (alerts, engine.stats)
    }
}

func jsonQuoted(_ text: String) -> String {
    var out: [UInt8] = []
    JSONOutput.appendString(text, to: &out)
    return String(decoding: out, as: UTF8.self)
}
