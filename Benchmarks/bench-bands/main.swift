// bench-bands: HSIFlow's band selection against scikit-learn on the full Indian Pines cube, side
// by side in one run, in interleaved rounds (scikit-learn, HSIFlow, scikit-learn, HSIFlow …):
// PCA (100 components, whitened) and NMF (100 components). reference/bench_band_selection.py gives
// scikit-learn's figures; each side's best round is compared, and the bench prints the load average
// (before and after), every round, the ratios and a verdict against the targets of issue 19
// (PCA ≥ 2× scikit-learn's float64 fit_transform and ≥ 1× its float32 one; NMF at scikit-learn's
// 200-iteration nndsvd error +1 % in ≤ ¼ of its time).
//
//   swift run -c release bench-bands [--cube PATH] [--python PATH] [--threads 2] [--components 100]
//       [--rounds 5 (PCA)] [--repeats 5 (PCA, best of, per round)] [--nmf-rounds 2] [--full-nmf]
//       [--sweeps auto,1,2,3] [--sklearn-nmf ERROR,SECONDS (reuse figures, skip its NMF)]
//       [--profile-pca N (HSIFlow's PCA only, N times, for perf)]
//
// The cube: --cube, else $HSIFLOW_DATA/indian_pines/Indian_pines_corrected.npy, else the same under
// ../shared/datasets or data/ (where `hsiflow data fetch` puts it) beside the repository.
// scikit-learn: --python, else $HSIFLOW_REF_PYTHON (a Python with numpy and scikit-learn); without
// either the scikit-learn side is skipped, saying so, and only HSIFlow's times are printed.
import BandSelection
import FileFormats
import Foundation
import SpectralData
import Tensors

/// The repository this benchmark was built from (its source sits at Benchmarks/bench-bands/).
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardizedFileURL

/// The Indian Pines cube: $HSIFLOW_DATA, then ../shared/datasets and data/ relative to the repository.
func defaultCube() -> String {
    let name = "indian_pines/Indian_pines_corrected.npy"
    var folders: [String] = []
    if let data = ProcessInfo.processInfo.environment["HSIFLOW_DATA"], !data.isEmpty { folders.append(data) }
    folders.append(repository.appendingPathComponent("../shared/datasets").standardizedFileURL.path)
    folders.append(repository.appendingPathComponent("data").path)
    let candidates = folders.map { $0 + "/" + name }
    return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
}

