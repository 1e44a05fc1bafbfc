// swift-tools-version: 6.1
// HSIFlow — a declarative experiment-pipeline runner for hyperspectral image classification.
// Targets are listed bottom to top; every arrow points down (see ../shared/DESIGN.md, "Module layout").
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "HSIFlow",
    products: [
        .executable(name: "hsiflow", targets: ["hsiflow"]),
        // The modules the libFuzzer targets in Fuzz/ (a package of their own) reach by path.
        .library(name: "FileFormats", targets: ["FileFormats"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "PipelineModel", targets: ["PipelineModel"]),
        .library(name: "PipelineEngine", targets: ["PipelineEngine"]),
        .library(name: "ExperimentStages", targets: ["ExperimentStages"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        // MARK: System-library shims
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMatio", pkgConfig: "matio",
                       providers: [.apt(["libmatio-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // MARK: C kernels (int8 products: AVX-512 VNNI, AVX2 and plain C, chosen at run time)
        .target(name: "CInt8"),
        // NMF's coordinate-descent tile kernel: AVX-512F, AVX2+FMA and plain C, chosen at run time.
        .target(name: "CNMF"),

        // MARK: Files (the one atomic writer, below everything that writes)
        .target(name: "FileSystem", swiftSettings: swiftSettings),

        // MARK: Numerics and domain
        .target(name: "Tensors", dependencies: ["CBLAS"], swiftSettings: swiftSettings),
        .target(name: "SpectralData", dependencies: ["Tensors"], swiftSettings: swiftSettings),
        // NeuralNet knows SpectralData so that classifying a cube is written once (Classification.swift).
        .target(name: "NeuralNet", dependencies: ["Tensors", "SpectralData"], swiftSettings: swiftSettings),
        .target(name: "FileFormats",
                dependencies: ["FileSystem", "Tensors", "NeuralNet", "SpectralData", "CMatio", "CHDF5", "CPNG", "CZlib",
                               .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: swiftSettings),
        .target(name: "BandSelection", dependencies: ["Tensors", "SpectralData", "CNMF"], swiftSettings: swiftSettings),
        .target(name: "Compression", dependencies: ["Tensors", "NeuralNet", "CInt8"], swiftSettings: swiftSettings),
        .target(name: "Attribution", dependencies: ["Tensors", "NeuralNet", "SpectralData"],
                swiftSettings: swiftSettings),
        // TFLite: a small FlatBuffers builder, the TFLite schema's numbers in one table, and the
        // float / dynamic-range int8 `.tflite` writer (no FlatBuffers package is available here).
        .target(name: "TFLite", dependencies: ["Tensors", "NeuralNet", "Compression"], swiftSettings: swiftSettings),

        // MARK: Pipeline
        .target(name: "PipelineModel", swiftSettings: swiftSettings),
        .target(name: "PipelineEngine",
                dependencies: ["PipelineModel", "FileSystem", "Yams",
                               .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: swiftSettings),
        .target(name: "ExperimentStages",
                dependencies: ["PipelineModel", "PipelineEngine", "Tensors", "SpectralData", "FileFormats",
                               "BandSelection", "NeuralNet", "Compression", "Attribution", "TFLite"],
                swiftSettings: swiftSettings),

        // MARK: Results
        .target(name: "Report", dependencies: ["PipelineModel", "Attribution"], swiftSettings: swiftSettings),

        // MARK: Command line
        .target(name: "Commands",
                dependencies: ["FileSystem", "Tensors", "NeuralNet", "SpectralData", "FileFormats", "Compression",
                               "BandSelection", "TFLite", "PipelineModel", "PipelineEngine", "ExperimentStages", "Report",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: swiftSettings),
        .executableTarget(name: "hsiflow", dependencies: ["Commands"], swiftSettings: swiftSettings),

        // MARK: Benchmarks (apart from tests; run in release, e.g. `swift run -c release bench-bands`)
        .executableTarget(name: "hsiflow-bench", dependencies: ["Tensors", "NeuralNet", "SpectralData", "FileFormats", "Compression"],
                          path: "Benchmarks/hsiflow-bench", swiftSettings: swiftSettings),
        .executableTarget(name: "bench-bands", dependencies: ["BandSelection", "FileFormats", "Tensors", "SpectralData"],
                          path: "Benchmarks/bench-bands",
                          swiftSettings: swiftSettings),
        .executableTarget(name: "bench-compression",
                          dependencies: ["Compression", "NeuralNet", "BandSelection", "FileFormats", "Tensors", "SpectralData"],
                          path: "Benchmarks/bench-compression",
                          swiftSettings: swiftSettings),
        .executableTarget(name: "bench-readers", dependencies: ["FileFormats"], path: "Benchmarks/bench-readers",
                          swiftSettings: swiftSettings),
        .executableTarget(name: "bench-attribution", dependencies: ["Attribution", "NeuralNet", "Tensors"],
                          path: "Benchmarks/bench-attribution",
                          swiftSettings: swiftSettings),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["Tensors", "SpectralData", "BandSelection", "PipelineModel", "PipelineEngine"],
                path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "SpectralData", "FileFormats", "TestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "SpectralDataTests", dependencies: ["SpectralData", "TestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "FileSystemTests", dependencies: ["FileSystem", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "FileFormatsTests",
                    dependencies: ["FileFormats", "TestSupport",
                                   .product(name: "PropertyBased", package: "swift-property-based")],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "AttributionTests",
                    dependencies: ["Attribution", "NeuralNet", "SpectralData", "FileFormats", "TestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "PipelineModelTests", dependencies: ["PipelineModel", "TestSupport"],
                    exclude: ["Snapshots"], swiftSettings: swiftSettings),
        .testTarget(name: "PipelineEngineTests", dependencies: ["PipelineEngine", "PipelineModel", "FileSystem", "TestSupport"],
                    exclude: ["Snapshots"], swiftSettings: swiftSettings),
        .testTarget(name: "ExperimentStagesTests",
                    dependencies: ["ExperimentStages", "PipelineEngine", "PipelineModel", "TestSupport",
                                   "SpectralData", "FileFormats", "BandSelection", "NeuralNet", "Compression", "Tensors",
                                   .product(name: "PropertyBased", package: "swift-property-based")],
                    exclude: ["Snapshots"], swiftSettings: swiftSettings),
        .testTarget(name: "BandSelectionTests",
                    dependencies: ["BandSelection", "CNMF", "FileFormats", "TestSupport",
                                   .product(name: "PropertyBased", package: "swift-property-based")],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "CompressionTests",
                    dependencies: ["Compression", "CInt8", "NeuralNet", "SpectralData", "BandSelection", "FileFormats", "TestSupport"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "TFLiteTests",
                    dependencies: ["TFLite", "NeuralNet", "Compression", "Tensors", "FileFormats", "TestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "ReportTests", dependencies: ["Report", "PipelineModel", "TestSupport"],
                    exclude: ["Snapshots"], swiftSettings: swiftSettings),
        .testTarget(name: "CommandsTests",
                    dependencies: ["Commands", "NeuralNet", "FileFormats", "FileSystem", "SpectralData", "PipelineModel", "PipelineEngine", "TFLite", "TestSupport"],
                    exclude: ["Snapshots", "Fixtures"], swiftSettings: swiftSettings),
    ]
)
