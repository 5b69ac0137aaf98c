import Testing
import VigilEvent

@testable import VigilIngest

@Suite struct JSONParserTests {
    /// (name, value, kind) of every field of the single event parsed from `json`.
    static func fields(_ json: String, options: ParserOptions = ParserOptions()) -> [String] {
        let (batch, event) = parseOne(json, options: options)
        #expect(event.format == .json, "\(json): \(event.parseFailure.map(\.description) ?? "")")
        return batch.fields[event.fields.range].map { "\($0.name.name)=\(batch.string($0.value)):\($0.kind)" }
    }

    @Test func nestedObjectsFlattenToDottedPaths() {
        #expect(
            Self.fields(#"{"Event":{"EventData":{"Image":"C:\\x.exe","Id":1}},"id.orig_h":"10.0.0.1","e":{}}"#) == [
                #"Event.EventData.Image=C:\x.exe:string"#, "Event.EventData.Id=1:number", "id.orig_h=10.0.0.1:string",
            ])
    }

    @Test func arraysBecomeRepeatedFields() {
        #expect(
            Self.fields(#"{"a":[1,"x",true,null,{"b":2,"c":[3]},[4,[]]],"z":[]}"#) == [
                "a=1:number", "a=x:string", "a=true:boolean", "a=null:null", "a.b=2:number", "a.c=3:number", "a=4:number",
            ])
    }

    @Test(arguments: [
        (#"{"s":"q\"b\\s\/n\nr\rt\tb\bf\f"}"#, "q\"b\\s/n\nr\rt\tb\u{8}f\u{c}"),
        (#"{"s":"caf\u00e9 \u20ac"}"#, "café €"),
        (#"{"s":"\ud83d\ude00!"}"#, "😀!"),
        (#"{"s":"lone \ud800 and \udc00 x"}"#, "lone \u{FFFD} and \u{FFFD} x"),
        (#"{"s":"high then letter \ud83dA"}"#, "high then letter \u{FFFD}A"),
        (#"{"s":"nul \u0000 end"}"#, "nul \u{0} end"),
        (#"{"s":"plain ünïcödé"}"#, "plain ünïcödé"),
    ])
    func stringEscapesAreDecoded(json: String, value: String) {
        let (batch, event) = parseOne(json)
        #expect(batch.values("s", of: event) == [value])
    }

    @Test func escapedKeysAreDecoded() {
        #expect(Self.fields(#"{"k\u0065y":{"\"q\"":1}}"#) == [#"key."q"=1:number"#])
    }

    @Test func derivedBytesAreAppendedOnlyForEscapes() {
        let plain = #"{"a":"x","b":"y"}"#
        let (batch, _) = parseOne(plain)
        #expect(batch.bytes.count == plain.utf8.count + 1)  // the message and its LF, nothing derived
        let escaped = #"{"a":"x\ty"}"#
        let (batch2, event2) = parseOne(escaped)
        #expect(batch2.bytes.count == escaped.utf8.count + 1 + 3)
        #expect(batch2.fields[event2.fields.range].first!.value.lowerBound == escaped.utf8.count + 1)
    }

    @Test(arguments: ["0", "-0", "12", "-1.5", "1e10", "2.5E-3", "1E+2", "0.000001", "123456789012345678901234567890"])
    func validNumbersKeepTheirSpelling(number: String) {
        #expect(Self.fields("{\"n\":\(number)}") == ["n=\(number):number"])
    }

    /// Found by FuzzDecode: valid JSON numbers no double can hold were written back as numbers, which
    /// strict JSON readers (Foundation's among them) reject; they are kept as strings.
    @Test(arguments: ["1e709287202443", "-1E400", String(repeating: "9", count: 400)])
    func numbersBeyondDoubleRangeBecomeStrings(number: String) {
        #expect(Self.fields("{\"n\":\(number)}") == ["n=\(number):string"])
    }

    @Test(arguments: ["01", "1.", ".5", "-", "1e", "+1", "0x1f", "1.2.3", "NaN", "--1"])
    func invalidNumbersFail(number: String) {
        let (_, event) = parseOne("{\"n\":\(number)}")
        #expect(event.format == .raw && event.parseFailure?.reason == .invalidJSON, "\(number)")
    }

    @Test(arguments: [
        (#"{"a":1,}"#, 7), (#"{"a" 1}"#, 5), (#"{"a":"x}"#, 8), (#"{"a":tru}"#, 5), ("{\"a\":\"x\ty\"}", 7),
        (#"{"a":1} x"#, 8), (#"{"a":[1 2]}"#, 8), (#"{a:1}"#, 1), (#"{"a":"\x"}"#, 7), (#"{"a":"\u12G4"}"#, 8), ("{", 1),
    ])
    func malformedJSONFailsWithOffset(json: String, offset: Int) {
        let (batch, event) = parseOne(json)
        #expect(event.format == .raw)
        #expect(event.parseFailure == ParseFailure(.invalidJSON, at: offset), "\(json)")
        #expect(batch.string(event.message) == json)
        #expect(event.fields.isEmpty && batch.fields.isEmpty)
    }

    @Test func nestingIsLimited() {
        let deep = String(repeating: "{\"a\":", count: 64) + "1" + String(repeating: "}", count: 64)
        #expect(parseOne(deep).1.format == .json)
        let tooDeep = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(parseOne(tooDeep).1.parseFailure?.reason == .invalidJSON)
        let arrays = "{\"a\":" + String(repeating: "[", count: 100_000) + "}"
        #expect(parseOne(arrays).1.parseFailure?.reason == .invalidJSON)
    }

    @Test(arguments: ["[1,2]", "\"text\"", "42", "true", "null"])
    func forcedJSONNeedsAnObject(input: String) {
        let (_, event) = parseOne(input, options: ParserOptions(format: .forced(.json)))
        #expect(event.parseFailure?.reason == .jsonNotObject)
        #expect(parseOne("x", options: ParserOptions(format: .forced(.json))).1.parseFailure?.reason == .invalidJSON)
    }

    @Test func aLeadingBOMIsSkipped() {
        let (batch, event) = parseOne("\u{FEFF}{\"a\":1}")
        #expect(event.format == .json && batch.values("a", of: event) == ["1"])
    }

    @Test func whitespaceAroundTheObjectIsAllowed() {
        #expect(parseOne(" \t{ \"a\" : [ 1 , 2 ] }  ", options: ParserOptions(format: .forced(.json))).1.format == .json)
    }

    @Test func headerMembersFillTheEvent() {
        let (batch, event) = parseOne(
            #"{"hostname":"h2","host":"h1","program":"sshd","pid":4242,"msg":"m2","message":"hello","x":{"host":"no"}}"#)
        #expect(batch.string(event.host) == "h1")
        #expect(batch.string(event.app) == "sshd")
        #expect(batch.string(event.pid) == "4242")
        #expect(batch.string(event.message) == "hello")
        #expect(batch.values("x.host", of: event) == ["no"])
        let (b2, e2) = parseOne(#"{"host":{"name":"ecs-host"},"process":{"pid":"7","name":"nginx"},"pid":null}"#)
        #expect(b2.string(e2.host) == "ecs-host" && b2.string(e2.app) == "nginx" && b2.string(e2.pid) == "7")
        let (_, e3) = parseOne(#"{"host":42,"message":{"text":"a"},"pid":true}"#)
        #expect(e3.host == nil && e3.message == nil && e3.pid == nil)
        let (b4, e4) = parseOne(#"{"message":["first","second"]}"#)
        #expect(b4.string(e4.message) == "first")
    }
}
