import VigilIngest

/// How a ``Pipeline`` is built: parse options, worker count, ring size and the worker stages.
public struct PipelineConfiguration: Sendable {
    /// Parse workers (at least 1).
    public var workers: Int
    /// Batches the input ring holds; readers wait (or UDP drops) when it is full.
    public var ringCapacity: Int
    public var parser: ParserOptions
    /// The stages each worker runs after parsing (none for parse-only).
    public var stages: BatchStageFactory
    /// Whether results keep their ``EventBatch`` for the ordered stages (an archive needs it).
    public var retainsEvents: Bool
    /// How long the collector waits without a batch before calling ``OrderedStage/idle(now:)``.
    public var idleTick: Duration

    public init(
        workers: Int,
        ringCapacity: Int = 64,
        parser: ParserOptions = ParserOptions(),
        stages: @escaping BatchStageFactory = { _ in [] },
        retainsEvents: Bool = false,
        idleTick: Duration = .milliseconds(250)
    ) {
        self.workers = max(workers, 1)
        self.ringCapacity = max(ringCapacity, 2)
        self.parser = parser
        self.stages = stages
        self.retainsEvents = retainsEvents
        self.idleTick = idleTick
    }
}
