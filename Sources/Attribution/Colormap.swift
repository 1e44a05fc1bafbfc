// Colormap: scalar-to-colour maps as pure functions of t ∈ [0, 1] — gray, jet (the piecewise-linear
// MATLAB map the original drew with) and viridis (perceptually uniform, from 17 anchors of
// matplotlib's table, interpolated linearly) — and colouring a normalized map pixel by pixel.

/// A colormap from t ∈ [0, 1] (clamped) to a colour.
public enum Colormap: String, Sendable, Codable, CaseIterable {
    case gray
    case jet
    case viridis

    /// The colour of `t` as (r, g, b) in [0, 1]; t outside [0, 1] (or NaN → 0) is clamped.
    public func components(_ t: Float) -> (r: Float, g: Float, b: Float) {
        let u = t.isNaN ? 0 : min(max(t, 0), 1)
        switch self {
        case .gray:
            return (u, u, u)
        case .jet:
            // Each channel is a trapezoid: 1.5 − |4t − centre|, clamped; centres 3 (red), 2 (green), 1 (blue).
            func ramp(_ centre: Float) -> Float { min(max(1.5 - abs(4 * u - centre), 0), 1) }
            return (ramp(3), ramp(2), ramp(1))
        case .viridis:
            let anchors = Colormap.viridisAnchors
            let position = u * Float(anchors.count - 1)
            let i = min(Int(position), anchors.count - 2)
            let f = position - Float(i)
            let (a, b) = (anchors[i], anchors[i + 1])
            return (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1), a.2 + f * (b.2 - a.2))
        }
    }

    /// The 8-bit colour of `t` (components rounded to nearest).
    public func color(_ t: Float) -> RGB {
        let c = components(t)
        func byte(_ v: Float) -> UInt8 { UInt8(min(max((v * 255).rounded(), 0), 255)) }
        return RGB(byte(c.r), byte(c.g), byte(c.b))
    }

    /// viridis at t = 0, 1/16, …, 1, as matplotlib evaluates it (reference/attribution_golden.py).
    static let viridisAnchors: [(Float, Float, Float)] = [
        (0.267004, 0.004874, 0.329415), (0.282327, 0.094955, 0.417331), (0.278826, 0.175490, 0.483397),
        (0.258965, 0.251537, 0.524736), (0.229739, 0.322361, 0.545706), (0.199430, 0.387607, 0.554642),
        (0.172719, 0.448791, 0.557885), (0.149039, 0.508051, 0.557250), (0.127568, 0.566949, 0.550556),
        (0.120638, 0.625828, 0.533488), (0.157851, 0.683765, 0.501686), (0.246070, 0.738910, 0.452024),
        (0.369214, 0.788888, 0.382914), (0.515992, 0.831158, 0.294279), (0.678489, 0.863742, 0.189503),
        (0.845561, 0.887322, 0.099702), (0.993248, 0.906157, 0.143936),
    ]

    /// A map of values in [0, 1] (row-major, `width × height`, sizes checked by the caller, see
    /// `Heatmap.render`) as an image, each value one pixel.
    func image(_ normalized: [Float], width: Int, height: Int) -> RGBImage {
        var out = RGBImage(width: width, height: height)
        for y in 0..<height { for x in 0..<width { out[x, y] = color(normalized[y * width + x]) } }
        return out
    }
}
