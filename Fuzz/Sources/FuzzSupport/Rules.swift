import Foundation
import VigilCorrelate
import VigilDetect
import VigilEvent

/// The shipped logsource mapping (rules/logsources.yml).
public let shippedConfiguration: SigmaConfiguration = {
    let path = vigilRoot + "/rules/logsources.yml"
    guard let configuration = SigmaConfiguration.load(path: path).configuration else { fuzzFailure("\(path) does not load") }
    return configuration
}()

/// Loads, compiles and links rule files as `vigil run` does; returns the detection rules and every diagnostic.
public func compileRules(paths: [String]) -> (SigmaRuleSet, CorrelationRuleSet, [RuleDiagnostic]) {
    let loaded = SigmaFileLoader.load(paths: paths)
    let (detection, detectionProblems) = SigmaRuleSet.compile(documents: loaded.documents, configuration: shippedConfiguration)
    let (correlation, correlationProblems) = CorrelationRuleSet.compile(loaded.documents) { detection.rule(reference: $0)?.ruleID }
    return (
        detection.carrying(correlation.requiredFieldNames), correlation,
        loaded.diagnostics + detectionProblems + correlationProblems
    )
}
