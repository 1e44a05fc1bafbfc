// ParamValueTests: canonical JSON is independent of key order and exact about numbers;
// changes between values are reported leaf by leaf with dotted paths.
import PipelineModel
import Testing

@Suite struct ParamValueTests {
    @Test func canonicalJSONSortsKeysAndFormatsNumbersExactly() {
        let a: ParamValue = ["b": 1, "a": ["y": 0.1, "x": "q\"uote"], "c": [true, .null, 2.5]]
        let b: ParamValue = ["c": [true, .null, 2.5], "a": ["x": "q\"uote", "y": 0.1], "b": 1]
        #expect(a.canonicalJSON == #"{"a":{"x":"q\"uote","y":0.1},"b":1,"c":[true,null,2.5]}"#)
        #expect(a.canonicalJSON == b.canonicalJSON)
        #expect(ParamValue.double(1).canonicalJSON == "1.0")
        #expect(ParamValue.int(1).canonicalJSON == "1")
        #expect(ParamValue.string("tab\tnew\nline\u{01}").canonicalJSON == #""tab\tnew\nline\u0001""#)
    }

    @Test func changesAreListedByDottedPath() {
        let old: ParamValue = ["epochs": 10, "optimizer": ["lr": 0.001, "name": "adam"]]
        let new: ParamValue = ["epochs": 20, "optimizer": ["lr": 0.01, "name": "adam"], "patch": 5]
        #expect(ParamValue.changes(from: old, to: new).map(\.text) == [
            "epochs 10 → 20", "optimizer.lr 0.001 → 0.01", "patch (absent) → 5",
        ])
        #expect(ParamValue.changes(from: old, to: old).isEmpty)
    }
}
