// fuzz-reader-reply: libFuzzer entry for the parent side of the isolated HDF5 reader — what the
// parent does with the bytes a child wrote to its pipe (a child that crashed half-way or was made
// to lie by a hostile file): the framed reply (magic, JSON header, blobs) decoded with bounds
// checks, then the float or quantized model assembled from it, or a v7.3 array (already in C order) checked against its shape.
import FuzzSupport
@testable import FileFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReaderReply(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let (reply, blobs) = IsolatedReader.decode(Array(fuzzBytes(data, count))) else { return 0 }
    if let model = reply.floatModel { _ = try? IsolatedReader.assemble(model, blobs, path: "fuzz.h5") }
    if let model = reply.quantizedModel { _ = try? IsolatedReader.assemble(model, blobs, path: "fuzz.h5") }
    if reply.matArray != nil { _ = try? IsolatedReader.array(reply, blobs, path: "fuzz.mat") }
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_reader_reply_main`): libFuzzer's driver on `fuzzReaderReply`.
@_cdecl("fuzz_reader_reply_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // A budget well under libFuzzer's -malloc_limit_mb/-rss_limit_mb (2048): an allocation past
    // it is a budget check that was bypassed, which libFuzzer then reports as out-of-memory.
    MemoryBudget.set(fuzzBudget)
    return runFuzzer(argc, argv, fuzzReaderReply)
}
