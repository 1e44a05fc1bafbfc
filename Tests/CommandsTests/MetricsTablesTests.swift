// MetricsTablesTests: a stage's metrics as CSV tables — scalars at dotted paths in metrics.csv,
// lists of objects as their own tables with the union of keys as header, CSV quoting.
import PipelineModel
import Testing
@testable import Commands

@Suite struct MetricsTablesTests {
    @Test func flattensScalarsAndTabulatesListsOfObjects() {
        let tables = MetricsTables(metrics: [
            "oa": .double(0.5), "n": .int(3), "loss": .list([.double(1), .double(0.5)]),
            "by": .object(["a": .object(["x": .int(1)]), "b": .string("x,\"y\"")]),
            "levels": .list([.object(["level": .int(0), "oa": .double(0.9)]), .object(["level": .int(20), "extra": .bool(true)])]),
        ]).tables
        #expect(tables.map(\.name) == ["metrics", "levels"])
        #expect(tables[0].csv == "metric,value\nby.a.x,1\nby.b,\"x,\"\"y\"\"\"\nloss,\"[1.0,0.5]\"\nn,3\noa,0.5\n")
        #expect(tables[1].rows == [["extra", "level", "oa"], ["", "0", "0.9"], ["true", "20", ""]])
    }
}
