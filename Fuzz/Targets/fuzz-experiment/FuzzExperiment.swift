// fuzz-experiment: libFuzzer entry for the experiment loader, YAML text → validated
// ExperimentSpec with the standard stage kinds (parsing, aliases, vars and matrix expansion,
// interpolation, parameter decoding, wiring). Relative paths resolve against the temp folder.
import FuzzSupport
import Foundation
import PipelineEngine
import ExperimentStages

let loader = ExperimentLoader(registry: StandardStages.registry(includingTestUtilities: false),
                              baseDirectory: URL(fileURLWithPath: NSTemporaryDirectory()))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExperiment(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, count), as: UTF8.self)
    _ = try? loader.load(text: text, path: "fuzz.yaml")
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_experiment_main`): libFuzzer's driver on `fuzzExperiment`.
@_cdecl("fuzz_experiment_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzExperiment)
}
