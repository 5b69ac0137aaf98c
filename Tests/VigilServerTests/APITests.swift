import Foundation
import Testing
import VigilServer
import VigilStore

/// Every route's answer against a real store in a temporary directory.
@Suite(.serialized) struct APITests {
    static let tokens = """
        alice:analyst=1:alice-token-0123456789
        vera:viewer:vera-token-0123456789ab
        root:admin:root-token-0123456789ab
        """

    /// Episode 1000 (tier 2, two alerts) and episode 2000 (tier 1, one alert).
    static let alerts = [
        TestAlert(number: 1, episode: 1000, tier: 2, second: 10),
        TestAlert(number: 2, episode: 1000, state: "updated", tier: 2, second: 20, message: "<script>alert(1)</script>"),
        TestAlert(
            number: 3, episode: 2000, ruleID: "rule-2", ruleName: "rule_two", title: "Rule two", level: "low", tier: 1, host: "db-1",
            second: 30),
    ]

    @Test func listingsAndDetailShapes() async throws {
        let fixture = try await ServerFixture()
        try await fixture.write(Self.alerts)

        let alerts = try await fixture.request("GET", "/alerts")
        #expect(alerts.status == 200)
        #expect(alerts.header("Content-Type") == "application/json; charset=utf-8")
        let listed = try #require(alerts.json["alerts"] as? [[String: Any]])
        #expect(listed.map { $0["id"] as? String } == [Self.alerts[2].id, Self.alerts[1].id, Self.alerts[0].id])
        #expect(listed.map { $0["seq"] as? Int } == [3, 2, 1])
        #expect((listed[1]["event"] as? [String: Any])?["message"] as? String == "<script>alert(1)</script>")
        #expect(alerts.json["next"] is NSNull)
        // The stored JSON is embedded as vigil wrote it: the evidence is byte for byte there.
        #expect(alerts.body.contains(#""event":{"message":"<script>alert(1)</script>","host":"web-1"},"seq":2}"#))

        let page = try await fixture.request("GET", "/alerts?limit=2")
        #expect((page.json["alerts"] as? [Any])?.count == 2)
        let cursor = try #require(page.json["next"] as? String)
        let rest = try await fixture.request("GET", "/alerts?limit=2&cursor=\(cursor)")
        #expect((rest.json["alerts"] as? [[String: Any]])?.map { $0["seq"] as? Int } == [1])

        let filtered = try await fixture.request("GET", "/alerts?tier=1&from=2026-03-01T00:00:00Z&to=-0s")
        #expect((filtered.json["alerts"] as? [[String: Any]])?.map { $0["id"] as? String } == [Self.alerts[2].id])

        let episodes = try await fixture.request("GET", "/episodes?triage=new")
        let listedEpisodes = try #require(episodes.json["episodes"] as? [[String: Any]])
        #expect(listedEpisodes.map { $0["episode_id"] as? Int } == [2000, 1000])
        let episode = listedEpisodes[1]
        #expect(Set(episode.keys) == Self.episodeKeys)
        #expect(episode["count"] as? Int == 1)
        #expect(episode["alert_state"] as? String == "updated")
        #expect(episode["latest_alert_id"] as? String == Self.alerts[1].id)
        #expect(episode["latest_seq"] as? Int == 2)
        #expect(episode["triage"] as? String == "new")
        #expect(episode["resolution"] is NSNull)
        #expect((episode["rule"] as? [String: Any])?["title"] as? String == "Rule one")
        #expect((episode["entity"] as? [String: Any])?["host"] as? String == "web-1")
        #expect((episode["first_seen"] as? String)?.hasPrefix("2026-03-01T00:00:10.") == true)

        let counts = try await fixture.request("GET", "/episodes/counts")
        let tiers = try #require(counts.json["tiers"] as? [String: [String: Int]])
        #expect(tiers["1"] == ["new": 1, "acknowledged": 0, "escalated": 0, "closed": 0])
        #expect(tiers["2"] == ["new": 1, "acknowledged": 0, "escalated": 0, "closed": 0])
        #expect(tiers["3"] == ["new": 0, "acknowledged": 0, "escalated": 0, "closed": 0])

        let detail = try await fixture.request("GET", "/alerts/\(Self.alerts[0].id)")
        #expect(detail.status == 200)
        #expect((detail.json["alert"] as? [String: Any])?["seq"] as? Int == 1)
        #expect((detail.json["episode"] as? [String: Any])?["episode_id"] as? Int == 1000)
        #expect((detail.json["alerts"] as? [[String: Any]])?.map { $0["seq"] as? Int } == [1, 2])

        let history = try await fixture.request("GET", "/alerts/\(Self.alerts[0].id)/history")
        #expect(history.status == 200)
        #expect((history.json["history"] as? [Any])?.isEmpty == true)

        let exceptions = try await fixture.request("GET", "/exceptions")
        #expect((exceptions.json["exceptions"] as? [Any])?.isEmpty == true)

        let missing = try await fixture.request("GET", "/alerts/ffffffffffffffffffffffffffffffff")
        #expect(missing.status == 404)
        #expect(missing.json["error"] as? String == "no alert ffffffffffffffffffffffffffffffff")
        await fixture.stop()
    }

