import Testing
import VigilEvent

@Suite struct SymbolTests {
    @Test func cacheAgreesWithTable() {
        var cache = SymbolCache(capacity: 2)
        var seen: [String: Symbol] = [:]
        for i in 0..<500 {
            let name = "field.\(i % 97).x"
            let bytes = Array(name.utf8)
            let s = bytes.withUnsafeBytes { cache.symbol(for: $0) }
            if let earlier = seen[name] { #expect(earlier == s) }
            seen[name] = s
            #expect(s == Symbol(name))
            #expect(s.name == name)
        }
    }
}
