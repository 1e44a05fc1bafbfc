// fuzz-model-config: libFuzzer entry for a model file's `model_config` JSON → ModelSpec →
// Sequential (the weights allocated for the input shape the config claims): what a hostile
// model file controls once its HDF5 container has been read.
import FuzzSupport
@testable import FileFormats
import NeuralNet

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelConfig(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, count), as: UTF8.self)
    guard let (spec, inputShape) = try? KerasConfig.parse(text, path: "fuzz.h5") else { return 0 }
    _ = try? spec.build(inputShape: inputShape, seed: 1)
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_model_config_main`): libFuzzer's driver on `fuzzModelConfig`.
@_cdecl("fuzz_model_config_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // A budget well under libFuzzer's -malloc_limit_mb/-rss_limit_mb (2048): an allocation past
    // it is a budget check that was bypassed, which libFuzzer then reports as out-of-memory.
    MemoryBudget.set(fuzzBudget)
    return runFuzzer(argc, argv, fuzzModelConfig)
}
