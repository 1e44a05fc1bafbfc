// StandardStagesTests: the registry users get holds the science kinds only; the test utility
// `sleep` is there only when asked for, and never in the generated reference.
import PipelineEngine
import Testing
@testable import ExperimentStages

@Suite struct StandardStagesTests {
    @Test func sleepIsRegisteredOnlyOnRequest() {
        #expect(StandardStages.registry["sleep"] == nil)
        #expect(StandardStages.registry.names == ["band-select", "load", "model", "prune", "quantize", "train", "visualize"])
        let withTests = StandardStages.registry(includingTestUtilities: true)
        #expect(withTests["sleep"] != nil)
        #expect(withTests.publicNames == StandardStages.registry.names)
    }

    @Test func theReferenceLeavesTestUtilitiesOut() {
        #expect(!ExperimentFileReference.markdown.contains("sleep"))
    }
}
