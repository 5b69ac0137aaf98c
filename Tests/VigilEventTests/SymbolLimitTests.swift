import Testing

@testable import VigilEvent

/// Input field names are capped: endless distinct JSON keys must not grow the symbol table forever.
@Suite struct SymbolLimitTests {
    @Test func distinctInputNamesStopAtTheLimitAndAreCounted() {
        let table = SymbolTable(dynamicNameLimit: 100)
        var cache = SymbolCache(table: table, capacity: 16)
        var refused = 0
        for i in 0..<10_000 {
            let symbol = Array("key\(i)".utf8).withUnsafeBytes { cache.dynamicSymbol(for: $0) }
            if symbol == nil { refused += 1 }
        }
        #expect(table.count == 100)
        #expect(table.dynamicNameCount == 100)
        #expect(refused == 9_900)
        #expect(table.dynamicNamesRefused == 9_900)
    }

    @Test func namesAlreadyInternedStillResolveWhenTheTableIsFull() {
        let table = SymbolTable(dynamicNameLimit: 1)
        let ruleField = table.intern("Image")
        var cache = SymbolCache(table: table)
        let first = Array("first".utf8).withUnsafeBytes { cache.dynamicSymbol(for: $0) }
        #expect(first != nil)
        #expect(Array("second".utf8).withUnsafeBytes { cache.dynamicSymbol(for: $0) } == nil)
        // A rule's field name and a name taken before the cap keep resolving, from the table and the cache.
        #expect(Array("Image".utf8).withUnsafeBytes { cache.dynamicSymbol(for: $0) } == ruleField)
        #expect(Array("first".utf8).withUnsafeBytes { cache.dynamicSymbol(for: $0) } == first)
        // Names from rules and code are never refused.
        #expect(table.name(of: table.intern("CommandLine")) == "CommandLine")
        #expect(table.dynamicNamesRefused == 1)
    }

    @Test func aLoweredLimitRefusesEveryNewName() {
        let table = SymbolTable(dynamicNameLimit: 10)
        var cache = SymbolCache(table: table)
        _ = Array("a".utf8).withUnsafeBytes { cache.dynamicSymbol(for: $0) }
        table.dynamicNameLimit = 0
        #expect(Array("b".utf8).withUnsafeBytes { cache.dynamicSymbol(for: $0) } == nil)
        #expect(Array("a".utf8).withUnsafeBytes { cache.dynamicSymbol(for: $0) } != nil)
    }
}
