import Foundation
import Testing
import VigilDetect
import VigilEvent
import VigilTestSupport

/// Shared helpers: the shipped logsource configuration, compiling rule text, counting matches.
enum SigmaTesting {
    /// rules/logsources.yml of this checkout.
    static let configuration: SigmaConfiguration = {
        let path = TestPaths.packageRoot.appendingPathComponent("rules/logsources.yml").path
        let (configuration, diagnostics) = SigmaConfiguration.load(path: path)
        precondition(diagnostics.isEmpty, "rules/logsources.yml: \(diagnostics)")
        return configuration!
    }()

    /// Compiles rule YAML text (one or more documents).
    static func compile(
        _ yaml: String, configuration: SigmaConfiguration = .builtin, options: SigmaDetectOptions = SigmaDetectOptions(),
        file: String = "test.yml"
    ) -> (SigmaRuleSet, [RuleDiagnostic]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sigma-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(file)
        try! yaml.write(to: url, atomically: true, encoding: .utf8)
        let loaded = SigmaFileLoader.load(paths: [url.path])
        let (ruleSet, diagnostics) = SigmaRuleSet.compile(documents: loaded.documents, configuration: configuration, options: options)
        let relabel = { (d: RuleDiagnostic) -> RuleDiagnostic in
            var d = d
            d.file = file
            return d
        }
        return (ruleSet, (loaded.diagnostics + diagnostics).map(relabel))
    }

    /// Compiles rule files.
    static func compile(paths: [String], configuration: SigmaConfiguration, options: SigmaDetectOptions = SigmaDetectOptions())
        -> (SigmaRuleSet, [RuleDiagnostic])
    {
        let loaded = SigmaFileLoader.load(paths: paths)
        let (ruleSet, diagnostics) = SigmaRuleSet.compile(documents: loaded.documents, configuration: configuration, options: options)
        return (ruleSet, loaded.diagnostics + diagnostics)
    }

    /// For each event of the batch, the rules it matches.
    static func matches(_ ruleSet: SigmaRuleSet, _ batch: EventBatch) -> [[RuleID]] {
        var detector = Detector(ruleSet: ruleSet)
        return batch.events.indices.map { detector.matchingRules(ofEvent: $0, in: batch) }
    }

    /// Indices of the events that match any rule.
    static func matchingEvents(_ ruleSet: SigmaRuleSet, _ batch: EventBatch) -> [Int] {
        matches(ruleSet, batch).enumerated().filter { !$0.element.isEmpty }.map(\.offset)
    }
}
