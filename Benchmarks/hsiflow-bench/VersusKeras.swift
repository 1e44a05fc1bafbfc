// VersusKeras: `hsiflow-bench --versus-keras`, cao training side by side with Keras in one run.
// HSIFlow trains the way a `train` stage does (one model, Workers.count BLAS threads, Winograd
// where it pays), or with --shards S over S data-parallel replicas; Keras runs in reference/keras_train_benchmark.py --serve, a child process that
// trains on request. Rounds alternate HSIFlow, Keras, HSIFlow, Keras..., so a change in the shared
// machine's load hits both alike; the ratio is of median step times. Target: ≥ 3× at 5×5×200.
import Foundation
import NeuralNet
import Tensors

/// The Keras side: a served reference script with a line protocol ("BANDS STEPS" → "steps BANDS CPU t…").
final class KerasServer {
    let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffer = Data()
    /// The server's first line ("ready Keras x / TF y, N threads").
    private(set) var banner = ""

    init(python: String, script: String, threads: Int) throws {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--serve", String(threads)]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard let first = readLine(), first.hasPrefix("ready ") else {
            throw BenchError("\(python) \(script) --serve did not start (no 'ready' line); run it by hand to see why")
        }
        banner = String(first.dropFirst("ready ".count))
    }

    /// Wall seconds of each of `steps` Keras training steps on 5×5×`bands` patches, and the CPU seconds
    /// of the whole round (all threads; includes the round's one set-up batch).
    func train(bands: Int, steps: Int) throws -> (times: [Double], cpu: Double) {
        input.fileHandleForWriting.write(Data("\(bands) \(steps)\n".utf8))
        guard let line = readLine() else { throw BenchError("the Keras server stopped answering") }
        let fields = line.split(separator: " ")
        guard fields.count >= 4, fields[0] == "steps", Int(fields[1]) == bands, let cpu = Double(fields[2]) else {
            throw BenchError("unexpected line from the Keras server: \(line)")
        }
        return (fields.dropFirst(3).compactMap { Double($0) }, cpu)
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    private func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The 1-, 5- and 15-minute load averages (Linux /proc/loadavg), or nil elsewhere.
func loadAverages() -> [Double]? {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
    let values = text.split(separator: " ").prefix(3).compactMap { Double($0) }
    return values.count == 3 ? values : nil
}

/// reference/keras_train_benchmark.py in the current folder or above the executable (.build/release/…).
func kerasScriptPath() -> String? {
    let relative = "reference/keras_train_benchmark.py"
    var candidates = [FileManager.default.currentDirectoryPath]
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(folder.path)
        folder = folder.deletingLastPathComponent()
    }
    return candidates.map { URL(fileURLWithPath: $0).appendingPathComponent(relative).path }
        .first { FileManager.default.fileExists(atPath: $0) }
}

/// Runs the side-by-side comparison and prints one line per input width, with the ratio and verdict.
func runVersusKeras(threads: Int, shards: Int, rounds: Int, stepsPerRound: Int) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let loadBefore = loadAverages()
    let target = 3.0
    var keras: KerasServer?
    let python = ProcessInfo.processInfo.environment["HSIFLOW_KERAS_PYTHON"] ?? ""
    if python.isEmpty {
        print("Keras: skipped — set HSIFLOW_KERAS_PYTHON to a python with tensorflow and keras (e.g. a venv's bin/python)")
    } else if !FileManager.default.isExecutableFile(atPath: python) {
        print("Keras: skipped — HSIFLOW_KERAS_PYTHON=\(python) is not an executable file")
    } else if let script = kerasScriptPath() {
        do {
            keras = try KerasServer(python: python, script: script, threads: threads)
        } catch {
            print("Keras: skipped — \(error)")
        }
    } else {
        print("Keras: skipped — reference/keras_train_benchmark.py not found (run from the repository folder)")
    }
    if let keras { print("Keras: \(keras.banner) (\(python))") }

    let bandsList = [200, 100]
    var hsiflowTimes = [Int: [Double]](), kerasTimes = [Int: [Double]]()
    var hsiflowCPU = [Int: Double](), kerasCPU = [Int: Double](), kerasSteps = [Int: Int]()
    do {
        var steps: [Int: () throws -> Void] = [:]
        for bands in bandsList { steps[bands] = try caoStep(bands: bands, shards: shards, algorithm: .automatic).step }
        Workers.count = threads
        for bands in bandsList { for _ in 0..<3 { try steps[bands]!() } }  // warm-up: workspaces, optimizer state
        for _ in 0..<rounds {
            for bands in bandsList {
                let cpu0 = cpuSeconds()
                for _ in 0..<stepsPerRound {
                    let t0 = now()
                    try steps[bands]!()
                    hsiflowTimes[bands, default: []].append(now() - t0)
                }
                hsiflowCPU[bands, default: 0] += cpuSeconds() - cpu0
                if let keras {
                    let round = try keras.train(bands: bands, steps: stepsPerRound)
                    kerasTimes[bands, default: []] += round.times
                    kerasCPU[bands, default: 0] += round.cpu
                    kerasSteps[bands, default: 0] += round.times.count + 1
                }
            }
        }
    } catch {
        keras?.stop()
        fail("side-by-side training benchmark failed: \(error)")
    }
    keras?.stop()

    func median(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.sorted()[values.count / 2] }
    func load(_ l: [Double]?) -> String { l.map { $0.map { fmt($0, 2) }.joined(separator: " ") } ?? "unknown" }
    let loadAfter = loadAverages()
    let busy = (loadBefore?[0] ?? 0) > Double(cores) / 2
    print("cao training, batch 128, \(threads) thread(s) each" + (shards > 1 ? " (HSIFlow: \(shards) data-parallel shards)" : "") + ", \(rounds) interleaved rounds × \(stepsPerRound) steps " +
          "per width (HSIFlow, Keras, HSIFlow, …); samples/s from median step times; per CPU-second over all threads")
    for bands in bandsList {
        let times = hsiflowTimes[bands] ?? []
        let h = 128 / median(times), hCPU = Double(128 * times.count) / (hsiflowCPU[bands] ?? .nan)
        var line = "  5×5×\(bands): HSIFlow \(fmt(h, 0)) samples/s (\(fmt(hCPU, 0)) per CPU-second)"
        if let kt = kerasTimes[bands], let kc = kerasCPU[bands], let ks = kerasSteps[bands] {
            let k = 128 / median(kt), kPerCPU = Double(128 * ks) / kc
            let ratio = h / k
            let verdict = bands == 200 ? (ratio >= target ? "target ≥ \(fmt(target, 0))×: met" : "target ≥ \(fmt(target, 0))×: NOT met") : "no target"
            line += ", Keras \(fmt(k, 0)) samples/s (\(fmt(kPerCPU, 0)) per CPU-second) → \(fmt(ratio, 2))× Keras " +
                    "(\(verdict)); per CPU-second \(fmt(hCPU / kPerCPU, 2))×"
        } else {
            line += ", Keras not measured"
        }
        print(line)
    }
    print("load average before \(load(loadBefore)), after \(load(loadAfter)) on \(cores) cores: " +
          (busy ? "BUSY machine — the rounds are interleaved, but re-run on a quiet machine for the record"
                : "quiet machine"))
}
