import Foundation
import VigilDecode
import VigilDetect
import VigilEvent

// Plain timing loop for the detect stage, outside package-benchmark's harness (whose runtime
// interposer slows code heavy in reference counting, such as rule compilation): handy under `perf`
// and on a busy machine, since it reports CPU time per event as well as wall time.
//
//   swift build -c release --product DetectProfile
//   .build/release/DetectProfile subset|none|v10|v100|v1000|shipped|PATH [seconds]
//
// `shipped`: the detection rules of rules/sigma on events decoded by rules/decoders, as `vigil run
// --rules rules/sigma` sees them (about a quarter of the events match a rule); a PATH (with a `/`):
// the rules there, on decoded events too (`scripts/make-many-rules.py 10000 /tmp/many-10000`, then
// `DetectProfile /tmp/many-10000`); the other modes run on undecoded events, which the Sigma subset
// and its variants (almost) never match.

func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
let which = arguments.count > 1 ? arguments[1] : "subset"
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 5 : 5

let compileStart = Date()
let ruleSet: SigmaRuleSet
switch which {
case "none": ruleSet = DetectFixtures.ruleSet(paths: [])
case let variants where variants.hasPrefix("v"):
    ruleSet = DetectFixtures.ruleSet(paths: [DetectFixtures.variantsDirectory(count: Int(variants.dropFirst()) ?? 10)])
case "shipped": ruleSet = DetectFixtures.ruleSet(paths: [DetectFixtures.packageRoot + "/rules/sigma"])
case let path where path.contains("/"): ruleSet = DetectFixtures.ruleSet(paths: [path])
default: ruleSet = DetectFixtures.ruleSet(paths: [DetectFixtures.subsetPath])
}
let compileTime = Date().timeIntervalSince(compileStart)
let batches = which == "shipped" || which.contains("/") ? decoded(DetectFixtures.batches) : DetectFixtures.batches

/// The batches decoded by the shipped decoders (not measured).
func decoded(_ batches: [EventBatch]) -> [EventBatch] {
    let decoders: DecoderSet
    do {
        decoders = try DecoderSet.load(paths: [DetectFixtures.packageRoot + "/rules/decoders"]).decoders
    } catch {
        fatalError("\(error)")
    }
    var worker = DecoderWorker(decoders: decoders)
    return batches.map { batch in
        var batch = batch
        worker.decode(&batch)
        return batch
    }
}

var detector = Detector(ruleSet: ruleSet)
var found = 0
let wallStart = Date()
let cpuStart = cpuSeconds()
var events = 0
var index = 0
while Date().timeIntervalSince(wallStart) < seconds {
    // The pipeline's call: a closure per detection with the carried values as bytes (no Strings).
    detector.detect(batches[index % batches.count]) { _, _, carried in found &+= carried.count &+ 1 }
    events += batches[index % batches.count].events.count
    index += 1
}
let wall = Date().timeIntervalSince(wallStart) * 1e9 / Double(events)
let cpu = (cpuSeconds() - cpuStart) * 1e9 / Double(events)
let evaluations = Double(detector.counters.ruleEvaluations) / Double(events)
print(
    "\(which): \(ruleSet.count) rules compiled in \(String(format: "%.2f", compileTime)) s; \(events) events: "
        + "\(String(format: "%.0f", cpu)) ns CPU, \(String(format: "%.0f", wall)) ns wall per event; "
        + "\(String(format: "%.3f", evaluations)) rule evaluations and \(detector.counters.detections) detections in all (\(found))")
