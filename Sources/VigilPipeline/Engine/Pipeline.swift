import Dispatch
import Synchronization
import VigilEvent
import VigilIngest

/// Work a run asks of the collector between two batches (see ``Pipeline/request(_:)``): the collector
/// is the one thread that sees the totals and the ordered stages whole.
public enum CollectorRequest: Sendable, Hashable {
    /// Report the run so far (SIGUSR1).
    case summary
    /// Switch to a rule set loaded off the collector thread (SIGHUP): the run's ``Pipeline/switchStages(to:orderedStages:)``.
    case reload
    /// Tell the run's ``RunObserver`` how the run stands (a timer asks about once a second).
    case progress
}

/// A ``Pipeline/collect(into:onFailure:onRequest:)`` that failed: the error, and what was collected
/// until the pipeline had drained, so that the run can still report it.
public struct PipelineFailure: Error {
    public var error: any Error
    public var totals: PipelineTotals
}

/// The spine of a run: readers push ``RawBatch``es into a bounded lock-free ring, a pool of workers on
/// Dispatch parses them and runs the ``BatchStage``s, and the collector hands each ``BatchResult``, in
/// input order, to the ``OrderedStage``s.
///
/// Order is restored with tickets: the ring numbers batches as they are pushed, workers store results
/// by ticket in a ``ReorderBuffer``, and the collector takes ticket 0, 1, 2, ... So what the ordered
/// stages see does not depend on the number of workers.
///
/// Lifecycle: ``start()``, readers call ``submit(_:)`` / ``trySubmit(_:)``, once every reader is done
/// call ``finishInput()``; meanwhile one thread runs ``collect(into:onFailure:onRequest:)``, which
/// returns when everything was drained. Any thread may ``request(_:)`` work of the collector meanwhile.
public final class Pipeline: BatchSink {
    public let configuration: PipelineConfiguration
    private let ring: BoundedRing<RawBatch>
    private let results: ReorderBuffer<BatchResult>
    private let workersDone = DispatchGroup()
    /// Requests waiting for the collector; `requestCount` lets it check without the lock per batch.
    private let requests = Mutex<[CollectorRequest]>([])
    private let requestCount = Atomic<Int>(0)
    /// The worker stages by first ticket, the oldest first (see ``switchStages(to:orderedStages:)``).
    private let stageGenerations: StageGenerations
    /// Work the collector does right before it consumes a ticket, by ticket (added and run on the
    /// collector thread; the lock only makes that checkable); `ticketActionCount` spares the lock per batch.
    private let ticketActions = Mutex<[(ticket: UInt64, action: @Sendable (inout [any OrderedStage]) -> Void)]>([])
    private let ticketActionCount = Atomic<Int>(0)

    public init(configuration: PipelineConfiguration) {
        self.configuration = configuration
        self.ring = BoundedRing(capacity: configuration.ringCapacity)
        self.results = ReorderBuffer(capacity: ring.capacity + 2 * configuration.workers)
        self.stageGenerations = StageGenerations(configuration.stages)
    }

    /// Starts the workers, one serial Dispatch queue each (a worker loops until the ring is closed and
    /// empty, so it holds its thread for the run).
    public func start() {
        for index in 0..<configuration.workers {
            let queue = DispatchQueue(label: "vigil.worker.\(index)", qos: .userInitiated)
            queue.async(group: workersDone) { [ring, results, configuration, stageGenerations] in
                var worker = Worker(index: index, configuration: configuration)
                var generation = 0
                while let (ticket, batch) = ring.pop() {
                    // A worker takes tickets in increasing order, so it only ever moves to newer stages.
                    if let (newer, stages) = stageGenerations.newer(than: generation, for: ticket) {
                        generation = newer
                        worker.replaceStages(stages(index))
                    }
                    results.put(worker.process(batch, ticket: ticket), ticket: ticket)
                }
            }
        }
    }

    public func submit(_ batch: RawBatch) {
        ring.push(batch)
    }

    public func trySubmit(_ batch: RawBatch) -> Bool {
        ring.tryPush(batch)
    }

    /// Batches submitted so far: the next batch gets this ticket.
    public var submittedCount: UInt64 { ring.pushedCount }

    /// Raw batches waiting in the input ring for a worker (a moment's reading, for metrics).
    public var ringOccupancy: Int { ring.occupancy }

    /// Marks the end of input. Call once, after the last ``submit(_:)`` returned.
    public func finishInput() {
        ring.close()
    }

    /// Asks the collector to handle `request` between two batches (within a few milliseconds when
    /// input is idle): ``collect(into:onFailure:onRequest:)`` passes it to its `onRequest`. Safe from
    /// any thread; a request made after the collector stopped collecting is dropped.
    public func request(_ request: CollectorRequest) {
        requests.withLock { $0.append(request) }
        requestCount.add(1, ordering: .releasing)
    }

