// swift-tools-version: 6.1
// HSIFlow's libFuzzer targets (issue 17). A package apart from HSIFlow's own, so the normal build
// never sees them: each target is an executable whose `LLVMFuzzerTestOneInput` feeds one parser,
// linked with `-sanitize=fuzzer,address` by scripts/fuzz (scratch path ../.build-fuzz). The
// targets use HSIFlow's internal types through `@testable import`, so the build passes
// `-enable-testing`. Seed corpora live in Corpus/<target>/, crashes kept as fixtures in Regressions/.
import PackageDescription

let package = Package(
    name: "HSIFlowFuzz",
    dependencies: [
        .package(name: "HSIFlow", path: ".."),
    ],
    targets: [
        .target(name: "FuzzSupport", path: "Targets/FuzzSupport"),

        // MARK: File formats (untrusted downloads)
        .executableTarget(name: "fuzz-npy", dependencies: ["FuzzSupport", .product(name: "FileFormats", package: "HSIFlow")],
                          path: "Targets/fuzz-npy"),
        .executableTarget(name: "fuzz-mat-validator", dependencies: ["FuzzSupport", .product(name: "FileFormats", package: "HSIFlow")],
                          path: "Targets/fuzz-mat-validator"),
        .executableTarget(name: "fuzz-mat-reader", dependencies: ["FuzzSupport", .product(name: "FileFormats", package: "HSIFlow")],
                          path: "Targets/fuzz-mat-reader"),
        .executableTarget(name: "fuzz-hdf5-heap", dependencies: ["FuzzSupport", .product(name: "FileFormats", package: "HSIFlow")],
                          path: "Targets/fuzz-hdf5-heap"),
        .executableTarget(name: "fuzz-hdf5-parser", dependencies: ["FuzzSupport", .product(name: "FileFormats", package: "HSIFlow")],
                          path: "Targets/fuzz-hdf5-parser"),
        .executableTarget(name: "fuzz-model-config",
                          dependencies: ["FuzzSupport", .product(name: "FileFormats", package: "HSIFlow"),
                                         .product(name: "NeuralNet", package: "HSIFlow")],
                          path: "Targets/fuzz-model-config"),
        .executableTarget(name: "fuzz-reader-reply", dependencies: ["FuzzSupport", .product(name: "FileFormats", package: "HSIFlow")],
                          path: "Targets/fuzz-reader-reply"),

        // MARK: Shared text files (experiments, manifests)
        .executableTarget(name: "fuzz-experiment",
                          dependencies: ["FuzzSupport", .product(name: "PipelineEngine", package: "HSIFlow"),
                                         .product(name: "ExperimentStages", package: "HSIFlow")],
                          path: "Targets/fuzz-experiment"),
        .executableTarget(name: "fuzz-manifest", dependencies: ["FuzzSupport", .product(name: "PipelineModel", package: "HSIFlow")],
                          path: "Targets/fuzz-manifest"),
    ]
)
