/// What a String held in correlation state costs beyond its 16 bytes, for the state budget.
enum StringCost {
    /// Heap bytes of a native String: none up to 15 UTF-8 bytes (stored inline), else its bytes and
    /// the heap object's header.
    @inline(__always)
    static func heapBytes(_ text: String) -> Int {
        let count = text.utf8.count
        return count <= 15 ? 0 : 32 + count
    }

    @inline(__always)
    static func heapBytes(_ text: String?) -> Int {
        text.map(heapBytes) ?? 0
    }
}
