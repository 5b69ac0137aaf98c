import VigilEvent

extension DetectorTables {
    /// A run of one of the flat lists.
    struct ListSpan {
        var start: Int32
        var count: Int32
    }

    /// Lists of values stored end to end: list `i` is `values[spans[i]]`.
    struct Lists<Element> {
        var spans: UnsafeBufferPointer<ListSpan>
        var values: UnsafeBufferPointer<Element>

        var count: Int { spans.count }

        @inline(__always)
        subscript(_ index: Int) -> UnsafeBufferPointer<Element> {
            let span = spans[index]
            return UnsafeBufferPointer(rebasing: values[Int(span.start)..<Int(span.start &+ span.count)])
        }
    }

    /// What the matcher reads of a ``Route`` per event.
    struct RouteView {
        var hasRules: Bool
        var usesKeywords: Bool
        /// The slot of the route's keyword values (after its field and property slots).
        var keywordSlot: Int
        /// Slots of Sigma field `f`: `fieldSlots[fieldSlotStart[f] ..< fieldSlotStart[f + 1]]`.
        var fieldSlotStart: UnsafeBufferPointer<Int32>
        var fieldSlots: UnsafeBufferPointer<Int32>
        /// Rules without a literal requirement (always evaluated).
        var alwaysRules: UnsafeBufferPointer<Int32>
        var propertySlots: UnsafeBufferPointer<(slot: Int32, property: EventProperty)>
        var scanners: UnsafeBufferPointer<ScannerView>

        @inline(__always)
        func slots(ofField field: Int32) -> UnsafeBufferPointer<Int32> {
            let lower = Int(fieldSlotStart[Int(field)])
            let upper = Int(fieldSlotStart[Int(field) &+ 1])
            return UnsafeBufferPointer(rebasing: fieldSlots[lower..<upper])
        }
    }

    /// A ``Route/Scanner``: the literal set and network index are kept alive by the rule set's routes.
    struct ScannerView {
        var scope: Int32
        var literals: Unmanaged<LiteralSet>?
        var networks: Unmanaged<NetworkIndex>?
        var needleRuleStart: UnsafeBufferPointer<Int32>
        var needleRules: UnsafeBufferPointer<Int32>
    }

    /// What the matcher reads of the ``Router`` per event.
    struct RouterView {
        struct Condition {
            var slot: Int32
            /// Tests in the router's program, any of which must hold.
            var tests: ListSpan
        }

        var entryFormats: UnsafeBufferPointer<UInt8>
        var entryFirstFieldSlot: UnsafeBufferPointer<Int32>
        var entryAppTests: UnsafeBufferPointer<ListSpan>
        /// Per entry, the `Symbol` raw values of the decoders it names (empty: no decoder condition).
        var entryDecoders: Lists<UInt32>
        var entryConditions: Lists<Condition>
        var generalEntries: UnsafeBufferPointer<Int32>
        var entriesByFirstField: Lists<Int32>
        /// Router field slot by `Symbol.rawValue`, or -1.
        var fieldSlots: UnsafeBufferPointer<Int32>
        var fieldSlotCount: Int
        /// Entries naming a decoder, by the decoder's `Symbol` raw value.
        var decoderLists: Lists<Int32>
        /// The router's ``HashIndex`` of exact app names (FNV-1a of the folded name).
        var appKeys: UnsafeBufferPointer<UInt64>
        var appSlotUsed: UnsafeBufferPointer<Bool>
        var appLists: Lists<Int32>

        var entryCount: Int { entryFormats.count }
        var hasAppIndex: Bool { appLists.values.count > 0 }

        /// The entries whose app condition is exact names, one of which hashes to `hash` (ascending).
        @inline(__always)
        func entries(forAppHash hash: UInt64) -> UnsafeBufferPointer<Int32> {
            let mask = appKeys.count &- 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while appSlotUsed[slot] {
                if appKeys[slot] == hash { return appLists[slot] }
                slot = (slot &+ 1) & mask
            }
            return UnsafeBufferPointer(start: nil, count: 0)
        }

        /// The entries that name `decoder` (ascending), empty when none does.
        @inline(__always)
        func entries(forDecoder decoder: Symbol) -> UnsafeBufferPointer<Int32> {
            let raw = Int(decoder.rawValue)
            return raw < decoderLists.count ? decoderLists[raw] : UnsafeBufferPointer(start: nil, count: 0)
        }
    }

    /// Builds the views into buffers it owns (``frozen``).
    struct Storage {
        private(set) var frozen = FrozenBuffers()

        mutating func copy<T>(_ array: [T]) -> UnsafeBufferPointer<T> { frozen.freeze(array) }

        mutating func lists<T>(_ lists: [[T]]) -> Lists<T> {
            var spans: [ListSpan] = []
            var values: [T] = []
            for list in lists {
                spans.append(ListSpan(start: Int32(values.count), count: Int32(list.count)))
                values += list
            }
            return Lists(spans: copy(spans), values: copy(values))
        }

        mutating func view(of program: Program) -> ProgramView {
            ProgramView(
                nodes: copy(program.nodes), children: copy(program.children), predicates: copy(program.predicates),
                tests: copy(program.tests), literals: UnsafeRawBufferPointer(copy(program.literals)), glob: copy(program.glob))
        }

        mutating func view(of route: Route) -> RouteView {
            let scanners = route.scanners.map { scanner in
                ScannerView(
                    scope: scanner.scope, literals: scanner.literals.map { Unmanaged.passUnretained($0) },
                    networks: scanner.networks.map { Unmanaged.passUnretained($0) }, needleRuleStart: copy(scanner.needleRuleStart),
                    needleRules: copy(scanner.needleRules))
            }
            return RouteView(
                hasRules: !route.rules.isEmpty, usesKeywords: route.usesKeywords, keywordSlot: route.slots.count,
                fieldSlotStart: copy(route.fieldSlotStart), fieldSlots: copy(route.fieldSlots), alwaysRules: copy(route.alwaysRules),
                propertySlots: copy(route.propertySlots), scanners: copy(scanners))
        }

        mutating func view(of router: Router) -> RouterView {
            var byDecoder = [[Int32]](
                repeating: [], count: (router.decoderIndex.keys.map { Int($0.rawValue) }.max() ?? -1) + 1)
            for (decoder, list) in router.decoderIndex { byDecoder[Int(decoder.rawValue)] = list }
            return RouterView(
                entryFormats: copy(router.entryFormats),
                entryFirstFieldSlot: copy(router.entryFirstFieldSlot),
                entryAppTests: copy(router.entries.map { ListSpan(start: $0.appTests.lowerBound, count: Int32($0.appTests.count)) }),
                entryDecoders: lists(router.entries.map { $0.decoders.map(\.rawValue).sorted() }),
                entryConditions: lists(
                    router.entries.map { entry in
                        entry.fieldConditions.map {
                            RouterView.Condition(slot: $0.slot, tests: ListSpan(start: $0.tests.lowerBound, count: Int32($0.tests.count)))
                        }
                    }),
                generalEntries: copy(router.generalEntries), entriesByFirstField: lists(router.entriesByFirstField),
                fieldSlots: copy(router.fieldSlots), fieldSlotCount: router.fieldSlotCount, decoderLists: lists(byDecoder),
                appKeys: copy(router.appIndex.keys), appSlotUsed: copy(router.appIndex.used), appLists: lists(router.appIndex.lists))
        }
    }
}
