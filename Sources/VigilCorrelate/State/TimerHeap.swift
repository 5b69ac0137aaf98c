/// Deadlines of a rule in one shard: absence windows to decide, episodes to close.
struct TimerHeap {
    enum Kind: UInt8, Comparable {
        /// A forward (absence) window ends: decided after the inputs of the same instant.
        case window = 0
        /// An episode may close: checked after windows of the same instant, so that a window
        /// qualifying exactly one timespan after the last keeps the episode open.
        case episode = 1

        static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    struct Timer {
        var deadline: Int64
        var group: UInt32
        /// The group slot's generation when the timer was set; a different one means the slot was reused.
        var generation: UInt32
        var kind: Kind

        func precedes(_ other: Timer) -> Bool {
            if deadline != other.deadline { return deadline < other.deadline }
            if kind != other.kind { return kind < other.kind }
            return group < other.group
        }
    }

    private(set) var items: [Timer] = []

    var isEmpty: Bool { items.isEmpty }
    var first: Timer? { items.first }

    mutating func push(_ timer: Timer) {
        items.append(timer)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].precedes(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Timer? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = parent * 2 + 1, right = left + 1
                var smallest = parent
                if left < items.count, items[left].precedes(items[smallest]) { smallest = left }
                if right < items.count, items[right].precedes(items[smallest]) { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
