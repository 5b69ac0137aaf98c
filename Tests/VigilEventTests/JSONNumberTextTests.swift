import Foundation
import Testing
import VigilEvent

@Suite struct JSONNumberTextTests {
    /// Exactly one JSON number a reader can hold: what the JSON lines parser asks of a value (the grammar,
    /// then the range check).
    private static func isRenderable(_ p: UnsafePointer<UInt8>, count: Int) -> Bool {
        var end = 0
        var exponent = false
        guard JSONNumberText.scan(p, count: count, at: &end, exponent: &exponent), end == count else { return false }
        return JSONNumberText.isWithinRange(p, count: count, exponent: exponent)
    }

    private static func renderable(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { isRenderable($0.baseAddress!, count: $0.count) }
    }

    private static let valid = [
        "0", "-0", "7", "-12", "4100", "3.25", "-0.5", "1e5", "1E+5", "2.5e-3", "1e308", "9223372036854775807",
        String(repeating: "9", count: 300),
    ]
    private static let invalid = [
        "", "-", "+5", "04100", "00", "1.", ".5", "1e", "1e+", "0x10", "1,5", "inf", "NaN", " 1", "1 ", "--1", "1.2.3",
    ]
    /// Valid JSON, but no `Double` holds them: strict readers reject them.
    private static let outOfRange = ["1e309", "-1e999", "1e709287202443", String(repeating: "9", count: 400)]

    @Test(arguments: valid) func numbersJSONWritesAreRenderable(_ text: String) {
        #expect(Self.renderable(text))
    }

    @Test(arguments: invalid) func textThatIsNotOneJSONNumberIsNot(_ text: String) {
        #expect(!Self.renderable(text))
    }

    @Test(arguments: outOfRange) func numbersOutsideDoubleRangeAreNot(_ text: String) {
        #expect(!Self.renderable(text))
    }

    /// The grammar agrees with Foundation's JSON reader on every case above.
    @Test(arguments: valid + invalid) func agreesWithFoundation(_ text: String) throws {
        // Foundation skips blanks around a top-level value; the grammar takes the text as it is.
        let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
        let isNumber = parsed is NSNumber && text.trimmingCharacters(in: .whitespaces) == text
        #expect(isNumber == Self.renderable(text))
    }

    @Test func scanStopsWhereTheNumberStopsBeingOne() {
        let text = Array("12.x".utf8)
        var end = 0
        var exponent = false
        let ok = text.withUnsafeBufferPointer { JSONNumberText.scan($0.baseAddress!, count: $0.count, at: &end, exponent: &exponent) }
        #expect(!ok && end == 3)
        var end2 = 0
        let ok2 = Array("-3e7,".utf8).withUnsafeBufferPointer {
            JSONNumberText.scan($0.baseAddress!, count: $0.count, at: &end2, exponent: &exponent)
        }
        #expect(ok2 && end2 == 4 && exponent)
    }

    /// On signed digit strings (what typed decoder fields hold) the short test agrees with the grammar.
    @Test func integerShortcutAgreesWithTheGrammar() {
        for sign in ["", "-", "+"] {
            for digits in ["0", "5", "00", "04100", "10", "65535", "9223372036854775807", "0000000000000000001"] {
                let bytes = Array((sign + digits).utf8)
                let (short, full) = bytes.withUnsafeBufferPointer {
                    (
                        JSONNumberText.isRenderableInteger($0.baseAddress!, count: $0.count),
                        Self.isRenderable($0.baseAddress!, count: $0.count)
                    )
                }
                #expect(short == full, "\(sign + digits)")
            }
        }
    }
}
