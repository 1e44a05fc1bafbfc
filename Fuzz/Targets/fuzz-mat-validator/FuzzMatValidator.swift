// fuzz-mat-validator: libFuzzer entry for MatV5Validator, the Swift pass that walks a MAT v5
// element tree (plain and miCOMPRESSED) before libmatio sees the file.
import FuzzSupport
@testable import FileFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMatValidator(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Array(fuzzBytes(data, count))
    guard let validator = try? MatV5Validator(bytes: bytes) else { return 0 }
    _ = try? validator.validate()
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_mat_validator_main`): libFuzzer's driver on `fuzzMatValidator`.
@_cdecl("fuzz_mat_validator_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // A budget well under libFuzzer's -malloc_limit_mb/-rss_limit_mb (2048): an allocation past
    // it is a budget check that was bypassed, which libFuzzer then reports as out-of-memory.
    MemoryBudget.set(fuzzBudget)
    return runFuzzer(argc, argv, fuzzMatValidator)
}
