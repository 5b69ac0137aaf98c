import VigilEvent

/// Turns evidence kept as a message back into the normalized event JSON that alerts embed.
///
/// Correlation keeps each input's message as received (about a third of its JSON) and writes the JSON
/// only for the evidence of alerts it prints. The pipeline implements this by parsing and decoding the
/// message again with the run's own parser and decoder options, which gives the JSON `vigil parse`
/// prints for it. The engine makes one instance per shard (``CorrelationOptions/evidenceRenderer``), so
/// an implementation may keep per-thread scratch.
public protocol EvidenceRendering {
    /// Appends the JSON object of the event `message` parses into, received at `receiveTime`.
    mutating func appendEventJSON(message: UnsafeRawBufferPointer, receiveTime: Timestamp, to out: inout [UInt8])

    /// Appends the JSON object of the event `message` parses into, with the time the pipeline settled
    /// for it (`eventTime`, with `precision` sub-second digits) when given: a decoder's, an inherited
    /// one, a file's year, which parsing the message alone would not give.
    mutating func appendEventJSON(
        message: UnsafeRawBufferPointer, receiveTime: Timestamp, eventTime: Timestamp?, precision: UInt8, to out: inout [UInt8])
}

extension EvidenceRendering {
    /// Renderers that do not take a settled time print the time parsing gives.
    public mutating func appendEventJSON(
        message: UnsafeRawBufferPointer, receiveTime: Timestamp, eventTime: Timestamp?, precision: UInt8, to out: inout [UInt8]
    ) {
        appendEventJSON(message: message, receiveTime: receiveTime, to: &out)
    }
}

/// A child correlation window as a chained correlation keeps it: its alert JSON up to and including
/// `"events":[` (alerts end with their evidence array), then its evidence items still in their kept
/// forms. Written out (``EvidencePrinter``) only if an alert of the chained rule prints it.
///
/// Layout: prefix length (UInt32), prefix, item count (UInt32), then per item its form (UInt8),
/// receive time (Int64), settled event time (Int64), its precision (UInt8), length (UInt32) and bytes.
/// Integers little-endian.
enum DeferredWindow {
    /// Writes a window into `out` (replacing what it held): the prefix `writePrefix` appends, then the
    /// items `writeItems` appends (with ``appendItem(form:time:bytes:to:)``), returning how many.
    /// The two lengths are known once written: the header gets them afterwards.
    static func write(
        into out: inout [UInt8], prefix writePrefix: (inout [UInt8]) -> Void, items writeItems: (inout [UInt8]) -> Int
    ) {
        out.removeAll(keepingCapacity: true)
        appendInteger(UInt32(0), to: &out)
        writePrefix(&out)
        let prefixCount = out.count - 4
        appendInteger(UInt32(0), to: &out)
        let itemCount = writeItems(&out)
        setInteger(UInt32(prefixCount), at: 0, in: &out)
        setInteger(UInt32(itemCount), at: 4 + prefixCount, in: &out)
    }

    static func appendItem(
        form: CorrelationBatch.EvidenceForm, time: EvidenceTime, bytes: UnsafeRawBufferPointer, to out: inout [UInt8]
    ) {
        out.append(form.rawValue)
        appendInteger(UInt64(bitPattern: time.received), to: &out)
        appendInteger(UInt64(bitPattern: time.event), to: &out)
        out.append(time.precision)
        appendInteger(UInt32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    static func appendInteger<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func setInteger<T: FixedWidthInteger>(_ value: T, at offset: Int, in out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: $0) }
    }

    static func readInteger<T: FixedWidthInteger>(_ type: T.Type, _ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> T {
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }
}

/// Writes kept evidence out as the JSON alerts print. One per shard.
struct EvidencePrinter {
    var renderer: (any EvidenceRendering)?

    mutating func append(
        form: CorrelationBatch.EvidenceForm, time: EvidenceTime, bytes: UnsafeRawBufferPointer, to out: inout [UInt8]
    ) {
        switch form {
        case .json:
            out.append(contentsOf: bytes)
        case .message:
            if renderer != nil {
                renderer!.appendEventJSON(
                    message: bytes, receiveTime: Timestamp(nanoseconds: time.received), eventTime: time.eventTime,
                    precision: time.precision, to: &out)
            } else {
                // No renderer (an engine driven without the pipeline): the message as a JSON string.
                out.append(contentsOf: #"{"raw":"#.utf8)
                JSONOutput.appendString(bytes, to: &out)
                out.append(UInt8(ascii: "}"))
            }
        case .window:
            var offset = 0
            let prefixCount = Int(DeferredWindow.readInteger(UInt32.self, bytes, at: &offset))
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + prefixCount]))
            offset += prefixCount
            let items = Int(DeferredWindow.readInteger(UInt32.self, bytes, at: &offset))
            for index in 0..<items {
                let itemForm = CorrelationBatch.EvidenceForm(rawValue: bytes[offset]) ?? .json
                offset += 1
                var itemTime = EvidenceTime(received: Timestamp(nanoseconds: 0))
                itemTime.received = Int64(bitPattern: DeferredWindow.readInteger(UInt64.self, bytes, at: &offset))
                itemTime.event = Int64(bitPattern: DeferredWindow.readInteger(UInt64.self, bytes, at: &offset))
                itemTime.precision = bytes[offset]
                offset += 1
                let count = Int(DeferredWindow.readInteger(UInt32.self, bytes, at: &offset))
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(form: itemForm, time: itemTime, bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), to: &out)
                offset += count
            }
            out.append(contentsOf: "]}".utf8)
        }
    }
}
