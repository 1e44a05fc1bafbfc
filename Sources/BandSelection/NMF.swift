// NMF: non-negative matrix factorization X ≈ W·H under the Frobenius loss, for X = pixels
// (n) × bands (m), W = n × k (the reduced cube), H = k × m (the components). Initialisations
// and both solvers follow scikit-learn (NNDSVD family / random; coordinate descent / Lee–Seung
// multiplicative updates, same tolerance rules); the speed comes from Gram matrices in BLAS.
import CNMF
import Tensors

/// Settings of a non-negative matrix factorization.
public struct NMF: Sendable, Equatable, Codable {
    /// How W and H start.
    public enum Initialization: String, Sendable, Codable, CaseIterable {
        /// Non-negative double SVD (Boutsidis & Gallopoulos, 2008); zeros stay where the SVD put them.
        case nndsvd
        /// NNDSVD with zeros filled by the mean of X.
        case nndsvda
        /// NNDSVD with zeros filled by small random values (mean(X)/100 scale).
        case nndsvdar
        /// |N(0, 1)|·√(mean(X)/k) in every entry (seeded).
        case random
    }

    /// How W and H are updated.
    public enum Solver: String, Sendable, Codable, CaseIterable {
        /// Cyclic coordinate descent (Cichocki & Phan, 2009; scikit-learn's `cd`).
        case coordinateDescent = "cd"
        /// Multiplicative updates (Lee & Seung, 2001; scikit-learn's `mu`).
        case multiplicativeUpdate = "mu"
    }

    /// Number of components k.
    public var components: Int
    /// Start of the iteration; `nndsvd` by default, which gives the good basis (see the note on `init`).
    public var initialization: Initialization
    public var solver: Solver
    /// Stopping tolerance, as in scikit-learn: coordinate descent stops when the projected-gradient
    /// violation falls below `tolerance` × the first iteration's; multiplicative updates when the
    /// error, checked every 10 iterations, improves by less than `tolerance` × the initial error.
    public var tolerance: Double
    /// Upper bound on outer iterations (one W update and one H update each).
    public var maxIterations: Int
    /// Coordinate-descent passes over each row of W (and of Hᵀ) per update, while the Gram matrices
    /// that prepared the update are at hand; a row stops early once a pass gains < 10 % of its first.
    /// 1 is scikit-learn's solver exactly; nil (the default) picks the count per side from the cost of
    /// a pass against the cost of the products (Gillis & Glineur, 2012), which reaches the same error
    /// in far fewer of the expensive outer iterations.
    public var innerSweeps: Int?
    /// Seed for the `random` and `nndsvdar` initialisations.
    public var seed: UInt64

    /// NMF settings. The defaults are the ones that give a good basis: `nndsvd`, coordinate descent,
    /// up to 200 iterations, tolerance 1e-4. (scikit-learn ≥ 1.1 defaults to `nndsvda`, whose first
    /// violation is so large that the tolerance test stops it after about 2 iterations.)
    public init(components: Int, initialization: Initialization = .nndsvd, solver: Solver = .coordinateDescent,
                tolerance: Double = 1e-4, maxIterations: Int = 200, innerSweeps: Int? = nil, seed: UInt64 = 0) {
        self.components = components
        self.initialization = initialization
        self.solver = solver
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.innerSweeps = innerSweeps
        self.seed = seed
    }

    /// Checks the settings against data of `samples` rows and `features` columns.
    func validate(samples: Int, features: Int) throws(BandSelectionError) {
        guard samples >= 1, features >= 1 else {
            throw .invalidParameter("NMF needs a non-empty matrix, got \(samples)×\(features)")
        }
        guard components >= 1 else { throw .invalidParameter("NMF components must be ≥ 1, got \(components)") }
        if initialization != .random, components > min(samples, features) {
            throw .invalidParameter("NMF init \(initialization.rawValue) needs components ≤ \(min(samples, features)) "
                + "(min of pixels and bands), got \(components); use fewer components or init random")
        }
        guard maxIterations >= 1 else { throw .invalidParameter("NMF maxIterations must be ≥ 1, got \(maxIterations)") }
        guard tolerance >= 0, tolerance.isFinite else { throw .invalidParameter("NMF tolerance must be ≥ 0, got \(tolerance)") }
        if let innerSweeps, innerSweeps < 1 {
            throw .invalidParameter("NMF innerSweeps must be ≥ 1 (or left out for automatic), got \(innerSweeps)")
        }
    }

