// fuzz-hdf5-parser: libFuzzer entry for the Swift HDF5 reader (HDF5Parser), which parses untrusted
// model files and .mat v7.3 files in HSIFlow's own process: the bytes are opened, decoded as a
// float and as a quantized model (Keras model_config included), and listed and read as a MATLAB
// v7.3 file, every variable of the root group. Any trap, overflow, out-of-bounds access or
// allocation past the budget is a finding; refusals are the expected outcome for most inputs.
import FuzzSupport
@testable import FileFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5Parser(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(fuzzBytes(data, count))
    guard let h5 = try? HDF5Parser(bytes: bytes, path: "fuzz.h5") else { return 0 }
    _ = try? ModelFile.decode(from: h5)
    _ = try? QuantizedModelFile.decode(from: h5)
    _ = h5.exists(h5.root, "model_weights/dense/dense/kernel:0")
    if let links = try? h5.links(of: h5.root) {
        for link in links.prefix(64) {
            guard let object = try? h5.object(at: link.address) else { continue }
            if let attributes = try? h5.attributes(of: object) {
                for attribute in attributes { _ = try? h5.strings(attribute) }
            }
            _ = try? h5.dataset(object, what: link.name)
        }
    }
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_hdf5_parser_main`): libFuzzer's driver on `fuzzHDF5Parser`.
@_cdecl("fuzz_hdf5_parser_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // A budget well under libFuzzer's -malloc_limit_mb/-rss_limit_mb (2048): an allocation past
    // it is a budget check that was bypassed, which libFuzzer then reports as out-of-memory.
    MemoryBudget.set(fuzzBudget)
    return runFuzzer(argc, argv, fuzzHDF5Parser)
}
