// ExperimentFileReferenceTests: Docs/ExperimentFile.md is exactly what the stage declarations
// generate (RECORD_SNAPSHOTS=1 rewrites it), and it mentions every parameter of every kind.
import ExperimentStages
import Foundation
import PipelineEngine
import Testing

@Suite struct ExperimentFileReferenceTests {
    private var docURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/ExperimentFile.md")
    }

    @Test func theCommittedReferenceMatchesTheDeclarations() throws {
        let generated = ExperimentFileReference.markdown
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"].map({ !$0.isEmpty && $0 != "0" }) ?? false {
            try FileManager.default.createDirectory(at: docURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            try generated.write(to: docURL, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: docURL, encoding: .utf8)
        #expect(committed == generated, "Docs/ExperimentFile.md is stale; run the tests with RECORD_SNAPSHOTS=1")
    }

    @Test func everyParameterOfEveryKindIsDocumented() {
        let text = ExperimentFileReference.markdown
        for kind in StandardStages.registry.kinds.values {
            #expect(text.contains("### `\(kind.kind)`"))
            for p in kind.parameters { #expect(text.contains("| `\(p.name)` |"), "\(kind.kind).\(p.name)") }
        }
    }
}
