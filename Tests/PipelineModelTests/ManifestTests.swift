// ManifestTests: manifests encode with schemaVersion first and sorted keys, byte-stable,
// round-trip (with the execution environment and per-stage threads, or without them, as older
// manifests were written), and refuse a schema they do not know.
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

    @Test func theEnvironmentAndStageThreadsRoundTripUnderTheSameSchemaVersion() throws {
        var m = sampleManifest(variant: 1)
        m.environment = sampleEnvironment(core: "SkylakeX", flags: ["avx2", "avx512f", "fma"], threads: 4)
        m.stages[1].threads = 4
        let data = try m.encoded()
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix("{\n  \"schemaVersion\" : 1,\n  \"environment\" : {"))
        let top = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(top == ["schemaVersion", "environment", "experiment", "host", "runID", "stages", "startedAt", "summary", "tool"])
        #expect(text.contains("\"core\" : \"SkylakeX\""))
        #expect(text.contains("\"threads\" : 4"))
        let decoded = try Manifest.decode(data, source: "m.json")
        #expect(decoded.environment == m.environment)
        #expect(decoded.stages.map(\.threads) == [nil, 4, nil])
        #expect(try decoded.encoded() == data)
    }

    @Test func aManifestWithoutEnvironmentEncodesAsBeforeAndDecodes() throws {
        let text = String(decoding: try sampleManifest(variant: 0).encoded(), as: UTF8.self)
        #expect(!text.contains("environment") && !text.contains("threads"))
        let decoded = try Manifest.decode(Data(text.utf8), source: "m.json")
        #expect(decoded.environment == nil && decoded.stages.allSatisfy { $0.threads == nil })
    }

    @Test func aCarriedStageRoundTripsAndARunRecordHasNoCarriedFields() throws {
        var m = sampleManifest(variant: 1)
        let plain = String(decoding: try m.encoded(), as: UTF8.self)
        #expect(!plain.contains("carried"))
        m.stages[0].carriedFrom = "run-0"
        m.summary.carried = 1
        let data = try m.encoded()
        let back = try Manifest.decode(data, source: "m.json")
        #expect(try back.encoded() == data && back.schemaVersion == 1)
        #expect(back.stages[0].carriedFrom == "run-0" && back.stages[1].carriedFrom == nil && back.summary.carried == 1)
    }

    @Test func theCommittedReferenceManifestDecodesWithItsEnvironment() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("results/reference/manifest.json")
        let manifest = try Manifest.decode(try Data(contentsOf: url), source: url.path)
        #expect(manifest.schemaVersion == 1)
        let environment = try #require(manifest.environment)
        #expect(environment.blas.name == "OpenBLAS" && !environment.blas.core.isEmpty)
        #expect(manifest.stages.count == 16 && manifest.stages.allSatisfy { $0.threads != nil && $0.status == .ran })
    }
}
