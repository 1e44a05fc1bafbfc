// ManifestTests: manifests encode with schemaVersion first and sorted keys, byte-stable,
// round-trip, and refuse a schema they do not know.
import Foundation
import PipelineModel
import Testing
import TestSupport

@Suite struct ManifestTests {
    @Test func schemaVersionComesFirstAndKeysAreSorted() throws {
        let text = String(decoding: try sampleManifest(variant: 0).encoded(), as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"schemaVersion\" : 1,\n  \"experiment\" : {"))
        let top = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(top == ["schemaVersion", "experiment", "host", "runID", "stages", "startedAt", "summary", "tool"])
        #expect(text.hasSuffix("}\n"))
    }

    @Test func encodingIsStableAndRoundTrips() throws {
        let m = sampleManifest(variant: 1)
        let a = try m.encoded()
        let b = try Manifest.decode(a, source: "m.json").encoded()
        #expect(a == b)
        // JSON keeps no difference between 1 and 1.0; the decoded manifest is equivalent stage by stage.
        let decoded = try Manifest.decode(a, source: "m.json")
        #expect(decoded.runID == m.runID && decoded.stages.map(\.id) == m.stages.map(\.id))
        for (x, y) in zip(decoded.stages, m.stages) {
            #expect(ParamValue.equivalent(.object(x.metrics), .object(y.metrics)))
            #expect(ParamValue.equivalent(.object(x.params), .object(y.params)))
        }
    }

    @Test func anUnknownSchemaVersionIsRefusedWithAClearMessage() {
        let data = Data(#"{"schemaVersion": 9, "stages": []}"#.utf8)
        #expect(throws: PipelineModelError.unsupportedSchema(path: "x.json", found: 9, supported: 1)) {
            try Manifest.decode(data, source: "x.json")
        }
        #expect(throws: PipelineModelError.self) { try Manifest.decode(Data("[]".utf8), source: "y.json") }
    }
}
