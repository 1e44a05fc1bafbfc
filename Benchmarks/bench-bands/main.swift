// bench-bands: HSIFlow's band selection against scikit-learn on the full Indian Pines cube, side
// by side in one run: PCA (100 components, whitened) and NMF (100 components). It runs
// reference/bench_band_selection.py for scikit-learn's figures, checks HSIFlow's results against
// them, then times HSIFlow and prints wall and CPU times, ratios and relative errors ‖X − WH‖/‖X‖.
//
//   swift run -c release bench-bands [--cube PATH] [--python PATH] [--threads 2] [--components 100]
//       [--repeats 15 (PCA, best of)] [--sweeps auto,1,2,3] [--sklearn-nmf ERROR,SECONDS (reuse figures, skip its NMF)]
//       [--stop-at-target] [--profile-pca N (HSIFlow's PCA only, N times, for perf)]
import BandSelection
import FileFormats
import Foundation
import SpectralData
import Tensors

struct Options {
    var cube = ProcessInfo.processInfo.environment["HSIFLOW_DATA"].map { $0 + "/indian_pines/Indian_pines_corrected.npy" }
        ?? "/work/shared/datasets/indian_pines/Indian_pines_corrected.npy"
    var python = ProcessInfo.processInfo.environment["HSIFLOW_PYTHON"] ?? "/work/venv/bin/python"
    var script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../reference/bench_band_selection.py").standardizedFileURL.path
    var threads = 2
    var components = 100
    var repeats = 15
    /// Inner-sweep settings to time: nil = automatic.
    var sweeps: [Int?] = [nil]
    /// scikit-learn's nndsvd NMF (relative error, seconds) from an earlier run, to skip rerunning it.
    var knownSklearnNMF: (error: Double, seconds: Double)?
    /// Stop each HSIFlow NMF run once it reaches scikit-learn's error (for tuning runs).
    var stopAtTarget = false
    /// Only run HSIFlow's PCA this many times (for a profiler), then exit.
    var profilePCA = 0

    init(_ arguments: [String]) {
        var it = arguments.makeIterator()
        while let flag = it.next() {
            switch flag {
            case "--cube": cube = it.next() ?? cube
            case "--python": python = it.next() ?? python
            case "--threads": threads = it.next().flatMap(Int.init) ?? threads
            case "--components": components = it.next().flatMap(Int.init) ?? components
            case "--repeats": repeats = it.next().flatMap(Int.init) ?? repeats
            case "--sweeps":
                sweeps = (it.next() ?? "auto").split(separator: ",").map { $0 == "auto" ? nil : Int($0) }
            case "--sklearn-nmf":
                let parts = (it.next() ?? "").split(separator: ",").compactMap { Double($0) }
                if parts.count == 2 { knownSklearnNMF = (parts[0], parts[1]) }
            case "--stop-at-target": stopAtTarget = true
            case "--profile-pca": profilePCA = it.next().flatMap(Int.init) ?? 20
            default:
                FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8))
                exit(2)
            }
        }
    }
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
func runScikitLearn(_ options: Options, part: String) throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: options.python)
    var arguments = [options.script, options.cube, "--components", "\(options.components)", "--repeats", "\(options.repeats)"]
    arguments.append(part == "pca" ? "--skip-nmf" : "--skip-pca")
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
                      userInfo: [NSLocalizedDescriptionKey: "\(options.script) failed (status \(process.terminationStatus))"])
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

