import Testing
import VigilArchive

@Suite("ArchiveReference")
struct ArchiveReferenceTests {
    @Test("SEGMENT:BLOCK:SEQUENCE reads back; anything else is refused")
    func readsBack() {
        let reference = ArchiveReference(segment: 3, block: 17, sequence: 123_456)
        #expect(ArchiveReference(reference.description) == reference)
        for bad in ["", "1:2", "1:2:3:4", "a:2:3", "-1:2:3", "1:2:-3"] { #expect(ArchiveReference(bad) == nil, "\(bad)") }
    }
}
