import VigilEvent

extension Detector {
    /// The route of an event: the first mapping entry whose conditions hold, else a fallback route.
    mutating func resolveRoute(_ event: UnsafePointer<Event>, in batch: EventBatch) -> Int {
        let fallback = event.pointee.format == .json ? routes.count - 2 : routes.count - 1
        if ruleSet.router.entries.isEmpty { return fallback }
        routerEpoch &+= 1
        if routerEpoch == 0 {
            for i in routerStamp.indices { routerStamp[i] = 0 }
            routerEpoch = 1
        }
        routerPresent.removeAll(keepingCapacity: true)
        if ruleSet.router.fieldSlotCount > 0 && !(event.pointee.fields.isEmpty && event.pointee.decodedFields.isEmpty) {
            gatherRouterFields(event, in: batch)
        }
        var foldedApp: Range<Int>? = nil
        if let app = event.pointee.app {
            foldedApp = values.arena.appendFolded(UnsafeRawBufferPointer(start: values.batchBase! + app.lowerBound, count: app.count))
        }
        var best = Int32.max
        if let foldedApp, !ruleSet.router.appIndex.isEmpty {
            for entry in ruleSet.router.appIndex.entries(Router.hash(values.arena.bytes(foldedApp)))
            where entry < best && satisfies(entry, event, foldedApp) {
                best = entry
                break
            }
        }
        if let decoder = event.pointee.decoder {
            for entry in tables.entries(forDecoder: decoder) where entry < best && satisfies(entry, event, foldedApp) {
                best = entry
                break
            }
        }
        for entry in ruleSet.router.generalEntries {
            if entry >= best { break }
            if satisfies(entry, event, foldedApp) {
                best = entry
                break
            }
        }
        for slot in routerPresent {
            for entry in ruleSet.router.entriesByFirstField[Int(slot)] {
                if entry >= best { break }
                if satisfies(entry, event, foldedApp) {
                    best = entry
                    break
                }
            }
        }
        return best == Int32.max ? fallback : Int(best)
    }

    private mutating func gatherRouterFields(_ event: UnsafePointer<Event>, in batch: EventBatch) {
        routerValues.removeAll(keepingCapacity: true)
        let slots = ruleSet.router.fieldSlots
        for span in [event.pointee.decodedFields, event.pointee.fields] {
            for i in span.range {
                let field = batch.fields[i]
                let raw = Int(field.name.rawValue)
                guard raw < slots.count else { continue }
                let slot = Int(slots[raw])
                guard slot >= 0, routerStamp[slot] != routerEpoch, field.kind != .null else { continue }
                routerStamp[slot] = routerEpoch
                routerPresent.append(Int32(slot))
                routerHead[slot] = Int32(routerValues.count)
                routerValues.append((Int32(field.value.lowerBound), Int32(field.value.count)))
            }
        }
    }

    private func satisfies(_ index: Int32, _ event: UnsafePointer<Event>, _ foldedApp: Range<Int>?) -> Bool {
        let i = Int(index)
        let formats = ruleSet.router.entryFormats[i]
        if formats != 0 && formats & (1 << event.pointee.format.rawValue) == 0 { return false }
        let firstSlot = ruleSet.router.entryFirstFieldSlot[i]
        if firstSlot >= 0 && routerStamp[Int(firstSlot)] != routerEpoch { return false }
        if ruleSet.router.entryHasDecoders[i] {
            guard let decoder = event.pointee.decoder, ruleSet.router.entries[i].decoders.contains(decoder) else { return false }
        }
        if ruleSet.router.entryHasApps[i] {
            guard let foldedApp else { return false }
            let app = values.arena.bytes(foldedApp)
            if !ruleSet.router.entries[i].appTests.contains(where: { routerTest(Int($0), app) }) { return false }
        }
        if firstSlot < 0 { return true }
        for condition in ruleSet.router.entries[i].fieldConditions {
            let slot = Int(condition.slot)
            guard routerStamp[slot] == routerEpoch else { return false }
            let value = routerValues[Int(routerHead[slot])]
            let raw = UnsafeRawBufferPointer(start: values.batchBase! + Int(value.start), count: Int(value.length))
            // Field conditions are short; fold into the arena's tail without keeping the copy.
            let folded = values.arena.appendFolded(raw)
            if !condition.tests.contains(where: { routerTest(Int($0), values.arena.bytes(folded)) }) { return false }
        }
        return true
    }

    private func routerTest(_ index: Int, _ text: UnsafeRawBufferPointer) -> Bool {
        Detector.stringTest(routerProgram.tests[index], text, literals: routerProgram.literals, glob: routerProgram.glob)
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
