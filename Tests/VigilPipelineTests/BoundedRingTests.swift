import Foundation
import Synchronization
import Testing

@testable import VigilPipeline

@Suite("BoundedRing")
struct BoundedRingTests {
    @Test("single thread: FIFO with dense tickets, full at capacity, wraps around")
    func singleThread() {
        let ring = BoundedRing<Int>(capacity: 4)
        #expect(ring.capacity == 4)
        for round in 0..<3 {
            for i in 0..<4 { #expect(ring.tryPush(round * 10 + i)) }
            #expect(!ring.tryPush(99))
            for i in 0..<4 {
                let item = ring.tryPop()
                #expect(item?.element == round * 10 + i)
                #expect(item?.ticket == UInt64(round * 4 + i))
            }
            #expect(ring.tryPop() == nil)
        }
        #expect(ring.pushedCount == 12)
    }

    @Test("capacity rounds up to a power of two")
    func capacityRounding() {
        #expect(BoundedRing<Int>(capacity: 5).capacity == 8)
        #expect(BoundedRing<Int>(capacity: 0).capacity == 2)
    }

    @Test("elements left in the ring are released with it")
    func releasesLeftovers() {
        weak var weakRef: AnyObject?
        do {
            let ring = BoundedRing<NSObject>(capacity: 2)
            let object = NSObject()
            weakRef = object
            #expect(ring.tryPush(object))
        }
        #expect(weakRef == nil)
    }

    @Test("pop returns nil once closed and drained")
    func closeDrains() {
        let ring = BoundedRing<Int>(capacity: 4)
        #expect(ring.tryPush(1))
        ring.close()
        #expect(ring.pop()?.element == 1)
        #expect(ring.pop() == nil)
    }

    @Test("2 producers, 2 consumers on real threads: every item once, each producer's items in order")
    func multiThreaded() {
        let ring = BoundedRing<(producer: Int, value: Int)>(capacity: 8)
        let perProducer = 20_000
        let producersDone = Atomic<Int>(0)
        let results = Mutex<[[(producer: Int, value: Int, ticket: UInt64)]]>([[], []])
        let done = DispatchGroup()
        for producer in 0..<2 {
            done.enter()
            Thread.detachNewThread {
                for value in 0..<perProducer { ring.push((producer, value)) }
                if producersDone.add(1, ordering: .acquiringAndReleasing).newValue == 2 { ring.close() }
                done.leave()
            }
        }
        for consumer in 0..<2 {
            done.enter()
            Thread.detachNewThread {
                var seen: [(producer: Int, value: Int, ticket: UInt64)] = []
                while let (ticket, item) = ring.pop() { seen.append((item.producer, item.value, ticket)) }
                results.withLock { $0[consumer] = seen }
                done.leave()
            }
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        let all = results.withLock { $0[0] + $0[1] }.sorted { $0.ticket < $1.ticket }
        #expect(all.count == 2 * perProducer)
        #expect(all.map(\.ticket) == Array(0..<UInt64(2 * perProducer)))
        for producer in 0..<2 {
            #expect(all.filter { $0.producer == producer }.map(\.value) == Array(0..<perProducer))
        }
    }
}

@Suite("BoundedRing with reference-counted elements")
struct BoundedRingReferenceTests {
    @Test("1 MiB batches shared by 2 producers and taken by 2 consumers: every retain matched by one release")
    func sharedArrays() {
        let ring = BoundedRing<[UInt8]>(capacity: 8)
        let shared = [UInt8](repeating: 7, count: 1 << 20)
        let producersDone = Atomic<Int>(0)
        let taken = Atomic<Int>(0)
        let done = DispatchGroup()
        for _ in 0..<2 {
            done.enter()
            Thread.detachNewThread {
                for _ in 0..<5_000 { ring.push(shared) }
                if producersDone.add(1, ordering: .acquiringAndReleasing).newValue == 2 { ring.close() }
                done.leave()
            }
            done.enter()
            Thread.detachNewThread {
                while let item = ring.pop() {
                    if item.element.count == 1 << 20 { taken.add(1, ordering: .relaxed) }
                }
                done.leave()
            }
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        // A double release (or a lost one) would crash the test or leave this count off.
        #expect(taken.load(ordering: .relaxed) == 10_000)
    }
}