let options = Options(Array(CommandLine.arguments.dropFirst()))
Workers.count = options.threads
say("bench-bands: \(options.cube)")
let cube: Cube
do { cube = try ArrayFile.loadCube(path: options.cube) } catch {
    say("cannot load the cube: \(error)")
    exit(2)
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
let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
say("cube \(cube.height)×\(cube.width)×\(cube.bands); \(options.threads) threads each side; load average \(load)")
say("each method: scikit-learn first (reference/bench_band_selection.py), then HSIFlow, back to back")
var sklearn: [String: Any]
do { sklearn = try runScikitLearn(options, part: "pca") } catch {
    say("scikit-learn side failed: \(error)")
    exit(1)
}

// MARK: PCA
let pcaReducer = BandReducer(method: .pca(PCA(components: options.components, whiten: true)))
var pcaBest = (wall: Double.infinity, cpu: 0.0)
var pcaFit: FittedBandTransform?
for _ in 0..<options.repeats {
    let clock = Clock()
    let result = try pcaReducer.fitTransform(cube: cube)
    let t = clock.elapsed
    if t.wall < pcaBest.wall { pcaBest = t }
    pcaFit = result.transform
}
guard case .pca(let fittedPCA)? = pcaFit?.projection else { fatalError("the PCA reducer returned another projection") }
let skRatios = ((sklearn["pca"] as? [String: Any])?["explained_variance_ratio"] as? [NSNumber])?.map(\.doubleValue) ?? []
let ratioDiff = zip(fittedPCA.explainedVarianceRatio, skRatios).map { abs($0 - $1) }.max() ?? .nan
let skPCA = number(sklearn, "pca", "seconds") ?? .nan
let skPCACPU = number(sklearn, "pca", "cpu_seconds") ?? .nan
let skPCA32 = number(sklearn, "pca", "seconds_float32_input") ?? .nan
say("")
say("PCA, \(options.components) components, whitened (best of \(options.repeats))")
say("  check: max |Δ explained-variance ratio| vs scikit-learn = \(String(format: "%.2e", ratioDiff)); "
      + "sum of ratios \(format(fittedPCA.explainedVarianceRatio.reduce(0, +), 6))")
say("  scikit-learn fit_transform (float64 input): \(format(skPCA)) s wall, \(format(skPCACPU)) s CPU   (float32 input: \(format(skPCA32)) s)")
say("  HSIFlow BandReducer.fitTransform(cube:):    \(format(pcaBest.wall)) s wall, \(format(pcaBest.cpu)) s CPU"
      + "   → \(format(skPCA / pcaBest.wall, 2))× faster (wall), \(format(skPCACPU / pcaBest.cpu, 2))× (CPU)")
do {
    let c0 = Clock()
    let x = Matrix(pixelsOf: cube)
    let t0 = c0.elapsed.wall
    let c1 = Clock()
    let fitted = try PCA(components: options.components, whiten: true).fit(x)
    let t1 = c1.elapsed.wall
    let c2 = Clock()
    let y = try fitted.transform(x)
    let t2 = c2.elapsed.wall
    let c3 = Clock()
    _ = y.floats()
    let t3 = c3.elapsed.wall
    say("  HSIFlow breakdown: to Float64 \(format(t0)) s, fit \(format(t1)) s, transform \(format(t2)) s, to Float32 \(format(t3)) s")
}

// MARK: NMF
if options.knownSklearnNMF == nil {
    say("")
    say("running scikit-learn's NMF (init nndsvd, then its defaults) …")
    do { sklearn = try runScikitLearn(options, part: "nmf") } catch {
        say("scikit-learn side failed: \(error)")
        exit(1)
    }
}
let pixels = Matrix(pixelsOf: cube)
let normX = pixels.squaredNorm.squareRoot()
let skError = options.knownSklearnNMF?.error ?? number(sklearn, "nmf_nndsvd", "relative_error")
let skSeconds = options.knownSklearnNMF?.seconds ?? number(sklearn, "nmf_nndsvd", "seconds")

say("")
say("NMF, \(options.components) components")
if let known = options.knownSklearnNMF {
    say("  scikit-learn init=nndsvd, cd: figures given on the command line: \(format(known.seconds, 2)) s, relative error \(format(known.error, 5))")
} else if let skError, let skSeconds {
    let iterations = Int(number(sklearn, "nmf_nndsvd", "iterations") ?? 0)
    let cpu = number(sklearn, "nmf_nndsvd", "cpu_seconds") ?? .nan
    say("  scikit-learn init=nndsvd, cd, tol 1e-4: \(iterations) iterations, \(format(skSeconds, 2)) s wall "
          + "(\(format(cpu, 2)) s CPU), relative error \(format(skError, 5))")
}
if let e = number(sklearn, "nmf_default", "relative_error"), let s = number(sklearn, "nmf_default", "seconds") {
    let iterations = Int(number(sklearn, "nmf_default", "iterations") ?? 0)
    say("  scikit-learn defaults (nndsvda, cd, tol 1e-4): \(iterations) iterations, \(format(s, 2)) s, relative error \(format(e, 5))")
}
let target = skError.map { $0 * 1.01 }
for sweeps in options.sweeps {
    let settings = NMF(components: options.components, innerSweeps: sweeps)
    var reached: (iteration: Int, wall: Double, cpu: Double)?
    let clock = Clock()
    let fit = try settings.fit(pixels) { step in
        if let target, reached == nil, step.relativeError <= target {
            let t = clock.elapsed
            reached = (step.iteration, t.wall, t.cpu)
        }
        return !(options.stopAtTarget && reached != nil)
    }
    let total = clock.elapsed
    let label = sweeps.map { "\($0) inner sweep\($0 == 1 ? " (scikit-learn's solver)" : "s")" } ?? "automatic inner sweeps (default)"
    say("  HSIFlow nndsvd, cd, \(label), tol \(settings.tolerance): \(fit.fitted.iterations) iterations, "
          + "\(format(total.wall, 2)) s wall (\(format(total.cpu, 2)) s CPU), relative error \(format(fit.fitted.relativeError, 5))")
    if let target, let skSeconds {
        if let reached {
            let ratio = skSeconds / reached.wall
            say("    reached scikit-learn's error +1 % (\(format(target, 5))) at iteration \(reached.iteration) after "
                  + "\(format(reached.wall, 2)) s wall (\(format(reached.cpu, 2)) s CPU) → \(format(ratio, 2))× faster than scikit-learn "
                  + "(target ≥ 4×: \(ratio >= 4 ? "met" : "NOT met"))")
        } else {
            say("    did not reach scikit-learn's error +1 % (\(format(target, 5)))")
        }
    }
    let direct = try fit.fitted.inverseTransform(fit.weights)
    var squared = 0.0
    for i in pixels.values.indices { let d = pixels.values[i] - direct.values[i]; squared += d * d }
    let zeros = Double(fit.weights.values.filter { $0 == 0 }.count) / Double(fit.weights.values.count)
    say("    W has \(format(100 * zeros, 1)) % zeros")
    say("    check: direct ‖X − WH‖/‖X‖ = \(format(squared.squareRoot() / normX, 5)); "
          + "error history never rises: \(zip(fit.fitted.errorHistory, fit.fitted.errorHistory.dropFirst()).allSatisfy { $1 <= $0 * (1 + 1e-12) })")
}