    static let episodeKeys: Set<String> = [
        "episode_id", "kind", "rule", "entity", "host", "tier", "alert_state", "count", "first_seen", "last_seen", "latest_alert_id",
        "latest_seq", "triage", "resolution",
    ]

    @Test(arguments: [
        ("/alerts?tier=4", "tier must list tiers 1 to 3, not '4'"),
        ("/alerts?from=yesterday", "from must be an RFC 3339 time (2026-03-01T00:00:00Z) or relative to now (-1h, -30m, -7d)"),
        ("/alerts?min_level=severe", "min_level must be one of informational, low, medium, high, critical"),
        ("/episodes?triage=done", "triage must be new, acknowledged, escalated or closed, not 'done'"),
        ("/alerts?state=open", "state must be opened, updated or closed, not 'open'"),
        ("/alerts?limit=0", "limit must be a positive number"),
        ("/alerts/stream?last_event_id=abc", "Last-Event-ID must be an alert id (32 hex digits)"),
    ])
    func badQueriesAre400(path: String, message: String) async throws {
        let fixture = try await ServerFixture()
        let answer = try await fixture.request("GET", path)
        #expect(answer.status == 400)
        #expect(answer.json["error"] as? String == message)
        await fixture.stop()
    }

    /// Who may do what, with a token file.
    @Test(
        arguments: [
            ("GET", "/alerts", nil, 401),
            ("GET", "/alerts", "not-a-token-at-all-0000", 401),
            ("GET", "/alerts", "vera-token-0123456789ab", 200),
            ("GET", "/metrics", nil, 401),
            ("GET", "/metrics", "vera-token-0123456789ab", 200),
            ("GET", "/healthz", nil, 200),
            ("GET", "/readyz", nil, 200),
            ("GET", "/", nil, 200),
            ("GET", "/console.js", nil, 200),
            ("GET", "/session", nil, 401),
            ("GET", "/nowhere", nil, 401),
            ("GET", "/nowhere", "vera-token-0123456789ab", 404),
            ("POST", "/alerts/00000000000000000000000000000001/ack", "vera-token-0123456789ab", 403),
            ("POST", "/alerts/00000000000000000000000000000001/ack", "alice-token-0123456789", 403),  // tier 2, alice has tier 1
            ("POST", "/alerts/00000000000000000000000000000003/ack", "alice-token-0123456789", 200),  // tier 1
            ("POST", "/alerts/00000000000000000000000000000001/ack", "root-token-0123456789ab", 200),
            ("POST", "/alerts/00000000000000000000000000000001/ack", nil, 401),
        ] as [(String, String, String?, Int)])
    func roles(method: String, path: String, token: String?, status: Int) async throws {
        let fixture = try await ServerFixture(tokens: Self.tokens)
        try await fixture.write(Self.alerts)
        let answer = try await fixture.request(method, path, body: method == "POST" ? "{}" : nil, bearer: token)
        #expect(answer.status == status, "\(answer.body)")
        if status >= 400 { #expect(answer.json["error"] is String) }
        await fixture.stop()
    }

    @Test func cookieSessionFlow() async throws {
        let fixture = try await ServerFixture(tokens: Self.tokens)
        let wrong = try await fixture.request("POST", "/session", body: #"{"token":"wrong-token-0123456789"}"#)
        #expect(wrong.status == 401)
        let signIn = try await fixture.request("POST", "/session", body: #"{"token":"alice-token-0123456789","extra":[1,2]}"#)
        #expect(signIn.status == 204)
        let cookie = try #require(signIn.header("Set-Cookie"))
        #expect(cookie.hasSuffix("; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"))
        #expect(!cookie.contains("Secure"))
        let value = try #require(cookie.split(separator: ";").first.map(String.init))
        #expect(value.hasPrefix("vigil_session=") && value.count == "vigil_session=".count + 64)

        let session = try await fixture.request("GET", "/session", headers: ["Cookie": value])
        #expect(session.status == 200)
        #expect(session.body == #"{"name":"alice","role":"analyst","tiers":[1]}"#)
        #expect(try await fixture.request("GET", "/alerts", headers: ["Cookie": "other=1; \(value)"]).status == 200)

        let signOut = try await fixture.request("DELETE", "/session", headers: ["Cookie": value])
        #expect(signOut.status == 204)
        #expect(signOut.header("Set-Cookie")?.hasPrefix("vigil_session=; ") == true)
        #expect(try await fixture.request("GET", "/session", headers: ["Cookie": value]).status == 401)
        #expect(try await fixture.request("GET", "/alerts", headers: ["Cookie": value]).status == 401)
        await fixture.stop()
    }

    @Test func withoutTokensEveryoneIsLocalAdmin() async throws {
        let fixture = try await ServerFixture()
        let session = try await fixture.request("GET", "/session")
        #expect(session.body == #"{"name":"local","role":"admin","tiers":[1,2,3]}"#)
        // A page of another site reaching loopback through a name of its own (DNS rebinding) is refused.
        let rebound = try await fixture.request("GET", "/alerts", headers: ["Host": "evil.example:80"])
        #expect(rebound.status == 403)
        await fixture.stop()
    }

    @Test func writesFromAnotherOriginOrNotJSONAreRefused() async throws {
        let fixture = try await ServerFixture()
        try await fixture.write(Self.alerts)
        let path = "/alerts/\(Self.alerts[0].id)/ack"
        let crossOrigin = try await fixture.request("POST", path, headers: ["Origin": "https://evil.example"], body: "{}")
        #expect(crossOrigin.status == 403)
        let form = try await fixture.request("POST", path, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "a=b")
        #expect(form.status == 400)
        #expect(form.json["error"] as? String == "Content-Type must be application/json")
        let sameOrigin = try await fixture.request("POST", path, headers: ["Origin": "http://127.0.0.1:\(fixture.port)"], body: "{}")
        #expect(sameOrigin.status == 200)
        await fixture.stop()
    }

    @Test func triageIsRecordedWithTheActorsName() async throws {
        let fixture = try await ServerFixture(tokens: Self.tokens)
        try await fixture.write(Self.alerts)
        let root = "root-token-0123456789ab"
        let id = Self.alerts[0].id

        let ack = try await fixture.request("POST", "/alerts/\(id)/ack", body: #"{"note":"looking <b>"}"#, bearer: root)
        #expect(ack.status == 200)
        let entry = try #require(ack.json["entry"] as? [String: Any])
        #expect(entry["actor"] as? String == "root")
        #expect(entry["action"] as? String == "acknowledge")
        #expect(entry["note"] as? String == "looking <b>")
        #expect(entry["episode_id"] as? Int == 1000)
        #expect((ack.json["episode"] as? [String: Any])?["triage"] as? String == "acknowledged")
        #expect(!ack.body.contains("<b>"))  // escaped in JSON strings

        let notAbove = try await fixture.request("POST", "/alerts/\(id)/escalate", body: #"{"tier":2}"#, bearer: root)
        #expect(notAbove.status == 409)
        let noTier = try await fixture.request("POST", "/alerts/\(id)/escalate", body: #"{"note":"x"}"#, bearer: root)
        #expect(noTier.status == 400)
        let escalate = try await fixture.request("POST", "/alerts/\(id)/escalate", body: #"{"tier":3,"note":"bad"}"#, bearer: root)
        #expect(escalate.status == 200)
        #expect((escalate.json["entry"] as? [String: Any])?["to_tier"] as? Int == 3)
        #expect((escalate.json["episode"] as? [String: Any])?["tier"] as? Int == 3)

        let exceptionOnTP = try await fixture.request(
            "POST", "/alerts/\(id)/close", body: #"{"resolution":"true_positive","exception":{"expires":"7d"}}"#, bearer: root)
        #expect(exceptionOnTP.status == 400)
        let close = try await fixture.request(
            "POST", "/alerts/\(id)/close", body: #"{"resolution":"false_positive","note":"scanner","exception":{"expires":"7d"}}"#,
            bearer: root)
        #expect(close.status == 200, "\(close.body)")
        #expect((close.json["episode"] as? [String: Any])?["resolution"] as? String == "false_positive")
        let closeAgain = try await fixture.request("POST", "/alerts/\(id)/close", body: #"{"resolution":"benign"}"#, bearer: root)
        #expect(closeAgain.status == 409)

        let history = try await fixture.request("GET", "/alerts/\(Self.alerts[1].id)/history", bearer: root)
        let entries = try #require(history.json["history"] as? [[String: Any]])
        #expect(entries.map { $0["action"] as? String }.prefix(3) == ["acknowledge", "escalate", "close"])
        #expect(entries.allSatisfy { $0["actor"] as? String == "root" })

        let exceptions = try await fixture.request("GET", "/exceptions?all=1", bearer: root)
        let exception = try #require((exceptions.json["exceptions"] as? [[String: Any]])?.first)
        #expect(exception["rule_id"] as? String == "rule-1")
        #expect(exception["created_by"] as? String == "root")
        #expect(exception["expired"] as? Bool == false)
        await fixture.stop()
    }

    @Test func bodyLimits() async throws {
        let fixture = try await ServerFixture()
        try await fixture.write(Self.alerts)
        let path = "/alerts/\(Self.alerts[0].id)/ack"
        let huge = try await fixture.request("POST", path, body: #"{"note":""# + String(repeating: "x", count: 70_000) + #""}"#)
        #expect(huge.status == 413)
        #expect(huge.json["error"] as? String == "request body over 65536 bytes")
        let longNote = try await fixture.request("POST", path, body: #"{"note":""# + String(repeating: "x", count: 4097) + #""}"#)
        #expect(longNote.status == 400)
        #expect(longNote.json["error"] as? String == "note is 4097 bytes; at most 4096")
        let malformed = try await fixture.request("POST", path, body: #"{"note":"#)
        #expect(malformed.status == 400)
        #expect((malformed.json["error"] as? String)?.hasPrefix("malformed JSON body") == true)
        let wrongType = try await fixture.request("POST", path, body: #"{"note":5}"#)
        #expect(wrongType.json["error"] as? String == "malformed JSON body: note: expected String")
        await fixture.stop()
    }

    @Test func consoleAndSecurityHeaders() async throws {
        let fixture = try await ServerFixture()
        for (path, type) in [
            ("/", "text/html"), ("/console.js", "text/javascript"), ("/console.css", "text/css"), ("/nowhere", "application/json"),
        ] {
            let answer = try await fixture.request("GET", path)
            #expect(answer.header("Content-Type")?.hasPrefix(type) == true, "\(path)")
            #expect(
                answer.header("Content-Security-Policy")
                    == "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
            )
            #expect(answer.header("X-Content-Type-Options") == "nosniff")
            #expect(answer.header("Referrer-Policy") == "no-referrer")
        }
        let index = try await fixture.request("GET", "/")
        #expect(index.body.contains("<script src=\"/console.js\"></script>"))
        await fixture.stop()
    }

    @Test func healthReadinessAndMetrics() async throws {
        let ready = ReadyFlag()
        let fixture = try await ServerFixture(isReady: { ready.value })
        #expect(try await fixture.request("GET", "/healthz").status == 200)
        #expect(try await fixture.request("GET", "/readyz").status == 503)
        ready.value = true
        #expect(try await fixture.request("GET", "/readyz").status == 200)
        let metrics = try await fixture.request("GET", "/metrics")
        #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(metrics.body.contains(#"vigil_http_requests_total{route="/readyz",status="503"} 1"#), "\(metrics.body)")
        #expect(metrics.body.contains(#"vigil_http_requests_total{route="/readyz",status="200"} 1"#))
        #expect(metrics.body.contains("vigil_http_stream_subscribers 0"))
        await fixture.stop()
    }
}
