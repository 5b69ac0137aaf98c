import Foundation
import Synchronization
import Testing

@testable import VigilPipeline

@Suite("ReorderBuffer")
struct ReorderBufferTests {
    @Test("results put out of order come out in ticket order")
    func reorders() {
        let buffer = ReorderBuffer<String>(capacity: 4)
        buffer.put("two", ticket: 2)
        buffer.put("zero", ticket: 0)
        #expect(buffer.tryTake(ticket: 0) == "zero")
        #expect(buffer.tryTake(ticket: 1) == nil)
        buffer.put("one", ticket: 1)
        #expect(buffer.tryTake(ticket: 1) == "one")
        #expect(buffer.tryTake(ticket: 2) == "two")
    }

    @Test("3 writer threads racing ahead of one reader thread: strict ticket order, nothing lost")
    func threads() {
        let buffer = ReorderBuffer<Int>(capacity: 8)
        let total = 30_000
        let done = DispatchGroup()
        for writer in 0..<3 {
            done.enter()
            Thread.detachNewThread {
                var ticket = writer
                while ticket < total {
                    buffer.put(ticket * 7, ticket: UInt64(ticket))
                    ticket += 3
                }
                done.leave()
            }
        }
        let taken = Mutex<[Int]>([])
        done.enter()
        Thread.detachNewThread {
            var next = 0
            var values: [Int] = []
            var backoff = Backoff()
            while next < total {
                if let value = buffer.tryTake(ticket: UInt64(next)) {
                    values.append(value)
                    next += 1
                    backoff.reset()
                } else {
                    backoff.wait()
                }
            }
            taken.withLock { $0 = values }
            done.leave()
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(taken.withLock { $0 } == (0..<total).map { $0 * 7 })
    }
}
