// fuzz-npy: libFuzzer entry for the .npy decoder (header dict, shape, dtype, byte order, Fortran order).
// Every input must end in a NumericArray or a FileFormatsError; anything else is a finding.
import FuzzSupport
@testable import FileFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNpy(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(fuzzBytes(data, count))
    _ = try? Npy.decode(bytes, source: "fuzz.npy")
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_npy_main`): libFuzzer's driver on `fuzzNpy`.
@_cdecl("fuzz_npy_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // A budget well under libFuzzer's -malloc_limit_mb/-rss_limit_mb (2048): an allocation past
    // it is a budget check that was bypassed, which libFuzzer then reports as out-of-memory.
    MemoryBudget.set(fuzzBudget)
    return runFuzzer(argc, argv, fuzzNpy)
}
