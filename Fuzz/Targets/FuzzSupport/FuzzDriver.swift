// FuzzSupport: starts libFuzzer from a SwiftPM executable. SwiftPM links every executable with
// `main` renamed to `<module>_main` (so tests can link it), which hides libFuzzer's own `main`;
// each target defines that symbol and hands its `LLVMFuzzerTestOneInput` to libFuzzer's driver.

/// libFuzzer's per-input callback: bytes and their count; returns 0.
public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

// int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t)), in libclang_rt.fuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ body: FuzzInput) -> CInt

/// Runs libFuzzer with the command line `argc`/`argv` (corpus folders, -flags) on `body`.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ body: FuzzInput) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, body)
}

/// The input as a buffer (libFuzzer passes a null pointer for the empty input).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: count > 0 ? data : nil, count: count)
}

/// The memory budget (bytes) the file-format targets run with: 256 MiB.
public let fuzzBudget = 256 << 20
