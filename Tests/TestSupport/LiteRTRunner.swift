// LiteRTRunner: the LiteRT python the interop tests run .tflite files with — the one
// HSIFLOW_LITERT_PYTHON names, if it imports ai_edge_litert (a venv outside the repository;
// .ci/run makes it) — and reference/litert_run.py, which runs a model on an .npy batch.
public import Foundation

public enum LiteRTRunner {
    /// The python to run LiteRT with, nil when unset or unusable (tests skip, saying so).
    public static let python: String? = {
        guard let path = ProcessInfo.processInfo.environment["HSIFLOW_LITERT_PYTHON"], !path.isEmpty,
              FileManager.default.isExecutableFile(atPath: path) else { return nil }
        return (try? run(path, ["-c", "import ai_edge_litert.interpreter, numpy"])) == 0 ? path : nil
    }()

    /// Why LiteRT tests are skipped.
    public static let skipReason = "HSIFLOW_LITERT_PYTHON is unset or cannot import ai_edge_litert (make /work/venvs/litert: python3 -m venv, pip install ai-edge-litert numpy): LiteRT interop skipped"

    /// reference/litert_run.py in this repository.
    public static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("reference/litert_run.py").path
    }

    /// Runs `model` (.tflite) on the batch in `inputs` (.npy), writing `outputs` (.npy); the exit status.
    public static func runModel(_ model: String, inputs: String, outputs: String) throws -> Int32 {
        guard let python else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: skipReason]) }
        return try run(python, [script, model, inputs, outputs])
    }

    /// Runs a process, printing its standard error when it fails.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0, !message.isEmpty { print(String(decoding: message, as: UTF8.self)) }
        return process.terminationStatus
    }
}
