import Foundation
import Testing
import VigilPipeline

/// The search order for shipped decoders and the logsource mapping (README: "Where vigil finds its rules").
struct ShippedRulesTests {
    static let cases: [(executable: String?, directories: [String])] = [
        // A SwiftPM build tree, through the .build/debug link and resolved, and a scratch path.
        ("/src/vigil/.build/debug/vigil", ["rules", "/src/vigil/rules", "/usr/local/share/vigil"]),
        (
            "/src/vigil/.build/x86_64-unknown-linux-gnu/release/vigil",
            ["rules", "/src/vigil/rules", "/usr/local/share/vigil"]
        ),
        (
            "/src/vigil/.build-fuzz/debug/vigil",
            ["rules", "/src/vigil/rules", "/usr/local/share/vigil"]
        ),
        // Installed under a PREFIX, and under the default one (no duplicate).
        ("/opt/vigil/bin/vigil", ["rules", "/opt/vigil/share/vigil", "/usr/local/share/vigil"]),
        ("/usr/local/bin/vigil", ["rules", "/usr/local/share/vigil"]),
        // Unknown or relative: the current directory and the default install directory.
        (nil, ["rules", "/usr/local/share/vigil"]),
        ("vigil", ["rules", "/usr/local/share/vigil"]),
    ]

    @Test(arguments: cases)
    func searchOrder(_ executable: String?, _ directories: [String]) {
        #expect(ShippedRules.searchDirectories(executable: executable) == directories)
    }

    @Test func firstDirectoryHoldingTheItemWins() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-shipped-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for directory in ["a", "b/decoders", "c/decoders"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        try Data().write(to: root.appendingPathComponent("c/logsources.yml"))
        let shipped = ShippedRules(directories: ["a", "b", "c"].map { root.appendingPathComponent($0).path })
        #expect(shipped.locate(ShippedRules.decoders) == root.appendingPathComponent("b/decoders").path)
        #expect(shipped.locate(ShippedRules.logsources) == root.appendingPathComponent("c/logsources.yml").path)
        #expect(shipped.locate("tiers.yml") == nil)
    }

    @Test("no default named: the run loads what the search finds, and says when it found nothing")
    func loadOptionsUseTheSearch() throws {
        var options = RuleLoadOptions()
        options.shipped = ShippedRules(directories: ["/nonexistent/a", "/nonexistent/b"])
        #expect(options.effectiveDecoderPaths.isEmpty && options.logsourceFiles.isEmpty)
        let rules = try LoadedRules.load(options)
        #expect(rules.decodersNotice?.contains("/nonexistent/a/, /nonexistent/b/") == true)
        #expect(rules.logsourcesNotice != nil)
        options.decoderPaths = []
        options.defaultLogsources = false
        let quiet = try LoadedRules.load(options)
        #expect(quiet.decodersNotice == nil && quiet.logsourcesNotice == nil)
    }
}