    /// Switches the workers to the stages `stages` makes at one batch boundary, and the ordered stages
    /// with `switchOrdered` at the same one: call on the collector (from `onRequest`). Returns the
    /// switch ticket T, the next ticket the ring gives: every batch with a ticket below T is processed
    /// by the stages it had, every batch from T on by the new ones, on every worker; the collector calls
    /// `switchOrdered` right before it consumes ticket T (or before finishing, when no batch reaches
    /// T). No batch is processed half with the old stages and half with the new.
    ///
    /// Why no batch of T or later can slip through with the old stages: a worker looks up its stages
    /// under the same lock the switch takes to read T, after popping the batch, so a batch it looked
    /// up before the switch had been pushed before it, and has a ticket below T.
    @discardableResult
    public func switchStages(
        to stages: @escaping BatchStageFactory, orderedStages switchOrdered: @escaping @Sendable (inout [any OrderedStage]) -> Void
    ) -> UInt64 {
        let ticket = stageGenerations.append(stages) { ring.pushedCount }
        ticketActions.withLock { $0.append((ticket, switchOrdered)) }
        ticketActionCount.add(1, ordering: .relaxed)
        return ticket
    }

    /// Runs the ordered stage switches due before ticket `next` is consumed (all of them at the end).
    private func runTicketActions(before next: UInt64, _ stages: inout [any OrderedStage]) {
        let due = ticketActions.withLock { actions in
            let count = actions.prefix { $0.ticket <= next }.count
            defer { actions.removeFirst(count) }
            return Array(actions.prefix(count))
        }
        ticketActionCount.subtract(due.count, ordering: .relaxed)
        for (_, action) in due { action(&stages) }
    }

    /// Hands the waiting requests to `handle`, in the order they came.
    private func serveRequests(_ handle: (CollectorRequest) -> Void) {
        guard requestCount.load(ordering: .acquiring) > 0 else { return }
        let waiting = requests.withLock { requests in
            defer { requests.removeAll() }
            return requests
        }
        requestCount.subtract(waiting.count, ordering: .relaxed)
        for request in waiting { handle(request) }
    }

    /// Runs the collector on the calling thread until all input was processed: takes results in ticket
    /// order, counts them, and calls the ordered stages; then waits for the workers and finishes the
    /// stages.
    ///
    /// When a stage throws, `onFailure` is called (once) so the caller can stop the inputs; the
    /// pipeline keeps draining without calling the stages again, and the error is thrown at the end as
    /// a ``PipelineFailure`` with the totals, so the run can still be reported.
    ///
    /// Between batches, each ``request(_:)`` is passed to `onRequest` with the totals so far and the
    /// ordered stages (counters as they stand; the stages are not finished).
    public func collect(
        into stages: inout [any OrderedStage], onFailure: (any Error) -> Void = { _ in },
        onRequest: (CollectorRequest, PipelineTotals, inout [any OrderedStage]) -> Void = { _, _, _ in }
    ) throws(PipelineFailure) -> PipelineTotals {
        var totals = PipelineTotals()
        var failure: (any Error)? = nil
        var next: UInt64 = 0
        var backoff = Backoff(maxSleepMicroseconds: 5000)
        let clock = ContinuousClock()
        var lastProgress = clock.now
        func fail(_ error: any Error) {
            if failure == nil {
                failure = error
                onFailure(error)
            }
        }
        while true {
            serveRequests { request in onRequest(request, totals, &stages) }
            if ticketActionCount.load(ordering: .relaxed) > 0 && failure == nil { runTicketActions(before: next, &stages) }
            if var result = results.tryTake(ticket: next) {
                next += 1
                backoff.reset()
                lastProgress = clock.now
                totals.add(result)
                guard failure == nil else { continue }
                do {
                    for i in stages.indices { try stages[i].consume(&result) }
                } catch {
                    fail(error)
                }
                continue
            }
            if ring.isClosed && next == ring.pushedCount { break }
            if clock.now - lastProgress >= configuration.idleTick {
                lastProgress = clock.now
                if failure == nil {
                    let now = WallClock.now()
                    do {
                        for i in stages.indices { try stages[i].idle(now: now) }
                    } catch {
                        fail(error)
                    }
                }
            }
            backoff.wait()
        }
        workersDone.wait()
        if failure == nil {
            runTicketActions(before: .max, &stages)
            do {
                for i in stages.indices { try stages[i].finish() }
            } catch {
                fail(error)
            }
        }
        totals.orderedStages = stages.map(\.counters)
        if let failure { throw PipelineFailure(error: failure, totals: totals) }
        return totals
    }
}

/// The worker stage factories of a run, each with the first ticket it processes (the first one from
/// ticket 0). Workers look the generation of each batch up under the lock (one lock per batch).
final class StageGenerations: Sendable {
    private let generations: Mutex<[(firstTicket: UInt64, stages: BatchStageFactory)]>

    init(_ stages: @escaping BatchStageFactory) {
        generations = Mutex([(0, stages)])
    }

    /// Adds a generation starting at the ticket `nextTicket` reads, under the lock; returns that ticket.
    func append(_ stages: @escaping BatchStageFactory, nextTicket: () -> UInt64) -> UInt64 {
        generations.withLock { generations in
            let ticket = max(nextTicket(), generations.last!.firstTicket)
            generations.append((ticket, stages))
            return ticket
        }
    }

    /// The generation that processes `ticket`, when it is newer than `current`.
    func newer(than current: Int, for ticket: UInt64) -> (Int, BatchStageFactory)? {
        generations.withLock { generations in
            guard generations.count > current + 1 else { return nil }
            var index = current
            while index + 1 < generations.count && generations[index + 1].firstTicket <= ticket { index += 1 }
            return index == current ? nil : (index, generations[index].stages)
        }
    }
}