    /// Inner passes per update for W (rows = samples) and for Hᵀ (rows = features). Automatic:
    /// 1 + ρ passes, ρ = cost of the products that prepare an update / cost of one pass (the rule of
    /// Gillis & Glineur's accelerated HALS, with α = 1, which measured best on Indian Pines). For W the
    /// products are n·m·k + n·k² against a pass of n·k²; for Hᵀ the same against m·k². Capped at 10.
    func sweepBudget(samples n: Int, features m: Int) -> (w: Int, h: Int) {
        if let innerSweeps { return (innerSweeps, innerSweeps) }
        let (nd, md, kd) = (Double(n), Double(m), Double(max(components, 1)))
        let products = nd * md * kd + nd * kd * kd
        let rhoW = products / (nd * kd * kd), rhoH = products / (md * kd * kd)
        return (min(10, 1 + Int(rhoW)), min(10, 1 + Int(rhoH)))
    }
}

/// One finished outer iteration, as passed to an observer.
public struct NMFIteration: Sendable, Equatable {
    /// 1-based iteration number.
    public let iteration: Int
    /// ‖X − W·H‖_F after the iteration.
    public let error: Double
    /// `error` / ‖X‖_F.
    public let relativeError: Double
}

/// What an NMF fit produced: the components, the weights of the fitted pixels, and how it went.
public struct NMFFit: Sendable, Equatable {
    public let fitted: FittedNMF
    /// W (samples × k): the fitted data in component space (the reduced cube).
    public let weights: Matrix
}

/// A fitted NMF: the components H (k × bands) and the figures of the fit.
public struct FittedNMF: Sendable, Equatable {
    /// H (k × bands), non-negative.
    public let components: Matrix
    /// ‖X − W·H‖_F at the end of the fit (scikit-learn's `reconstruction_err_`).
    public let reconstructionError: Double
    /// ‖X − W·H‖_F / ‖X‖_F.
    public let relativeError: Double
    /// Outer iterations run (scikit-learn's `n_iter_`).
    public let iterations: Int
    /// ‖X − W·H‖_F after each iteration (never increases).
    public let errorHistory: [Double]
    /// True when the tolerance test stopped the fit before `maxIterations`.
    public let converged: Bool
    /// The settings of the fit (used again by `transform`).
    public let settings: NMF

    public init(components: Matrix, reconstructionError: Double, relativeError: Double, iterations: Int,
                errorHistory: [Double], converged: Bool, settings: NMF) {
        self.components = components
        self.reconstructionError = reconstructionError
        self.relativeError = relativeError
        self.iterations = iterations
        self.errorHistory = errorHistory
        self.converged = converged
        self.settings = settings
    }

    public var componentCount: Int { components.rows }
    public var featureCount: Int { components.columns }

    /// The weights W ≥ 0 minimising ‖X − W·H‖ for new samples X with H fixed (coordinate
    /// descent from W = 0, with the fit's tolerance and iteration limit, like scikit-learn).
    public func transform(_ x: Matrix) throws(BandSelectionError) -> Matrix {
        guard x.columns == featureCount else {
            throw .shapeMismatch("NMF was fitted on \(featureCount) bands, the data has \(x.columns)")
        }
        try requireNonNegative(x)
        let ht = components.transposed                      // (m, k)
        let gram = ht.gram()                                // HHᵀ: (k, k)
        let cross = x.multiplied(by: ht)                    // XHᵀ: (n, k)
        var w = Matrix(zerosRows: x.rows, columns: componentCount)
        var firstViolation = 0.0
        let sweeps = settings.sweepBudget(samples: x.rows, features: featureCount).w
        for iteration in 1...settings.maxIterations {
            let violation = coordinateDescentUpdate(&w, gram: gram, cross: cross, sweeps: sweeps)
            if iteration == 1 { firstViolation = violation }
            if firstViolation == 0 || violation / firstViolation <= settings.tolerance { break }
        }
        return w
    }

    /// W·H: the band-space reconstruction of weights (n × k).
    public func inverseTransform(_ w: Matrix) throws(BandSelectionError) -> Matrix {
        guard w.columns == componentCount else {
            throw .shapeMismatch("NMF has \(componentCount) components, the data has \(w.columns) columns")
        }
        return w.multiplied(by: components)
    }
}

// MARK: - Fitting

