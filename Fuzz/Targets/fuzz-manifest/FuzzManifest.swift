// fuzz-manifest: libFuzzer entry for the results manifest decoder (schema version first, then
// the whole document), which `diff`, `report` and `export` run on manifests shared between people.
import FuzzSupport
import Foundation
import PipelineModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    _ = try? Manifest.decode(Data(fuzzBytes(data, count)), source: "fuzz.json")
    return 0
}

/// The executable's entry (SwiftPM renames `main` to `fuzz_manifest_main`): libFuzzer's driver on `fuzzManifest`.
@_cdecl("fuzz_manifest_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzManifest)
}
