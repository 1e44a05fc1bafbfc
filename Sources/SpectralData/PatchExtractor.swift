// PatchExtractor: square spatial neighbourhoods around pixels, the networks' input.
// x: cube (H, W, B) -> patches (N, P, P, B), NHWC, centred on each requested pixel.
// Outside the scene the original tool padded with zeros; reflect padding mirrors the border.
public import Tensors

/// How pixels outside the scene are filled.
public enum PatchPadding: String, Sendable, CaseIterable, Codable {
    /// Zeros beyond the border (what the original tool did).
    case zero
    /// The scene mirrored at its border without repeating the edge (numpy's `reflect`).
    case reflect
}

/// Cuts P×P patches (P odd) out of a cube.
public struct PatchExtractor: Sendable {
    public let size: Int
    public let padding: PatchPadding

    public init(size: Int, padding: PatchPadding = .zero) throws(SpectralDataError) {
        guard size >= 1, size % 2 == 1 else {
            throw .invalidArgument("patch size must be an odd number ≥ 1 (so a pixel is its centre), got \(size)")
        }
        self.size = size
        self.padding = padding
    }

    /// Patches centred on `pixels` (flat row-major indices), shape [pixels.count, P, P, B].
    public func extract(from cube: Cube, pixels: [Int]) throws(SpectralDataError) -> Tensor {
        let half = size / 2
        if padding == .reflect, half >= cube.height || half >= cube.width {
            throw .invalidArgument("reflect padding needs a scene larger than half the patch (\(half)) in both directions")
        }
        let b = cube.bands, p = size
        var out = [Float](repeating: 0, count: pixels.count * p * p * b)
        for (n, pixel) in pixels.enumerated() {
            guard pixel >= 0, pixel < cube.pixelCount else {
                throw .invalidArgument("pixel index \(pixel) is outside the \(cube.height)×\(cube.width) scene")
            }
            let r0 = pixel / cube.width - half, c0 = pixel % cube.width - half
            for dr in 0..<p {
                guard let r = sourceIndex(r0 + dr, extent: cube.height) else { continue }
                for dc in 0..<p {
                    guard let c = sourceIndex(c0 + dc, extent: cube.width) else { continue }
                    let src = (r * cube.width + c) * b
                    let dst = ((n * p + dr) * p + dc) * b
                    for k in 0..<b { out[dst + k] = cube.values[src + k] }
                }
            }
        }
        return Tensor(shape: [pixels.count, p, p, b], scalars: out)
    }

    /// The scene coordinate a padded coordinate reads, or nil where zero padding applies.
    @inline(__always)
    private func sourceIndex(_ i: Int, extent: Int) -> Int? {
        if i >= 0 && i < extent { return i }
        switch padding {
        case .zero: return nil
        case .reflect: return i < 0 ? -i : 2 * (extent - 1) - i
        }
    }
}