extension NMF {
    /// Factorizes `x` (samples × features, non-negative).
    /// - Parameters:
    ///   - start: W (n × k) and H (k × m) to start from instead of `initialization` (scikit-learn's `init='custom'`).
    ///   - observer: called after every outer iteration; return false to stop there.
    public func fit(_ x: Matrix, start: (w: Matrix, h: Matrix)? = nil,
                    observer: (NMFIteration) -> Bool = { _ in true }) throws(BandSelectionError) -> NMFFit {
        let (n, m, k) = (x.rows, x.columns, components)
        try validate(samples: n, features: m)
        try x.requireFinite()
        try requireNonNegative(x)

        var w: Matrix, ht: Matrix
        if let start {
            guard start.w.rows == n, start.w.columns == k, start.h.rows == k, start.h.columns == m else {
                throw .shapeMismatch("NMF start needs W \(n)×\(k) and H \(k)×\(m), got W \(start.w.rows)×\(start.w.columns) and H \(start.h.rows)×\(start.h.columns)")
            }
            try requireNonNegative(start.w)
            try requireNonNegative(start.h)
            (w, ht) = (start.w, start.h.transposed)
        } else {
            let (w0, h0) = try initialFactors(x)
            (w, ht) = (w0, h0.transposed)
        }

        let squaredNormX = x.squaredNorm
        let normX = squaredNormX.squareRoot()
        var history: [Double] = []
        var converged = false
        var iterations = 0

        switch solver {
        case .coordinateDescent:
            let sweeps = sweepBudget(samples: n, features: m)
            var hht = ht.gram()                                  // HHᵀ: (k, k)
            var xht = Matrix(zerosRows: n, columns: k)           // XHᵀ, then the W step's gradient; one buffer
            var firstViolation = 0.0
            for iteration in 1...maxIterations {
                iterations = iteration
                // W step: minimise over W with H fixed.      XHᵀ: (n, m)·(m, k) → (n, k)
                x.multiply(by: ht, into: &xht)
                var violation = coordinateDescentUpdate(&w, gram: hht, overwritingCross: &xht, sweeps: sweeps.w)
                // H step, the same problem transposed.        WᵀW: (k, k); XᵀW: (m, k)
                let wtw = w.gram()
                let xtw = x.multiplied(by: w, transposeSelf: true)
                violation += coordinateDescentUpdate(&ht, gram: wtw, cross: xtw, sweeps: sweeps.h)
                // ‖X − WH‖² = ‖X‖² − 2⟨Hᵀ, XᵀW⟩ + ⟨WᵀW, HHᵀ⟩, from products already at hand.
                hht = ht.gram()
                let error = gramError(squaredNormX, cross: ht.inner(xtw), quadratic: wtw.inner(hht))
                history.append(error)
                if !observer(NMFIteration(iteration: iteration, error: error, relativeError: error / max(normX, .leastNonzeroMagnitude))) { break }
                if iteration == 1 { firstViolation = violation }
                if firstViolation == 0 || violation / firstViolation <= tolerance {
                    converged = iteration < maxIterations || firstViolation == 0
                    break
                }
            }
        case .multiplicativeUpdate:
            let initialError = reconstructionError(x, w, ht)
            var previousError = initialError
            for iteration in 1...maxIterations {
                iterations = iteration
                // W ← W ∘ (XHᵀ) / (W·HHᵀ)
                let xht = x.multiplied(by: ht)                   // (n, k)
                let hht = ht.gram()                              // (k, k)
                multiplicativeStep(&w, numerator: xht, denominator: w.multiplied(by: hht))
                // Hᵀ ← Hᵀ ∘ (XᵀW) / (Hᵀ·WᵀW)
                let wtw = w.gram()
                let xtw = x.multiplied(by: w, transposeSelf: true) // (m, k)
                multiplicativeStep(&ht, numerator: xtw, denominator: ht.multiplied(by: wtw))
                let error = gramError(squaredNormX, cross: ht.inner(xtw), quadratic: wtw.inner(ht.gram()))
                history.append(error)
                if !observer(NMFIteration(iteration: iteration, error: error, relativeError: error / max(normX, .leastNonzeroMagnitude))) { break }
                if tolerance > 0, iteration % 10 == 0 {
                    let checked = reconstructionError(x, w, ht)
                    if (previousError - checked) / max(initialError, .leastNonzeroMagnitude) < tolerance {
                        converged = iteration < maxIterations
                        break
                    }
                    previousError = checked
                }
            }
        }

        let finalError = reconstructionError(x, w, ht)
        let fitted = FittedNMF(components: ht.transposed, reconstructionError: finalError,
                               relativeError: normX > 0 ? finalError / normX : 0, iterations: iterations,
                               errorHistory: history, converged: converged, settings: self)
        return NMFFit(fitted: fitted, weights: w)
    }

    /// √max(0, ‖X‖² − 2·cross + quadratic): the error from Gram products (clipped round-off).
    private func gramError(_ squaredNormX: Double, cross: Double, quadratic: Double) -> Double {
        max(0, squaredNormX - 2 * cross + quadratic).squareRoot()
    }

    /// ‖X − W·Hᵀᵀ‖_F computed directly. x: (n, m), w: (n, k), ht: (m, k).
    private func reconstructionError(_ x: Matrix, _ w: Matrix, _ ht: Matrix) -> Double {
        let product = w.multiplied(by: ht, transposeOther: true)   // (n, m)
        let m = x.columns
        return parallelBlocks(count: x.rows, blockSize: 256) { rows in
            var s = 0.0
            for i in rows.lowerBound * m ..< rows.upperBound * m {
                let d = x.values[i] - product.values[i]
                s += d * d
            }
            return s
        }.squareRoot()
    }

