import Foundation
import Testing
import VigilAlert
import VigilDetect
import VigilEvent

/// Logsource routing and field mapping with the shipped rules/logsources.yml, and what detections
/// carry out of the detector.
struct SigmaRoutingTests {
    static let rules = """
        title: sshd rule
        id: 00000000-0000-4000-8000-000000000001
        name: sshd_failed
        logsource: {product: linux, service: sshd}
        detection:
            sel:
                outcome: failure
                host: web1
            condition: sel
        level: medium
        tags: [attack.t1110]
        ---
        title: any linux keyword
        id: 00000000-0000-4000-8000-000000000002
        logsource: {product: linux}
        detection:
            keywords: ['segfault']
            condition: keywords
        ---
        title: auth service
        id: 00000000-0000-4000-8000-000000000003
        logsource: {product: linux, service: auth}
        detection:
            sel:
                app: sudo
            condition: sel
        ---
        title: no logsource keys
        id: 00000000-0000-4000-8000-000000000004
        logsource: {definition: sees everything}
        detection:
            keywords: ['everywhere']
            condition: keywords
        ---
        title: cisco
        id: 00000000-0000-4000-8000-000000000005
        logsource: {product: cisco, service: aaa}
        detection:
            keywords: ['port-control']
            condition: keywords
        ---
        title: web
        id: 00000000-0000-4000-8000-000000000006
        logsource: {category: webserver}
        detection:
            sel:
                cs-method: GET
                sc-status: 404
            condition: sel
        """

    static func events() -> EventBatch {
        TestEvents.syslog([
            .init(message: "Failed password for root", app: "sshd", host: "web1", decoder: "sshd", fields: [("outcome", "failure")]),
            .init(message: "Failed password for root", app: "sshd", host: "web2", decoder: "sshd", fields: [("outcome", "failure")]),
            .init(message: "kernel: app[1] segfault at 0", app: "kernel"),
            .init(message: "pam_unix(sudo:session): opened", app: "sudo"),
            .init(message: "everywhere and port-control", format: .raw),
            .init(message: "GET /x 404", decoder: "web-accesslog", fields: [("cs-method", "GET"), ("sc-status", "404")], format: .raw),
        ])
    }

    @Test func routesEventsToTheirLogsourcesRules() {
        let (ruleSet, diagnostics) = SigmaTesting.compile(Self.rules, configuration: SigmaTesting.configuration)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let matches = SigmaTesting.matches(ruleSet, Self.events()).map { $0.map { ruleSet.rule($0).title } }
        #expect(matches[0] == ["sshd rule"])
        #expect(matches[1] == [])
        #expect(matches[2] == ["any linux keyword"])
        #expect(matches[3] == ["auth service"])
        #expect(matches[4] == ["no logsource keys"])
        #expect(matches[5] == ["web"])
    }

    @Test func defaultLogsourcePlacesUnplacedEvents() {
        let options = SigmaDetectOptions(defaultLogsource: SigmaLogsource.parse("product=cisco,service=aaa").logsource)
        let (ruleSet, _) = SigmaTesting.compile(Self.rules, configuration: SigmaTesting.configuration, options: options)
        let matches = SigmaTesting.matches(ruleSet, Self.events()).map { $0.map { ruleSet.rule($0).title } }
        #expect(matches[4] == ["no logsource keys", "cisco"])
        var detector = Detector(ruleSet: ruleSet)
        #expect(detector.logsources(ofEvent: 0, in: Self.events()).contains(SigmaLogsource(product: "linux", service: "auth")))
        #expect(detector.logsources(ofEvent: 4, in: Self.events()).isEmpty)
    }

    @Test func evtxEventsSitInSeveralLogsources() {
        let event =
            #"{"Event": {"System": {"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 13}, "EventData": {"TargetObject": "HKLM\\x"}}}"#
        var detector = Detector(ruleSet: SigmaTesting.compile("", configuration: SigmaTesting.configuration).0)
        let logsources = detector.logsources(ofEvent: 0, in: TestEvents.json([event]))
        #expect(logsources.map(\.category) == ["registry_set", "registry_event"])
    }

    /// Placing a batch (what `vigil parse` shows) agrees with the routing matching uses, event by
    /// event, with and without a default logsource for events placed nowhere.
    @Test(arguments: [nil, "product=cisco,service=aaa"])
    func placementIsTheRouting(_ defaultLogsource: String?) {
        let options = SigmaDetectOptions(defaultLogsource: defaultLogsource.flatMap { SigmaLogsource.parse($0).logsource })
        let (ruleSet, _) = SigmaTesting.compile(Self.rules, configuration: SigmaTesting.configuration, options: options)
        let batch = Self.events()
        var detector = Detector(ruleSet: ruleSet)
        var routes: [Int32] = [99]
        detector.placeEvents(of: batch, into: &routes)
        #expect(routes.count == batch.events.count)
        for index in batch.events.indices {
            var expected = detector.logsources(ofEvent: index, in: batch)
            if expected.isEmpty, let fallback = options.defaultLogsource { expected = [fallback] }
            #expect(ruleSet.routeLogsources[Int(routes[index])] == expected, "event \(index)")
        }
        #expect(ruleSet.routeLogsources[Int(routes[4])].map(\.description) == (defaultLogsource.map { [$0] } ?? []))
    }