struct Options {
    var cube = defaultCube()
    var python = ProcessInfo.processInfo.environment["HSIFLOW_REF_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
    var script = repository.appendingPathComponent("reference/bench_band_selection.py").path
    var threads = 2
    var components = 100
    var rounds = 5
    var repeats = 5
    var nmfRounds = 2
    /// Run HSIFlow's NMF to its own tolerance instead of stopping at scikit-learn's error.
    var fullNMF = false
    /// Inner-sweep settings to time: nil = automatic.
    var sweeps: [Int?] = [nil]
    /// scikit-learn's nndsvd NMF (relative error, seconds) from an earlier run, to skip rerunning it.
    var knownSklearnNMF: (error: Double, seconds: Double)?
    /// Only run HSIFlow's PCA this many times (for a profiler), then exit.
    var profilePCA = 0

    init(_ arguments: [String]) {
        var it = arguments.makeIterator()
        func count(_ flag: String) -> Int {
            guard let value = it.next().flatMap(Int.init), value >= 1 else { fail("\(flag) needs a whole number ≥ 1") }
            return value
        }
        while let flag = it.next() {
            switch flag {
            case "--cube": cube = it.next() ?? cube
            case "--python": python = it.next() ?? python
            case "--threads": threads = count(flag)
            case "--components": components = count(flag)
            case "--rounds": rounds = count(flag)
            case "--repeats": repeats = count(flag)
            case "--nmf-rounds": nmfRounds = count(flag)
            case "--full-nmf": fullNMF = true
            case "--sweeps":
                sweeps = (it.next() ?? "auto").split(separator: ",").map { $0 == "auto" ? nil : Int($0) }
            case "--sklearn-nmf":
                let parts = (it.next() ?? "").split(separator: ",").compactMap { Double($0) }
                guard parts.count == 2 else { fail("--sklearn-nmf needs ERROR,SECONDS") }
                knownSklearnNMF = (parts[0], parts[1])
            case "--profile-pca": profilePCA = count(flag)
            default: fail("unknown flag \(flag)")
            }
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bench-bands: \(message)\n".utf8))
    exit(2)
}

/// Wall-clock and process CPU seconds.
struct Clock {
    static func wall() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    static func cpu() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    let wall0 = Clock.wall(), cpu0 = Clock.cpu()
    var elapsed: (wall: Double, cpu: Double) { (Clock.wall() - wall0, Clock.cpu() - cpu0) }
}

func format(_ v: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", v) }

/// scikit-learn's figures from the reference script (one JSON object on stdout), for PCA or NMF.
func runScikitLearn(_ options: Options, python: String, part: String) throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    var arguments = [options.script, options.cube, "--components", "\(options.components)", "--repeats", "\(options.repeats)"]
    arguments += part == "pca" ? ["--skip-nmf"] : ["--skip-pca", "--nndsvd-only"]
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["OMP_NUM_THREADS"] = "\(options.threads)"
    environment["OPENBLAS_NUM_THREADS"] = "\(options.threads)"
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw NSError(domain: "bench-bands", code: 1,
                      userInfo: [NSLocalizedDescriptionKey: "\(python) \(options.script) failed (status \(process.terminationStatus))"])
    }
    return object
}

func number(_ object: [String: Any], _ path: String...) -> Double? {
    var current: Any? = object
    for key in path { current = (current as? [String: Any])?[key] }
    return (current as? NSNumber)?.doubleValue
}

/// One line to stdout, unbuffered (the run is long; each figure shows as soon as it is known).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}

func verdict(_ ratio: Double, _ target: Double) -> String {
    ratio.isNaN ? "no baseline" : (ratio >= target ? "met" : "NOT met")
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
Workers.count = options.threads
say("bench-bands: \(options.cube)")
let cube: Cube
do { cube = try ArrayFile.loadCube(path: options.cube) } catch {
    fail("cannot load the cube \(options.cube): \(error) (give --cube PATH, or set HSIFLOW_DATA to the folder holding indian_pines/)")
}
if options.profilePCA > 0 {
    let clock = Clock()
    for _ in 0..<options.profilePCA {
        _ = try BandReducer(method: .pca(PCA(components: options.components, whiten: true))).fitTransform(cube: cube)
    }
    let t = clock.elapsed
    say("HSIFlow PCA ×\(options.profilePCA): \(format(t.wall / Double(options.profilePCA))) s wall, \(format(t.cpu / Double(options.profilePCA))) s CPU each")
    exit(0)
}
let python: String? = options.python.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
say("cube \(cube.height)×\(cube.width)×\(cube.bands); \(options.threads) threads each side; load average \(loadAverage())")
if let python {
    say("scikit-learn: \(python) \(options.script); rounds interleaved (scikit-learn, HSIFlow, …), best round of each side compared")
} else {
    say("scikit-learn side SKIPPED: " + (options.python.map { "\($0) is not an executable file" }
        ?? "set HSIFLOW_REF_PYTHON (or --python) to a Python with numpy and scikit-learn") + "; HSIFlow's times only")
}

// MARK: PCA
let pcaReducer = BandReducer(method: .pca(PCA(components: options.components, whiten: true)))
var pcaBest = (wall: Double.infinity, cpu: 0.0)
var pcaFit: FittedBandTransform?
var skPCA = Double.infinity, skPCACPU = Double.nan, skPCA32 = Double.infinity
var skRatios: [Double] = []
var roundLines: [String] = []
for round in 1...options.rounds {
    var line = "  round \(round):"
    if let python {
        let sk: [String: Any]
        do { sk = try runScikitLearn(options, python: python, part: "pca") } catch { fail("scikit-learn side failed: \(error)") }
        if let s = number(sk, "pca", "seconds"), s < skPCA { skPCA = s; skPCACPU = number(sk, "pca", "cpu_seconds") ?? .nan }
        skPCA32 = min(skPCA32, number(sk, "pca", "seconds_float32_input") ?? .infinity)
        skRatios = ((sk["pca"] as? [String: Any])?["explained_variance_ratio"] as? [NSNumber])?.map(\.doubleValue) ?? skRatios
        line += " scikit-learn \(format(number(sk, "pca", "seconds") ?? .nan)) s (float32 \(format(number(sk, "pca", "seconds_float32_input") ?? .nan)) s),"
    }
    var roundBest = Double.infinity
    for _ in 0..<options.repeats {
        let clock = Clock()
        let result = try pcaReducer.fitTransform(cube: cube)
        let t = clock.elapsed
        roundBest = min(roundBest, t.wall)
        if t.wall < pcaBest.wall { pcaBest = t }
        pcaFit = result.transform
    }
    roundLines.append(line + " HSIFlow \(format(roundBest)) s")
}
guard case .pca(let fittedPCA)? = pcaFit?.projection else { fatalError("the PCA reducer returned another projection") }
if !skPCA.isFinite { (skPCA, skPCA32) = (.nan, .nan) }
say("")
say("PCA, \(options.components) components, whitened (\(options.rounds) rounds, best of \(options.repeats) each)")
roundLines.forEach(say)
if !skRatios.isEmpty {
    let ratioDiff = zip(fittedPCA.explainedVarianceRatio, skRatios).map { abs($0 - $1) }.max() ?? .nan
    say("  check: max |Δ explained-variance ratio| vs scikit-learn = \(String(format: "%.2e", ratioDiff)) (must be ≤ 1e-5: "
          + "\(ratioDiff <= 1e-5 ? "ok" : "FAILS"))")
}
say("  sum of HSIFlow's ratios \(format(fittedPCA.explainedVarianceRatio.reduce(0, +), 6))")
say("  scikit-learn fit_transform, float64 input: \(format(skPCA)) s wall, \(format(skPCACPU)) s CPU; float32 input: \(format(skPCA32)) s")
say("  HSIFlow BandReducer.fitTransform(cube:):    \(format(pcaBest.wall)) s wall, \(format(pcaBest.cpu)) s CPU")
let pca64 = skPCA / pcaBest.wall, pca32 = skPCA32 / pcaBest.wall
say("  → \(format(pca64, 2))× scikit-learn float64 (target ≥ 2×: \(verdict(pca64, 2))), "
      + "\(format(pca32, 2))× its float32 path (target ≥ 1×: \(verdict(pca32, 1))); CPU seconds \(format(skPCACPU / pcaBest.cpu, 2))× (float64)")

// MARK: NMF
let pixels = Matrix(pixelsOf: cube)
let normX = pixels.squaredNorm.squareRoot()
say("")
say("NMF, \(options.components) components; load average \(loadAverage())")
var skError = options.knownSklearnNMF?.error
var skSeconds = options.knownSklearnNMF?.seconds
if let known = options.knownSklearnNMF {
    say("  scikit-learn init=nndsvd, cd: figures given on the command line: \(format(known.seconds, 2)) s, relative error \(format(known.error, 5))")
}
var hsiflowBest: [(wall: Double, cpu: Double)] = options.sweeps.map { _ in (.infinity, .nan) }
var skCPU = Double.nan
for round in 1...options.nmfRounds {
    if options.knownSklearnNMF == nil, let python {
        let sk: [String: Any]
        do { sk = try runScikitLearn(options, python: python, part: "nmf") } catch { fail("scikit-learn side failed: \(error)") }
        let seconds = number(sk, "nmf_nndsvd", "seconds") ?? .nan
        let iterations = Int(number(sk, "nmf_nndsvd", "iterations") ?? 0)
        skError = number(sk, "nmf_nndsvd", "relative_error")
        if seconds < (skSeconds ?? .infinity) { skSeconds = seconds; skCPU = number(sk, "nmf_nndsvd", "cpu_seconds") ?? .nan }
        say("  round \(round): scikit-learn init=nndsvd, cd, tol 1e-4: \(iterations) iterations, \(format(seconds, 2)) s wall "
              + "(\(format(number(sk, "nmf_nndsvd", "cpu_seconds") ?? .nan, 2)) s CPU), relative error \(format(skError ?? .nan, 5))")
    }
    let target = skError.map { $0 * 1.01 }
    for (index, sweeps) in options.sweeps.enumerated() {
        let settings = NMF(components: options.components, innerSweeps: sweeps)
        var reached: (iteration: Int, wall: Double, cpu: Double)?
        let clock = Clock()
        let fit = try settings.fit(pixels) { step in
            if let target, reached == nil, step.relativeError <= target {
                let t = clock.elapsed
                reached = (step.iteration, t.wall, t.cpu)
            }
            return options.fullNMF || target == nil || reached == nil
        }
        let total = clock.elapsed
        let label = sweeps.map { "\($0) inner sweep\($0 == 1 ? " (scikit-learn's solver)" : "s")" } ?? "automatic inner sweeps (default)"
        say("  round \(round): HSIFlow nndsvd, cd, \(label): \(fit.fitted.iterations) iterations, "
              + "\(format(total.wall, 2)) s wall (\(format(total.cpu, 2)) s CPU), relative error \(format(fit.fitted.relativeError, 5))")
        if let target {
            if let reached {
                if reached.wall < hsiflowBest[index].wall { hsiflowBest[index] = (reached.wall, reached.cpu) }
                say("    reached scikit-learn's error +1 % (\(format(target, 5))) at iteration \(reached.iteration) after "
                      + "\(format(reached.wall, 2)) s wall (\(format(reached.cpu, 2)) s CPU)")
            } else {
                say("    did not reach scikit-learn's error +1 % (\(format(target, 5)))")
            }
        }
        if round == 1 {
            let direct = try fit.fitted.inverseTransform(fit.weights)
            var squared = 0.0
            for i in pixels.values.indices { let d = pixels.values[i] - direct.values[i]; squared += d * d }
            let zeros = Double(fit.weights.values.filter { $0 == 0 }.count) / Double(fit.weights.values.count)
            say("    check: direct ‖X − WH‖/‖X‖ = \(format(squared.squareRoot() / normX, 5)); W has \(format(100 * zeros, 1)) % zeros; "
                  + "error history never rises: \(zip(fit.fitted.errorHistory, fit.fitted.errorHistory.dropFirst()).allSatisfy { $1 <= $0 * (1 + 1e-12) })")
        }
    }
}
for (index, sweeps) in options.sweeps.enumerated() {
    let label = sweeps.map { "\($0) inner sweeps" } ?? "automatic inner sweeps"
    let ratio = (skSeconds ?? .nan) / hsiflowBest[index].wall
    say("  → \(label): best \(format(hsiflowBest[index].wall, 2)) s to scikit-learn's error +1 % vs its best \(format(skSeconds ?? .nan, 2)) s: "
          + "\(format(ratio, 2))× (target ≥ 4×: \(verdict(ratio.isInfinite ? .nan : ratio, 4))); "
          + "CPU seconds \(format(hsiflowBest[index].cpu, 2)) vs \(format(skCPU, 2)): \(format(skCPU / hsiflowBest[index].cpu, 2))×")
}
say("load average at the end \(loadAverage())")