    /// factor ← factor ∘ numerator / denominator, a zero denominator replaced by Float32 ε (as scikit-learn).
    private func multiplicativeStep(_ factor: inout Matrix, numerator: Matrix, denominator: Matrix) {
        let epsilon = Double(Float.ulpOfOne)
        for i in factor.values.indices {
            let d = denominator.values[i]
            factor.values[i] *= numerator.values[i] / (d == 0 ? epsilon : d)
        }
    }
}

// MARK: - Coordinate descent kernel

/// Which build of the coordinate-descent tile kernel runs (CNMF: chosen from CPUID by default).
enum CoordinateDescentPath: Int32, CaseIterable, Sendable {
    case automatic = 0, plainC = 1, avx2 = 2, avx512 = 3

    /// Whether this CPU can run the path (automatic and plain C always can).
    var isSupported: Bool { hsi_cd_path_supported(rawValue) != 0 }
}

/// Updates every row w of `factor` (rows × k) by cyclic coordinate descent on
/// ½·w·G·wᵀ − w·cᵀ subject to w ≥ 0, where G = `gram` (k × k, symmetric) and c is the row of
/// `cross` (rows × k). Returns the sum over rows of |projected gradient| at the start of the update
/// (scikit-learn's violation).
///
/// The gradients g = w·G − c come from one BLAS product up front. Rows are independent, so they go
/// to threads in tiles of up to 64 rows, and each tile runs CNMF's kernel: row by row, coordinate t
/// moves by δ and the row's gradient takes δ·G[t, :] in one vector pass (skipped when δ = 0) —
/// each row sees scikit-learn's coordinate order. Tiles are cut by shape and their violations summed
/// in tile order, so the result does not depend on the number of threads.
func coordinateDescentUpdate(_ factor: inout Matrix, gram: Matrix, cross: Matrix, sweeps: Int,
                             continueRatio: Double = 0.1, path: CoordinateDescentPath = .automatic) -> Double {
    var scratch = cross
    return coordinateDescentUpdate(&factor, gram: gram, overwritingCross: &scratch, sweeps: sweeps,
                                   continueRatio: continueRatio, path: path)
}

/// `coordinateDescentUpdate(_:gram:cross:…)` with the gradient formed in the storage of `cross`,
/// which holds the rows' final gradients afterwards (no copy of a rows × k matrix per update).
func coordinateDescentUpdate(_ factor: inout Matrix, gram: Matrix, overwritingCross cross: inout Matrix, sweeps: Int,
                             continueRatio: Double = 0.1, path: CoordinateDescentPath = .automatic) -> Double {
    let (rows, k) = (factor.rows, factor.columns)
    precondition(gram.rows == k && gram.columns == k && cross.rows == rows && cross.columns == k)
    // gradient: (rows, k) = factor·G − cross, in place
    factor.values.withUnsafeBufferPointer { f in
        gram.values.withUnsafeBufferPointer { g in
            cross.values.withUnsafeMutableBufferPointer { c in
                guard let f = f.baseAddress, let g = g.baseAddress, let c = c.baseAddress else { return }
                BLAS.dgemm(m: rows, n: k, k: k, alpha: 1, a: f, lda: k, b: g, ldb: k, beta: -1, c: c, ldc: k)
            }
        }
    }
    let tile = max(1, min(64, 8192 / max(k, 1)))
    let kernelPath = path.rawValue
    return factor.values.withUnsafeMutableBufferPointer { f in
        gram.values.withUnsafeBufferPointer { g in
            cross.values.withUnsafeMutableBufferPointer { grad in
                guard let fBase = f.baseAddress, let gBase = g.baseAddress, let gradBase = grad.baseAddress else { return 0 }
                let pointers = UncheckedBox((fBase, gBase, gradBase))
                return parallelBlocks(count: rows, blockSize: tile) { block in
                    let (w, gram, grad) = pointers.value
                    return hsi_cd_tile(kernelPath, Int32(block.count), Int32(k), w + block.lowerBound * k,
                                       grad + block.lowerBound * k, gram, Int32(sweeps), continueRatio)
                }
            }
        }
    }
}

/// Throws `negativeInput` naming the most negative element, if there is one.
func requireNonNegative(_ x: Matrix) throws(BandSelectionError) {
    guard let i = x.values.indices.min(by: { x.values[$0] < x.values[$1] }), x.values[i] < 0 else { return }
    throw .negativeInput(minimum: x.values[i], row: i / max(x.columns, 1), column: i % max(x.columns, 1))
}
