// fuzz-mat-reader: libFuzzer entry for the whole v5 .mat read path, MatFile.read — validator, then
// libmatio (which needs a file: each input is written to one temporary file, reused). Inputs that
// look like v7.3 (HDF5) are skipped: in-process libhdf5 on hostile bytes crashes by design, and
// fuzz-hdf5-heap covers the Swift side of that path.
import FuzzSupport
import Foundation
@testable import FileFormats

let scratch: String = {
    let dir = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    return "\(dir)/hsiflow-fuzz-mat-\(getpid()).mat"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMatReader(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzBytes(data, count)
    if count >= 516, bytes[512] == 0x89, bytes[513] == UInt8(ascii: "H"), bytes[514] == UInt8(ascii: "D") { return 0 }
    guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes)) else { return 0 }
    _ = try? MatFile.read(path: scratch)
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_mat_reader_main`): libFuzzer's driver on `fuzzMatReader`.
@_cdecl("fuzz_mat_reader_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // A budget well under libFuzzer's -malloc_limit_mb/-rss_limit_mb (2048): an allocation past
    // it is a budget check that was bypassed, which libFuzzer then reports as out-of-memory.
    MemoryBudget.set(fuzzBudget)
    return runFuzzer(argc, argv, fuzzMatReader)
}
