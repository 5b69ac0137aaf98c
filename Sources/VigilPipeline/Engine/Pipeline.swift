import Dispatch
import Synchronization
import VigilEvent
import VigilIngest

/// Work a run asks of the collector between two batches (see ``Pipeline/request(_:)``): the collector
/// is the one thread that sees the totals and the ordered stages whole.
public enum CollectorRequest: Sendable, Hashable {
    /// Report the run so far (SIGUSR1).
    case summary
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

    public init(configuration: PipelineConfiguration) {
        self.configuration = configuration
        self.ring = BoundedRing(capacity: configuration.ringCapacity)
        self.results = ReorderBuffer(capacity: ring.capacity + 2 * configuration.workers)
    }

    /// Starts the workers, one serial Dispatch queue each (a worker loops until the ring is closed and
    /// empty, so it holds its thread for the run).
    public func start() {
        for index in 0..<configuration.workers {
            let queue = DispatchQueue(label: "vigil.worker.\(index)", qos: .userInitiated)
            queue.async(group: workersDone) { [ring, results, configuration] in
                var worker = Worker(index: index, configuration: configuration)
                while let (ticket, batch) = ring.pop() {
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