    @Test func detectionsCarryEventJSONAndRequestedFields() throws {
        let (compiled, _) = SigmaTesting.compile(Self.rules, configuration: SigmaTesting.configuration)
        let sshd = try #require(compiled.rule(reference: "sshd_failed"))
        #expect(compiled.rule(reference: "00000000-0000-4000-8000-000000000001")?.ruleID == sshd.ruleID)
        let ruleSet = compiled.carrying([sshd.ruleID: ["host", "outcome", "src_ip"]])
        var detector = Detector(ruleSet: ruleSet)
        var detections: [Detection] = []
        detector.detect(Self.events(), into: &detections)
        #expect(detections.count == 5)
        let first = detections[0]
        #expect(first.rule == sshd.ruleID)
        #expect(first.values.map(\.name.name) == ["host", "outcome", "src_ip"])
        #expect(first.values.map(\.value) == ["web1", "failure", nil])
        #expect(first.event.contains(#""host":"web1""#))
        #expect(detector.counters.detections == 5)
        #expect(detector.counters.events == 6)

        let alert = ruleSet.alert(for: first).jsonLine
        #expect(alert.hasPrefix(#"{"id":""#))
        #expect(alert.contains(#","kind":"detection","time":"#))
        #expect(
            alert.contains(
                #""rule":{"id":"00000000-0000-4000-8000-000000000001","name":"sshd_failed","title":"sshd rule","level":"medium","tags":["attack.t1110"],"file":"#
            ))
        #expect(alert.contains(#""event":{"time":"#))
    }

    /// The pipeline writes detection alerts from pre-rendered parts (`Alert.appendDetectionJSON`): the
    /// line must be the one `Alert.appendJSON` writes for the same detection.
    @Test func detectionAlertFromPartsEqualsTheAlert() throws {
        let (ruleSet, _) = SigmaTesting.compile(Self.rules, configuration: SigmaTesting.configuration)
        var detector = Detector(ruleSet: ruleSet)
        var detections: [Detection] = []
        detector.detect(Self.events(), into: &detections)
        try #require(!detections.isEmpty)
        for detection in detections {
            var alert = ruleSet.alert(for: detection)
            alert.tier = 2
            alert.host = "web-01"
            var rule: [UInt8] = []
            alert.rule.appendJSON(to: &rule)
            var fromParts: [UInt8] = []
            rule.withUnsafeBytes { rule in
                Array(detection.event.utf8).withUnsafeBytes { event in
                    Array("web-01".utf8).withUnsafeBytes { host in
                        Alert.appendDetectionJSON(time: detection.time, tier: 2, rule: rule, host: host, event: event, to: &fromParts)
                    }
                }
            }
            #expect(String(decoding: fromParts, as: UTF8.self) == alert.jsonLine)
        }
    }

    @Test func logsourceOptionParsing() {
        #expect(
            SigmaLogsource.parse("product=Windows, service=security").logsource == SigmaLogsource(product: "windows", service: "security"))
        #expect(SigmaLogsource.parse("category=webserver").logsource?.description == "category=webserver")
        #expect(SigmaLogsource.parse("product").error == "expected key=value in 'product' (keys: product, category, service)")
        #expect(SigmaLogsource.parse("vendor=x").error == "unknown logsource key 'vendor' (keys: product, category, service)")
        #expect(SigmaLogsource.parse("").error == "a logsource needs at least one of product, category, service")
        let rule = SigmaLogsource(product: "linux", service: "sshd")
        #expect(rule.admits(SigmaLogsource(product: "linux", category: "x", service: "sshd")))
        #expect(!rule.admits(SigmaLogsource(product: "linux")))
        #expect(SigmaLogsource().admits(SigmaLogsource()))
    }

    @Test func regexLimitsCountAndDoNotMatch() {
        let rule = "title: redos\nlogsource: {product: t}\ndetection:\n    sel:\n        F|re: '^(a+)+$'\n    condition: sel\n"
        let options = SigmaDetectOptions(defaultLogsource: SigmaLogsource(product: "t"))
        let (ruleSet, _) = SigmaTesting.compile(rule, options: options)
        let batch = TestEvents.json([#"{"F": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"}"#, #"{"F": "aaa"}"#])
        var detector = Detector(ruleSet: ruleSet)
        var detections: [Detection] = []
        detector.detect(batch, into: &detections)
        #expect(detections.map(\.sequence) == [1])
        #expect(detector.counters.regexLimitHits == 1)
    }
}
