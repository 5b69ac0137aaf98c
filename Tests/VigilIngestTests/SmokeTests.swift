import Testing
import VigilEvent

@testable import VigilIngest

@Suite struct SmokeTests {
    @Test func mixedFormats() {
        let batch = parse([
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 [a@1 x=\"1\\\"2\"] hello",
            "Mar  1 00:00:01 web-01 sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2",
            "{\"timestamp\":\"2024-03-01T01:08:41.773896Z\",\"host\":\"k8s\",\"id\":{\"orig_h\":\"1.2.3.4\"},\"a\":[1,{\"b\":true}]}",
            "plain text",
        ])
        for e in batch.events { print(batch.json(of: e)) }
    }
}
