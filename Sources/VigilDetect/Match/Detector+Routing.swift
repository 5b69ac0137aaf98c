import VigilEvent

extension Detector {
    /// The route of an event: the first mapping entry whose conditions hold, else a fallback route.
    mutating func resolveRoute(_ event: UnsafePointer<Event>, in batch: EventBatch) -> Int {
        let fallback = event.pointee.format == .json ? routes.count - 2 : routes.count - 1
        if routerView.entryCount == 0 { return fallback }
        let scratch = routerScratch
        scratch.begin()
        if routerView.fieldSlotCount > 0 && !(event.pointee.fields.isEmpty && event.pointee.decodedFields.isEmpty) {
            gatherRouterFields(event.pointee.decodedFields, in: batch)
            gatherRouterFields(event.pointee.fields, in: batch)
        }
        var foldedApp: Range<Int>? = nil
        if let app = event.pointee.app {
            foldedApp = values.arena.appendFolded(UnsafeRawBufferPointer(start: values.batchBase! + app.lowerBound, count: app.count))
        }
        var best = Int32.max
        if let foldedApp, routerView.hasAppIndex {
            for entry in routerView.entries(forAppHash: Router.hash(values.arena.bytes(foldedApp)))
            where entry < best && satisfies(entry, event, foldedApp) {
                best = entry
                break
            }
        }
        if let decoder = event.pointee.decoder {
            for entry in routerView.entries(forDecoder: decoder) where entry < best && satisfies(entry, event, foldedApp) {
                best = entry
                break
            }
        }
        for entry in routerView.generalEntries {
            if entry >= best { break }
            if satisfies(entry, event, foldedApp) {
                best = entry
                break
            }
        }
        for k in 0..<scratch.presentCount {
            for entry in routerView.entriesByFirstField[Int(scratch.present[k])] {
                if entry >= best { break }
                if satisfies(entry, event, foldedApp) {
                    best = entry
                    break
                }
            }
        }
        return best == Int32.max ? fallback : Int(best)
    }

    // The helpers below only read, but are `mutating`: called from a mutating method, a non-mutating
    // one gets a copy of the whole detector (a 584-byte memcpy per call).

    /// Notes the values of router fields among `span`'s fields (the first of each field wins).
    private mutating func gatherRouterFields(_ span: FieldSpan, in batch: EventBatch) {
        let slots = routerView.fieldSlots
        let scratch = routerScratch
        batch.fields.withUnsafeBufferPointer { fields in
            for i in span.range {
                let field = fields[i]
                let raw = Int(field.name.rawValue)
                guard raw < slots.count else { continue }
                let slot = Int(slots[raw])
                guard slot >= 0, field.kind != .null else { continue }
                scratch.fill(slot, start: field.value.lowerBound, length: field.value.count)
            }
        }
    }

    private mutating func satisfies(_ index: Int32, _ event: UnsafePointer<Event>, _ foldedApp: Range<Int>?) -> Bool {
        let i = Int(index)
        let formats = routerView.entryFormats[i]
        if formats != 0 && formats & (1 << event.pointee.format.rawValue) == 0 { return false }
        let firstSlot = routerView.entryFirstFieldSlot[i]
        let scratch = routerScratch
        if firstSlot >= 0 && !scratch.has(Int(firstSlot)) { return false }
        let decoders = routerView.entryDecoders[i]
        if !decoders.isEmpty {
            guard let decoder = event.pointee.decoder, decoders.contains(decoder.rawValue) else { return false }
        }
        let appTests = routerView.entryAppTests[i]
        if appTests.count > 0 {
            guard let foldedApp else { return false }
            if !anyRouterTest(appTests, values.arena.bytes(foldedApp)) { return false }
        }
        if firstSlot < 0 { return true }
        for condition in routerView.entryConditions[i] {
            let slot = Int(condition.slot)
            guard scratch.has(slot) else { return false }
            let raw = UnsafeRawBufferPointer(
                start: values.batchBase! + Int(scratch.valueStarts[slot]), count: Int(scratch.valueLengths[slot]))
            // Field conditions are short; fold into the arena's tail without keeping the copy.
            let folded = values.arena.appendFolded(raw)
            if !anyRouterTest(condition.tests, values.arena.bytes(folded)) { return false }
        }
        return true
    }

    /// Whether any of the router's tests `tests` holds for `text`.
    private mutating func anyRouterTest(_ tests: DetectorTables.ListSpan, _ text: UnsafeRawBufferPointer) -> Bool {
        let program = routerProgram
        for k in Int(tests.start)..<Int(tests.start &+ tests.count)
        where Detector.stringTest(program.tests[k], text, literals: program.literals, glob: program.glob) {
            return true
        }
        return false
    }

    /// A string test on (folded) text.
    @inline(__always)
    static func stringTest(
        _ test: Program.Test, _ text: UnsafeRawBufferPointer, literals: UnsafeRawBufferPointer,
        glob: UnsafeBufferPointer<Program.GlobToken>
    )
        -> Bool
    {
        if test.kind == .glob {
            let tokens = UnsafeBufferPointer(rebasing: glob[Int(test.start)..<Int(test.start + test.length)])
            return TextMatching.glob(text, tokens: tokens, literals: literals)
        }
        let literal = UnsafeRawBufferPointer(start: literals.baseAddress.map { $0 + Int(test.start) }, count: Int(test.length))
        switch test.kind {
        case .equals: return TextMatching.equals(text, literal)
        case .prefix: return TextMatching.hasPrefix(text, literal)
        case .suffix: return TextMatching.hasSuffix(text, literal)
        case .contains: return TextMatching.contains(text, literal)
        case .anyValue: return true
        default: return false
        }
    }
}
