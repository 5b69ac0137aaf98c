import Synchronization

/// An interned name: a field name (`src_ip`, `Event.EventData.Image`), a decoder name, a rule name.
///
/// Comparing and hashing a `Symbol` is comparing a 32-bit integer, so per-event field lookups never
/// compare strings. Symbols are process-wide and never freed; the set of names is small and bounded by
/// rules, decoders and the input's field names, which are capped (``SymbolTable/dynamicNameLimit``).
public struct Symbol: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Interns a name (takes a lock: use at load time, or ``SymbolCache`` on hot paths).
    public init(_ name: String) {
        self = SymbolTable.shared.intern(name)
    }

    /// The interned text.
    public var name: String { SymbolTable.shared.name(of: self) }

    public var description: String { name }

    @inlinable
    public static func < (lhs: Symbol, rhs: Symbol) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The process-wide table behind ``Symbol``. Thread-safe; each call takes a mutex.
///
/// Names come from two places: rules, decoders and code (``intern(_:)``, always interned) and the input
/// (JSON keys, structured-data parameters: ``internDynamic(bytes:)``). Hostile input can carry endless
/// distinct keys and symbols are never freed, so input names are capped at ``dynamicNameLimit``; past
/// it a new input name is refused and counted in ``dynamicNamesRefused``, while names already interned
/// (a rule's field names among them) keep resolving.
public final class SymbolTable: Sendable {
    public static let shared = SymbolTable()

    /// How many distinct input field names the shared table takes by default.
    public static let defaultDynamicNameLimit = 100_000

    private struct State {
        var names: [String] = []
        var ids: [String: UInt32] = [:]
        var dynamicLimit: Int
        var dynamicCount = 0
        var dynamicRefused: UInt64 = 0
    }
    private let state: Mutex<State>

    public init(dynamicNameLimit: Int = SymbolTable.defaultDynamicNameLimit) {
        state = Mutex(State(dynamicLimit: dynamicNameLimit))
    }

    /// The most names ``internDynamic(bytes:)`` adds; names interned before count against it only if
    /// they came from the input. Lowering it below the names already taken refuses every new one.
    public var dynamicNameLimit: Int {
        get { state.withLock { $0.dynamicLimit } }
        set { state.withLock { $0.dynamicLimit = newValue } }
    }

    /// Input names added so far by ``internDynamic(bytes:)``.
    public var dynamicNameCount: Int { state.withLock { $0.dynamicCount } }

    /// Calls of ``internDynamic(bytes:)`` refused because the table was full: input fields dropped.
    public var dynamicNamesRefused: UInt64 { state.withLock { $0.dynamicRefused } }

    /// Interns a name read from the input, unless it is new and ``dynamicNameLimit`` input names were
    /// already taken: then returns nil and counts the refusal. Invalid UTF-8 is repaired with U+FFFD.
    public func internDynamic(bytes: UnsafeRawBufferPointer) -> Symbol? {
        let name = String(decoding: bytes, as: UTF8.self)
        return state.withLock { s in
            if let id = s.ids[name] { return Symbol(rawValue: id) }
            guard s.dynamicCount < s.dynamicLimit else {
                s.dynamicRefused &+= 1
                return nil
            }
            s.dynamicCount += 1
            let id = UInt32(s.names.count)
            s.names.append(name)
            s.ids[name] = id
            return Symbol(rawValue: id)
        }
    }

    public func intern(_ name: String) -> Symbol {
        state.withLock { s in
            if let id = s.ids[name] { return Symbol(rawValue: id) }
            let id = UInt32(s.names.count)
            s.names.append(name)
            s.ids[name] = id
            return Symbol(rawValue: id)
        }
    }

    /// Interns UTF-8 bytes (invalid sequences are repaired with U+FFFD).
    public func intern(bytes: UnsafeRawBufferPointer) -> Symbol {
        intern(String(decoding: bytes, as: UTF8.self))
    }

    /// The symbol of a name if it was interned before, without interning it.
    public func lookup(_ name: String) -> Symbol? {
        state.withLock { s in s.ids[name].map(Symbol.init(rawValue:)) }
    }

    public func name(of symbol: Symbol) -> String {
        state.withLock { s in
            Int(symbol.rawValue) < s.names.count ? s.names[Int(symbol.rawValue)] : "#\(symbol.rawValue)"
        }
    }

    public var count: Int { state.withLock { $0.names.count } }
}

/// A per-thread cache in front of ``SymbolTable`` that interns byte strings without locking or
/// allocating once a name has been seen. Owned by one worker; not `Sendable` on purpose.
public struct SymbolCache {
    private var slots: [Slot]
    private var arena: [UInt8] = []
    private var used = 0
    private let table: SymbolTable

    private struct Slot {
        var hash: UInt64 = 0
        var start: UInt32 = 0
        var count: UInt32 = 0
        var symbol: UInt32 = .max  // .max marks an empty slot
    }

    public init(table: SymbolTable = .shared, capacity: Int = 1024) {
        self.table = table
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(), count: size)
    }

    /// The symbol for input bytes (a JSON key), interning it with ``SymbolTable/internDynamic(bytes:)``
    /// on first sight; nil when the table is full and the name is new. Refusals are not cached, so the
    /// cache stays bounded too (each refused name costs a table lookup).
    public mutating func dynamicSymbol(for bytes: UnsafeRawBufferPointer) -> Symbol? {
        let hash = SymbolCache.hash(bytes)
        let index = slotIndex(for: bytes, hash: hash)
        if slots[index].symbol != .max { return Symbol(rawValue: slots[index].symbol) }
        guard let symbol = table.internDynamic(bytes: bytes) else { return nil }
        insert(symbol, bytes: bytes, hash: hash, at: index)
        return symbol
    }

    /// The slot holding `bytes`, or the empty slot where they would go.
    @inline(__always)
    private func slotIndex(for bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot.symbol == .max { return index }
            if slot.hash == hash, Int(slot.count) == bytes.count, equalsArena(slot, bytes) { return index }
            index = (index + 1) & mask
        }
    }

    private mutating func insert(_ symbol: Symbol, bytes: UnsafeRawBufferPointer, hash: UInt64, at index: Int) {
        let start = arena.count
        arena.append(contentsOf: bytes)
        slots[index] = Slot(hash: hash, start: UInt32(start), count: UInt32(bytes.count), symbol: symbol.rawValue)
        used += 1
        if used * 2 > slots.count { grow() }
    }

    /// The symbol for `bytes`, interning it in the shared table on first sight.
    public mutating func symbol(for bytes: UnsafeRawBufferPointer) -> Symbol {
        let hash = SymbolCache.hash(bytes)
        let index = slotIndex(for: bytes, hash: hash)
        if slots[index].symbol != .max { return Symbol(rawValue: slots[index].symbol) }
        let symbol = table.intern(bytes: bytes)
        insert(symbol, bytes: bytes, hash: hash, at: index)
        return symbol
    }

    private func equalsArena(_ slot: Slot, _ bytes: UnsafeRawBufferPointer) -> Bool {
        arena.withUnsafeBytes { a in
            let base = a.baseAddress! + Int(slot.start)
            return bytes.count == 0 || ByteCompare.equal(base, bytes.baseAddress!, count: bytes.count)
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        let mask = slots.count - 1
        for slot in old where slot.symbol != .max {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].symbol != .max { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        FNV1a.hash(bytes)
    }
}
