// SyntheticScene: a deterministic, labelled stand-in for Indian Pines. Class regions are
// Voronoi cells around seeded sites (spatially coherent fields), each class has a smooth
// spectrum (a sum of Gaussian bumps over the bands), pixels on a region border are mixtures
// of the two classes, and everything carries seeded Gaussian noise. Same parameters → same scene.
import Foundation
public import Tensors

/// Parameters of a synthetic scene; `generate()` makes the cube and ground truth.
public struct SyntheticScene: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var bands: Int
    public var classes: Int
    /// Regions per class (Voronoi sites), so a class appears in several places.
    public var regionsPerClass: Int
    /// Standard deviation of the additive noise, as a fraction of the spectra's range.
    public var noise: Double
    /// Fraction of pixels left unlabelled (background), as in real ground truth.
    public var unlabelledFraction: Double
    public var seed: UInt64

    public init(height: Int = 64, width: Int = 64, bands: Int = 32, classes: Int = 5,
                regionsPerClass: Int = 3, noise: Double = 0.02, unlabelledFraction: Double = 0.15,
                seed: UInt64 = 41) {
        self.height = height
        self.width = width
        self.bands = bands
        self.classes = classes
        self.regionsPerClass = regionsPerClass
        self.noise = noise
        self.unlabelledFraction = unlabelledFraction
        self.seed = seed
    }

    /// The scene: a cube with values roughly in the Indian Pines sensor range (1000…9000)
    /// and its ground truth (classes 1…`classes`, 0 for the unlabelled background).
    public func generate() throws(SpectralDataError) -> (cube: Cube, groundTruth: LabelMap) {
        guard height >= 2, width >= 2, bands >= 1, classes >= 1, regionsPerClass >= 1 else {
            throw .invalidArgument("a synthetic scene needs height, width ≥ 2 and bands, classes, regions ≥ 1")
        }
        guard noise >= 0, unlabelledFraction >= 0, unlabelledFraction < 1 else {
            throw .invalidArgument("noise must be ≥ 0 and unlabelledFraction in [0, 1)")
        }
        var rng = SeededRandom(seed: seed)
        let spectra = (0..<classes).map { _ in classSpectrum(&rng) }

        // Voronoi sites: class k owns regionsPerClass sites.
        let siteCount = classes * regionsPerClass
        var sites: [(r: Double, c: Double, label: Int)] = []
        for s in 0..<siteCount {
            sites.append((rng.nextUnitDouble() * Double(height), rng.nextUnitDouble() * Double(width), s % classes))
        }
        // Nearest and second-nearest site per pixel; pixels near the bisector are mixed.
        var owner = [Int](repeating: 0, count: height * width)
        var mixPartner = [Int](repeating: -1, count: height * width)
        var mixWeight = [Double](repeating: 0, count: height * width)
        for r in 0..<height {
            for c in 0..<width {
                var best = (d: Double.infinity, label: 0), second = (d: Double.infinity, label: 0)
                for site in sites {
                    let d = ((Double(r) + 0.5 - site.r) * (Double(r) + 0.5 - site.r)
                        + (Double(c) + 0.5 - site.c) * (Double(c) + 0.5 - site.c)).squareRoot()
                    if d < best.d { second = best; best = (d, site.label) } else if d < second.d { second = (d, site.label) }
                }
                let i = r * width + c
                owner[i] = best.label
                // Within one pixel of the border between two different classes: a mixture.
                if second.label != best.label, second.d - best.d < 1.0 {
                    mixPartner[i] = second.label
                    mixWeight[i] = 0.5 * (1 - (second.d - best.d))
                }
            }
        }

        var values = [Float](repeating: 0, count: height * width * bands)
        var labels = [Int32](repeating: 0, count: height * width)
        let sigma = noise * 8000
        for i in 0..<(height * width) {
            let own = spectra[owner[i]]
            let partner = mixPartner[i] >= 0 ? spectra[mixPartner[i]] : own
            let w = mixWeight[i]
            for b in 0..<bands {
                let v = (1 - w) * own[b] + w * partner[b] + sigma * rng.normal()
                values[i * bands + b] = Float(v)
            }
            // Mixed pixels and a seeded share of background stay unlabelled, as in real ground truth.
            let background = rng.nextUnitDouble() < unlabelledFraction
            labels[i] = (mixPartner[i] >= 0 || background) ? 0 : Int32(owner[i] + 1)
        }
        let cube = try Cube(height: height, width: width, bands: bands, values: values)
        let truth = try LabelMap(height: height, width: width, labels: labels)
        return (cube, truth)
    }

    /// A smooth spectrum: a baseline plus three Gaussian bumps at random bands, in about 1000…9000.
    private func classSpectrum(_ rng: inout SeededRandom) -> [Double] {
        let base = 2000 + 2000 * rng.nextUnitDouble()
        let slope = (rng.nextUnitDouble() - 0.5) * 2000
        var bumps: [(centre: Double, width: Double, height: Double)] = []
        for _ in 0..<3 {
            bumps.append((rng.nextUnitDouble() * Double(bands),
                          Double(bands) * (0.05 + 0.15 * rng.nextUnitDouble()),
                          (rng.nextUnitDouble() - 0.3) * 4000))
        }
        return (0..<bands).map { b in
            let x = Double(b)
            var v = base + slope * x / Double(max(bands - 1, 1))
            for bump in bumps {
                let z = (x - bump.centre) / bump.width
                v += bump.height * exp(-0.5 * z * z)
            }
            return min(max(v, 1000), 9000)
        }
    }
}
