import Foundation
import VigilDecode
import VigilDetect
import VigilEvent
import VigilIngest

/// The shipped decoders (rules/decoders), loaded once.
public let shippedDecoders: DecoderSet = {
    do {
        return try DecoderSet.load(paths: [vigilRoot + "/rules/decoders"]).decoders
    } catch {
        fuzzFailure("shipped decoders do not load: \(error)")
    }
}()

/// A few lines of each kind the shipped decoders know, to exercise rules and decoders loaded from fuzzed files.
public let sampleLines: [String] = [
    "Mar  1 10:00:02 web-02 sshd[4102]: Failed password for root from 198.51.100.51 port 51516 ssh2",
    "Mar  1 10:00:03 web-02 sshd[4102]: Accepted publickey for alice from 10.0.0.5 port 2222 ssh2: RSA SHA256:abc",
    "Mar  1 10:00:04 web-02 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
    "Mar  1 10:00:05 fw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.9 DST=10.0.0.1 PROTO=TCP SPT=4444 DPT=22",
    "<34>1 2026-03-01T10:00:06.123Z host app 42 ID47 [ex@1 a=\"b\"] message text",
    #"{"timestamp":"2026-03-01T10:00:07Z","host":"h","program":"sshd","message":"Invalid user bob from 1.2.3.4","a":{"b":[1,"x",null]}}"#,
    #"10.0.0.1 - - [01/Mar/2026:10:00:08 +0000] "GET /admin?x=1 HTTP/1.1" 404 12 "-" "curl/8""#,
]

/// Parses text lines as `vigil run` would (auto format, year fixed).
public func parseLines(_ text: [UInt8], parser: inout BatchParser, maxMessageSize: Int = 64 * 1024) -> (EventBatch, Int) {
    let raw = lineBatch(text, maxMessageSize: maxMessageSize)
    let messages = raw.messages.count
    return (parser.parse(raw), messages)
}

/// A parser as `vigil run` makes one, with the year fixed so runs repeat.
public func runParser() -> BatchParser {
    var options = ParserOptions()
    options.year = 2026
    return BatchParser(options: options)
}

/// Every diagnostic must name a file and say something; the loaders promise `file:line:column: message`.
public func checkDiagnostics(_ diagnostics: [RuleDiagnostic], file: String) {
    for d in diagnostics {
        guard d.file == file, !d.message.isEmpty, d.line >= 0, d.column >= 0 else {
            fuzzFailure("malformed diagnostic: \(d)")
        }
    }
}
