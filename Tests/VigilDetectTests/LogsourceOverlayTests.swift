import Foundation
import Testing
import VigilDetect
import VigilEvent
import VigilTestSupport

/// A logsource mapping laid over the shipped one (`--logsources FILE`): its sources in front, its field
/// maps, defaults and placeholders replacing the shipped ones by name; problems located in the overlay.
struct LogsourceOverlayTests {
    static let sshd = TestEvents.Syslog(
        message: "Failed password for root", app: "sshd", host: "web1", decoder: "sshd-failed", fields: [("user", "root")])
    static let operatorLogin = TestEvents.Syslog(
        message: "Failed password for operator", app: "sshd", host: "web1", decoder: "sshd-failed", fields: [("user", "operator")])
    static let acme = TestEvents.Syslog(message: "widget jammed", app: "acmed", host: "plant1")

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var overlay: String
        var event: TestEvents.Syslog
        /// Where the event is placed, as `product=...,service=...` per logsource.
        var placed: [String]
        /// A detection (Sigma `detection` body under `logsource`) and whether it matches the event.
        var rule: (logsource: String, detection: String, matches: Bool)? = nil
    }

    static let placementCases: [Case] = [
        Case(
            description: "without an overlay: the shipped mapping",
            overlay: "", event: acme, placed: ["product=linux,service=syslog"]),
        Case(
            description: "a new source goes in front of the shipped ones",
            overlay: "sources:\n  - {name: acme, app: acmed, logsource: {product: acme, service: acmed}}",
            event: acme, placed: ["product=acme,service=acmed"],
            rule: ("{product: acme}", "sel: {msg|contains: jammed}\n    condition: sel", true)),
        Case(
            description: "the shipped entries still place the other events",
            overlay: "sources:\n  - {name: acme, app: acmed, logsource: {product: acme, service: acmed}}",
            event: sshd, placed: ["product=linux,service=sshd", "product=linux,service=auth"]),
        Case(
            description: "first match wins: an overlay entry shadows a shipped one",
            overlay: "sources:\n  - {name: my-sshd, app: sshd, logsource: {product: linux, service: openssh}}",
            event: sshd, placed: ["product=linux,service=openssh"],
            rule: ("{product: linux, service: sshd}", "sel: {user: root}\n    condition: sel", false)),
        Case(
            description: "an overlay source may use a shipped field map",
            overlay: "sources:\n  - {name: acme-web, app: acmed, logsource: {category: webserver}, fieldmap: webserver}",
            event: acme, placed: ["category=webserver"],
            rule: ("{category: webserver}", "sel: {hostname: plant1}\n    condition: sel", true)),
        Case(
            description: "a field map replaced by name and extended through base keeps the shipped fields",
            overlay: "fieldmaps:\n  syslog: {base: syslog, fields: {login: user}}",
            event: sshd, placed: ["product=linux,service=sshd", "product=linux,service=auth"],
            rule: ("{service: sshd}", "sel: {login: root, hostname: web1}\n    condition: sel", true)),
        Case(
            description: "a field map replaced by name without base drops the shipped fields",
            overlay: "fieldmaps:\n  syslog: {fields: {login: user}}",
            event: sshd, placed: ["product=linux,service=sshd", "product=linux,service=auth"],
            rule: ("{service: sshd}", "sel: {login: root, hostname: web1}\n    condition: sel", false)),
        Case(
            description: "defaults reach the shipped entries that name no field map",
            overlay: "fieldmaps:\n  mytext: {base: syslog, fields: {login: user}}\ndefaults: {text: mytext}",
            event: sshd, placed: ["product=linux,service=sshd", "product=linux,service=auth"],
            rule: ("{service: sshd}", "sel: {login: root}\n    condition: sel", true)),
        Case(
            description: "without the overlay's defaults the shipped map does not know the field",
            overlay: "fieldmaps:\n  mytext: {base: syslog, fields: {login: user}}",
            event: sshd, placed: ["product=linux,service=sshd", "product=linux,service=auth"],
            rule: ("{service: sshd}", "sel: {login: root}\n    condition: sel", false)),
        Case(
            description: "a placeholder replaced by name: its new values match",
            overlay: "placeholders:\n  Administrators: [operator]\n",
            event: operatorLogin, placed: ["product=linux,service=sshd", "product=linux,service=auth"],
            rule: (
                "{service: sshd}",
                "sel: {user|expand: '%Administrators%'}\n    other: {hostname|expand: '%Servers%'}\n    condition: sel and not other", true
            )),
        Case(
            description: "a placeholder replaced by name: the shipped values are gone",
            overlay: "placeholders:\n  Administrators: [operator]\n",
            event: sshd, placed: ["product=linux,service=sshd", "product=linux,service=auth"],
            rule: ("{service: sshd}", "sel: {user|expand: '%Administrators%'}\n    condition: sel", false)),
    ]

    @Test(arguments: placementCases)
    func overlay(_ c: Case) throws {
        let (configuration, problems) = SigmaConfiguration.parse(yaml: c.overlay, file: "overlay.yml", over: SigmaTesting.configuration)
        #expect(problems.isEmpty, "\(problems)")
        let mapping = try #require(configuration)
        let batch = TestEvents.syslog([c.event])
        let (empty, _) = SigmaRuleSet.compile(documents: [], configuration: mapping)
        var detector = Detector(ruleSet: empty)
        #expect(detector.logsources(ofEvent: 0, in: batch).map(\.description) == c.placed)
        if let rule = c.rule {
            let yaml = "title: t\nlogsource: \(rule.logsource)\ndetection:\n    \(rule.detection)\n"
            let (ruleSet, diagnostics) = SigmaTesting.compile(yaml, configuration: mapping)
            #expect(diagnostics.isEmpty, "\(diagnostics)")
            #expect(SigmaTesting.matchingEvents(ruleSet, batch) == (rule.matches ? [0] : []))
        }
    }

    /// Overlay text -> the problems reported, located in the overlay.
    static let problemCases: [(overlay: String, problems: [String])] = [
        (
            "sources:\n  - {name: x, app: x, logsource: {product: x}, fieldmap: nosuchmap}",
            ["overlay.yml:2:58: source 'x': unknown field map 'nosuchmap'"]
        ),
        ("defaults: {text: nosuchmap}", ["overlay.yml:1:11: defaults 'text' names unknown field map 'nosuchmap'"]),
        (
            "fieldmaps:\n  mine: {base: nosuchmap}",
            ["overlay.yml:2:16: field map 'mine': 'base' must name a field map defined above"]
        ),
        ("sources: {name: x}", ["overlay.yml:1:10: 'sources' must be a list of entries"]),
    ]

    @Test(arguments: problemCases)
    func problemsAreLocatedInTheOverlay(_ overlay: String, _ expected: [String]) {
        let (configuration, problems) = SigmaConfiguration.parse(yaml: overlay, file: "overlay.yml", over: SigmaTesting.configuration)
        #expect(configuration == nil)
        #expect(problems.map(\.description) == expected)
    }

    @Test("files stack in the order given: each one's sources in front of the ones before, its keys over theirs")
    func filesStack() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-overlay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let shipped = TestPaths.packageRoot.appendingPathComponent("rules/logsources.yml").path
        let first = folder.appendingPathComponent("first.yml").path
        let second = folder.appendingPathComponent("second.yml").path
        try "sources:\n  - {name: a, app: acmed, logsource: {product: first}}\nplaceholders: {P: [one]}\n".write(
            toFile: first, atomically: true, encoding: .utf8)
        try "sources:\n  - {name: b, app: acmed, logsource: {product: second}}\nplaceholders: {P: [two]}\n".write(
            toFile: second, atomically: true, encoding: .utf8)
        let (configuration, problems) = SigmaConfiguration.load(paths: [shipped, first, second])
        #expect(problems.isEmpty, "\(problems)")
        let mapping = try #require(configuration)
        #expect(mapping.files == [shipped, first, second])
        #expect(mapping.sourceCount == SigmaTesting.configuration.sourceCount + 2)
        let (empty, _) = SigmaRuleSet.compile(documents: [], configuration: mapping)
        var detector = Detector(ruleSet: empty)
        #expect(detector.logsources(ofEvent: 0, in: TestEvents.syslog([Self.acme])).map(\.description) == ["product=second"])
        let rule = "title: t\nlogsource: {product: second}\ndetection:\n    sel: {msg|expand: '%P%'}\n    condition: sel\n"
        let two = TestEvents.Syslog(message: "two", app: "acmed")
        let (ruleSet, diagnostics) = SigmaTesting.compile(rule, configuration: mapping)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(SigmaTesting.matchingEvents(ruleSet, TestEvents.syslog([two])) == [0])
        // A file with a problem is reported; the next is still read (over the last good mapping).
        let broken = folder.appendingPathComponent("broken.yml").path
        try "defaults: {json: nosuchmap}\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let (none, reported) = SigmaConfiguration.load(paths: [shipped, broken, "/nonexistent/third.yml"])
        #expect(none == nil)
        #expect(reported.map(\.file) == [broken, "/nonexistent/third.yml"])
    }
}
