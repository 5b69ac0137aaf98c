import VigilEvent

/// Ordered stage that writes the detection alerts the workers rendered into each result, in input
/// order, through the run's ``AlertSink``.
struct AlertWriterStage: OrderedStage {
    let name = "alerts"
    private(set) var counters = StageCounters(stage: "alerts")
    private let sink: AlertSink

    init(sink: AlertSink) {
        self.sink = sink
    }

    mutating func consume(_ result: inout BatchResult) throws {
        guard result.detectionAlerts > 0 else { return }
        counters.received += UInt64(result.detectionAlerts)
        try sink.writeRendered(result.output, lines: result.detectionAlerts)
        counters.emitted += UInt64(result.detectionAlerts)
    }

    mutating func finish() throws {}
}
