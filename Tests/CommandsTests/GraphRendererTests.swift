// GraphRendererTests: a matrix-expanded graph as text, DOT and Mermaid, as snapshots.
import PipelineEngine
import PipelineModel
import Testing
import TestSupport
@testable import Commands

@Suite struct GraphRendererTests {
    static let yaml = """
    name: g
    matrix:
      bands: [none, pca]
    stages:
      scene: {kind: fake}
      reduce: {kind: fake, needs: scene, method: "${bands}"}
      train: {kind: fake, needs: reduce}
      summary: {kind: fake, needs: scene}
    """

    @Test(arguments: GraphFormat.allCases)
    func graphMatchesItsSnapshot(_ format: GraphFormat) throws {
        let spec = try ExperimentLoader(registry: fakeRegistry(ExecutionLog())).load(text: Self.yaml, path: "g.yaml")
        let text = GraphRenderer.render(PipelineGraph(spec), format: format)
        if let m = snapshotMismatch(text, named: "graph.\(format.rawValue).txt") { Issue.record(Comment(rawValue: m)) }
    }
}
