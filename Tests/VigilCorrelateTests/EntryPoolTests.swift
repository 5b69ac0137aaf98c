import Testing
import VigilTestSupport

@testable import VigilCorrelate

/// The chunked per-group queues against a plain array model, under random pushes and pops.
@Suite struct EntryPoolTests {
    @Test(arguments: [1, 2, 3])
    func matchesArrayModel(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var pool = EntryPool<Double>(emptyPayload: 0)
        var queues = Array(repeating: EntryQueue(), count: 5)
        var model: [[(Int64, UInt32, Double)]] = Array(repeating: [], count: 5)
        var clock: Int64 = 0
        for _ in 0..<20_000 {
            let q = Int(random.next() % 5)
            switch random.next() % 10 {
            case 0..<5:
                clock += 1
                let entry = (clock, UInt32(clock % 1000), Double(clock) / 2)
                pool.push(&queues[q], time: entry.0, ref: entry.1, payload: entry.2)
                model[q].append(entry)
            case 5..<8:
                if !model[q].isEmpty {
                    #expect(pool.times[pool.frontPosition(queues[q])] == model[q][0].0)
                    pool.popFront(&queues[q])
                    model[q].removeFirst()
                }
            case 8:
                if random.next() % 20 == 0 {
                    pool.release(&queues[q])
                    model[q].removeAll()
                }
            default:
                var seen: [(Int64, UInt32, Double)] = []
                pool.forEach(queues[q]) {
                    seen.append((pool.times[$0], pool.refs[$0], pool.payload[$0]))
                    return true
                }
                #expect(seen.map(\.0) == model[q].map(\.0))
                #expect(seen.map(\.1) == model[q].map(\.1))
                #expect(seen.map(\.2) == model[q].map(\.2))
            }
            #expect(Int(queues[q].count) == model[q].count)
        }
    }
}
