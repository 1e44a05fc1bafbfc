// fuzz-hdf5-heap: libFuzzer entry for HDF5HeapValidator, the Swift walk over every global heap
// collection of an HDF5 file (Keras models, .mat v7.3) that runs before libhdf5 reads it.
// libhdf5 itself is not fuzzed in-process: it crashes on hostile files by design (issue 17).
import FuzzSupport
@testable import FileFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5Heap(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(fuzzBytes(data, count))
    _ = try? HDF5HeapValidator.check(raw, path: "fuzz.h5")
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_hdf5_heap_main`): libFuzzer's driver on `fuzzHDF5Heap`.
@_cdecl("fuzz_hdf5_heap_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // A budget well under libFuzzer's -malloc_limit_mb/-rss_limit_mb (2048): an allocation past
    // it is a budget check that was bypassed, which libFuzzer then reports as out-of-memory.
    MemoryBudget.set(fuzzBudget)
    return runFuzzer(argc, argv, fuzzHDF5Heap)
}
