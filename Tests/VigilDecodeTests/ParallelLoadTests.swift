import Testing

@testable import VigilDecode

/// Loading's concurrent steps keep the order of their input and compile each distinct pattern once.
@Suite struct ParallelLoadTests {
    @Test func mapKeepsOrderUnderConcurrency() {
        let items = Array(0..<5_000)
        for _ in 0..<5 {
            #expect(ParallelLoad.map(items) { $0 * 3 } == items.map { $0 * 3 })
        }
    }

    @Test func patternsAreCompiledOncePerTextAndErrorsKept() throws {
        let files = ParallelLoad.read([
            .init(file: "a.yml", text: "decoders:\n  - name: a\n    pattern: '^x(?<n>\\d+)'\n  - name: b\n    pattern: '('\n"),
            .init(file: "b.yml", text: "decoders:\n  - name: c\n    pattern: '^x(?<n>\\d+)'\n"),
        ])
        #expect(files.map(\.file) == ["a.yml", "b.yml"])
        let compiled = ParallelLoad.compilePatterns(of: files)
        #expect(compiled.count == 2)
        #expect((try? compiled["^x(?<n>\\d+)"]?.get())?.captureCount == 1)
        #expect(throws: (any Error).self) { try compiled["("]?.get() }
    }
}
