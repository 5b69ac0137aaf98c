/// Per route, the slot each field name (by `Symbol` raw value) reads into: -2 until looked up, -1
/// when the route reads no such field. One detector's; grows as new names arrive.
///
/// Flat buffers rather than an array of arrays, whose nested writes checked uniqueness twice per field.
final class RouteSlotCache {
    static let unknown: Int32 = -2

    private let tables: UnsafeMutablePointer<UnsafeMutablePointer<Int32>>
    private let capacities: UnsafeMutablePointer<Int>
    private let routeCount: Int

    init(routeCount: Int) {
        self.routeCount = routeCount
        tables = .allocate(capacity: max(routeCount, 1))
        capacities = .allocate(capacity: max(routeCount, 1))
        for route in 0..<routeCount {
            let table = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
            table.initialize(repeating: Self.unknown, count: 64)
            tables[route] = table
            capacities[route] = 64
        }
    }

    deinit {
        for route in 0..<routeCount { tables[route].deallocate() }
        tables.deallocate()
        capacities.deallocate()
    }

    /// The cached slot, or ``unknown``.
    @inline(__always)
    func slot(route: Int, name raw: Int) -> Int32 {
        raw < capacities[route] ? tables[route][raw] : Self.unknown
    }

    func store(_ slot: Int32, route: Int, name raw: Int) {
        if raw >= capacities[route] {
            var capacity = capacities[route]
            while capacity <= raw { capacity *= 2 }
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
            grown.initialize(repeating: Self.unknown, count: capacity)
            grown.update(from: tables[route], count: capacities[route])
            tables[route].deallocate()
            tables[route] = grown
            capacities[route] = capacity
        }
        tables[route][raw] = slot
    }
}
