// bench-bands: HSIFlow's band selection against scikit-learn on the full Indian Pines cube, side
// by side in one run: PCA (100 components, whitened) and NMF (100 components). It runs
// reference/bench_band_selection.py for scikit-learn's figures, checks HSIFlow's results against
// them, then times HSIFlow and prints times, ratios and relative errors ‖X − WH‖/‖X‖.
//
//   swift run -c release bench-bands [--cube PATH] [--python PATH] [--threads 2] [--components 100]
//                                    [--repeats 5] [--exact] [--skip-sklearn-nmf]
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
    var repeats = 5
    var exact = false
    var skipSklearnNMF = false

    init(_ arguments: [String]) {
        var it = arguments.makeIterator()
        while let flag = it.next() {
            switch flag {
            case "--cube": cube = it.next() ?? cube
            case "--python": python = it.next() ?? python
            case "--threads": threads = it.next().flatMap(Int.init) ?? threads
            case "--components": components = it.next().flatMap(Int.init) ?? components
            case "--repeats": repeats = it.next().flatMap(Int.init) ?? repeats
            case "--exact": exact = true
            case "--skip-sklearn-nmf": skipSklearnNMF = true
            default:
                FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8))
                exit(2)
            }
        }
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func format(_ v: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", v) }

/// scikit-learn's figures from the reference script (one JSON object on stdout).
func runScikitLearn(_ options: Options) throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: options.python)
    var arguments = [options.script, options.cube, "--components", "\(options.components)", "--repeats", "\(options.repeats)"]
    if options.skipSklearnNMF { arguments.append("--skip-nmf") }
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

let options = Options(Array(CommandLine.arguments.dropFirst()))
BLAS.threads = options.threads
print("bench-bands: \(options.cube)")
let cube: Cube
do { cube = try ArrayFile.loadCube(path: options.cube) } catch {
    print("cannot load the cube: \(error)")
    exit(2)
}
print("cube \(cube.height)×\(cube.width)×\(cube.bands); \(options.threads) threads for HSIFlow and for scikit-learn's BLAS")
print("running scikit-learn (\(options.skipSklearnNMF ? "PCA only" : "PCA, then NMF nndsvd and default: about a minute or two")) …")
let sklearn: [String: Any]
do { sklearn = try runScikitLearn(options) } catch {
    print("scikit-learn side failed: \(error)")
    exit(1)
}

// MARK: PCA
let pcaReducer = BandReducer(method: .pca(PCA(components: options.components, whiten: true)))
var pcaBest = Double.infinity
var pcaFit: FittedBandTransform?
for _ in 0..<options.repeats {
    let start = now()
    let result = try pcaReducer.fitTransform(cube: cube)
    pcaBest = min(pcaBest, now() - start)
    pcaFit = result.transform
}
guard case .pca(let fittedPCA)? = pcaFit?.projection else { fatalError("PCA reducer returned another projection") }
let skRatios = ((sklearn["pca"] as? [String: Any])?["explained_variance_ratio"] as? [NSNumber])?.map(\.doubleValue) ?? []
let ratioDiff = zip(fittedPCA.explainedVarianceRatio, skRatios).map { abs($0 - $1) }.max() ?? .nan
let skPCA = number(sklearn, "pca", "seconds") ?? .nan
let skPCA32 = number(sklearn, "pca", "seconds_float32_input") ?? .nan
print("")
print("PCA, \(options.components) components, whitened (best of \(options.repeats))")
print("  check: max |Δ explained-variance ratio| vs scikit-learn = \(String(format: "%.2e", ratioDiff)); "
      + "sum of ratios \(format(fittedPCA.explainedVarianceRatio.reduce(0, +), 6))")
print("  scikit-learn (float64 input): \(format(skPCA)) s   (float32 input: \(format(skPCA32)) s)")
print("  HSIFlow (cube in, reduced cube out): \(format(pcaBest)) s   → \(format(skPCA / pcaBest, 2))× faster than scikit-learn")

// MARK: NMF
let pixels = Matrix(pixelsOf: cube)
let normX = pixels.squaredNorm.squareRoot()
let skError = number(sklearn, "nmf_nndsvd", "relative_error")
let skSeconds = number(sklearn, "nmf_nndsvd", "seconds")

/// Runs an NMF fit through the band reducer's code path and records when it reaches `target`.
func timeNMF(_ settings: NMF, target: Double?) throws -> (total: Double, fit: NMFFit, reached: (iteration: Int, seconds: Double)?) {
    var reached: (Int, Double)?
    let start = now()
    let fit = try settings.fit(pixels) { step in
        if let target, reached == nil, step.relativeError <= target { reached = (step.iteration, now() - start) }
        return true
    }
    return (now() - start, fit, reached.map { (iteration: $0.0, seconds: $0.1) })
}

print("")
print("NMF, \(options.components) components")
if let skError, let skSeconds {
    let iterations = Int(number(sklearn, "nmf_nndsvd", "iterations") ?? 0)
    print("  scikit-learn init=nndsvd, cd: \(iterations) iterations, \(format(skSeconds, 2)) s, relative error \(format(skError, 5))")
}
if let e = number(sklearn, "nmf_default", "relative_error"), let s = number(sklearn, "nmf_default", "seconds") {
    let iterations = Int(number(sklearn, "nmf_default", "iterations") ?? 0)
    print("  scikit-learn defaults (nndsvda, tol 1e-4): \(iterations) iterations, \(format(s, 2)) s, relative error \(format(e, 5))")
}
let target = skError.map { $0 * 1.01 }
let defaults = NMF(components: options.components)
let run = try timeNMF(defaults, target: target)
print("  HSIFlow defaults (nndsvd, cd, \(defaults.innerSweeps) inner sweeps, tol \(defaults.tolerance)): "
      + "\(run.fit.fitted.iterations) iterations, \(format(run.total, 2)) s, relative error \(format(run.fit.fitted.relativeError, 5))")
if let target, let skSeconds {
    if let reached = run.reached {
        print("  HSIFlow reached scikit-learn's error (+1 %: \(format(target, 5))) at iteration \(reached.iteration) "
              + "after \(format(reached.seconds, 2)) s → \(format(skSeconds / reached.seconds, 2))× faster "
              + "(target ≥ 4×: \(skSeconds / reached.seconds >= 4 ? "met" : "NOT met"))")
    } else {
        print("  HSIFlow did not reach scikit-learn's error (+1 %) within its defaults")
    }
}
if options.exact {
    let exact = NMF(components: options.components, tolerance: 0, maxIterations: 200, innerSweeps: 1)
    let run = try timeNMF(exact, target: target)
    print("  HSIFlow scikit-learn-equivalent solver (1 sweep, 200 iterations): \(format(run.total, 2)) s, "
          + "relative error \(format(run.fit.fitted.relativeError, 5))"
          + (skSeconds.map { " → \(format($0 / run.total, 2))× faster per iteration" } ?? ""))
}
let direct = (try run.fit.fitted.inverseTransform(run.fit.weights))
var squared = 0.0
for i in pixels.values.indices { let d = pixels.values[i] - direct.values[i]; squared += d * d }
print("  check: direct ‖X − WH‖/‖X‖ = \(format(squared.squareRoot() / normX, 5)) (reported \(format(run.fit.fitted.relativeError, 5)))")
