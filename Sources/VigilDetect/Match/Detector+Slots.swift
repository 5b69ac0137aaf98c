import VigilEvent

extension Detector {
    /// Gathers the values the route's rules read: one pass over the event's fields (decoded fields
    /// win over parsed ones of the same name), then the event properties the route uses.
    mutating func fillSlots(_ event: UnsafePointer<Event>, in batch: EventBatch) {
        // Through a pointer: copying the view (about 120 bytes) cost a memcpy per event.
        let current = routeViews.baseAddress.unsafelyUnwrapped + route
        keywordSlot = current.pointee.keywordSlot
        let values = self.values
        batch.fields.withUnsafeBufferPointer { fields in
            for i in event.pointee.decodedFields.range {
                let field = fields[i]
                let slot = slot(of: field.name)
                guard slot >= 0 else { continue }
                values.add(slot: slot, start: field.value.lowerBound, length: field.value.count, kind: field.kind)
                values.markDecoded(slot)
            }
            for i in event.pointee.fields.range {
                let field = fields[i]
                let slot = slot(of: field.name)
                guard slot >= 0, !values.isDecoded(slot) else { continue }
                values.add(slot: slot, start: field.value.lowerBound, length: field.value.count, kind: field.kind)
            }
            for (slot, property) in current.pointee.propertySlots {
                Detector.addProperty(property, of: event, slot: Int(slot), to: values)
            }
            guard current.pointee.usesKeywords else { return }
            if event.pointee.format == .json {
                // Every string value, parsed fields first (a JSON event's keywords).
                let keywordSlot = current.pointee.keywordSlot
                func addStrings(_ span: FieldSpan) {
                    for i in span.range where fields[i].kind == .string {
                        values.add(slot: keywordSlot, start: fields[i].value.lowerBound, length: fields[i].value.count, kind: .string)
                    }
                }
                addStrings(event.pointee.fields)
                addStrings(event.pointee.decodedFields)
            } else {
                let text = event.pointee.message ?? event.pointee.raw
                values.add(slot: keywordSlot, start: text.lowerBound, length: text.count, kind: .string)
            }
        }
    }

    /// The current route's slot for a field name: a cache hit, or resolved once per worker and name.
    @inline(__always)
    private func slot(of name: Symbol) -> Int {
        let raw = Int(name.rawValue)
        let cached = slotCache.slot(route: route, name: raw)
        if cached != RouteSlotCache.unknown { return Int(cached) }
        let resolved = routes[route].resolveSlot(of: name)
        slotCache.store(resolved, route: route, name: raw)
        return Int(resolved)
    }

    /// Static: a method called from the mutating ``fillSlots(_:in:)`` would get a copy of the detector.
    private static func addProperty(_ property: EventProperty, of event: UnsafePointer<Event>, slot: Int, to values: EventValues) {
        func add(_ range: ByteRange?) {
            if let range { values.add(slot: slot, start: range.lowerBound, length: range.count, kind: .string) }
        }
        switch property {
        case .host: add(event.pointee.host)
        case .app: add(event.pointee.app)
        case .pid: add(event.pointee.pid)
        case .msgid: add(event.pointee.msgid)
        case .msg: add(event.pointee.message)
        case .raw: add(event.pointee.raw)
        case .facility: if let f = event.pointee.facility { values.addDecimal(slot: slot, Int(f)) }
        case .severity: if let s = event.pointee.severity { values.addDecimal(slot: slot, Int(s)) }
        case .format:
            var name = event.pointee.format.name
            name.withUTF8 { values.addDerived(slot: slot, UnsafeRawBufferPointer($0)) }
        case .decoder:
            if let decoder = event.pointee.decoder {
                if values.decoderNames[decoder] == nil { values.decoderNames[decoder] = Array(decoder.name.utf8) }
                values.decoderNames[decoder]!.withUnsafeBytes { values.addDerived(slot: slot, $0) }
            }
        }
    }

    /// Runs the route's needle scanners over the event's values and collects the rules they enable,
    /// plus the rules without literal requirements, in ascending order.
    mutating func collectCandidates() {
        let rules = self.rules
        rules.candidateCount = 0
        let epoch = values.epoch
        // Through a pointer: copying the view (about 120 bytes) cost a memcpy per event.
        let current = routeViews.baseAddress.unsafelyUnwrapped + route
        for scanner in current.pointee.scanners {
            let slot = scanner.scope == Program.Predicate.keywords ? keywordSlot : Int(scanner.scope)
            var v = values.head(ofSlot: slot)
            while v >= 0 {
                if values.values[Int(v)].kind != .null {
                    literalHits.removeAll(keepingCapacity: true)
                    if let literals = scanner.literals {
                        let text = values.folded(v)
                        literals._withUnsafeGuaranteedRef { $0.scan(text, into: &literalHits) }
                    }
                    if let networks = scanner.networks {
                        let text = values.raw(v)
                        networks._withUnsafeGuaranteedRef { $0.lookup(text, into: &literalHits) }
                    }
                    for needle in literalHits {
                        let start = Int(scanner.needleRuleStart[Int(needle)])
                        let end = Int(scanner.needleRuleStart[Int(needle) + 1])
                        for k in start..<end { rules.propose(scanner.needleRules[k], epoch: epoch) }
                    }
                }
                v = values.values[Int(v)].next
            }
        }
        for rule in current.pointee.alwaysRules { rules.propose(rule, epoch: epoch) }
        if rules.candidateCount > 1 {
            var list = UnsafeMutableBufferPointer(start: rules.candidates, count: rules.candidateCount)
            list.sort()
        }
    }

    /// The first value of the first slot of a Sigma field that the event has, or -1.
    @inline(__always)
    func firstHead(ofField field: Int32) -> Int32 {
        for slot in (routeViews.baseAddress.unsafelyUnwrapped + route).pointee.slots(ofField: field) {
            let head = values.head(ofSlot: Int(slot))
            if head >= 0 { return head }
        }
        return -1
    }
}
