// MapNormalization: per-map robust min-max scaling to [0, 1]. Each map is scaled on its own, between
// two percentiles of its values, so a map whose values are all tiny (raw-band gradients) still spans
// the colormap instead of coming out black; values beyond the percentiles are clipped.

/// How a map's values are scaled to [0, 1].
public struct MapNormalization: Sendable, Equatable {
    /// The percentile (0…100) mapped to 0.
    public var lowerPercentile: Double
    /// The percentile (0…100) mapped to 1.
    public var upperPercentile: Double

    /// Robust min-max between the given percentiles (defaults 1 and 99; 0 and 100 is plain min-max).
    public init(lowerPercentile: Double = 1, upperPercentile: Double = 99) throws(AttributionError) {
        guard lowerPercentile >= 0, upperPercentile <= 100, lowerPercentile < upperPercentile else {
            throw .invalidArgument("normalization percentiles must satisfy 0 ≤ lower < upper ≤ 100, got \(lowerPercentile) and \(upperPercentile)")
        }
        self.lowerPercentile = lowerPercentile
        self.upperPercentile = upperPercentile
    }

    /// Plain min-max.
    public static let minMax = MapNormalization(unchecked: 0, 100)
    /// The default robust range (1st to 99th percentile).
    public static let robust = MapNormalization(unchecked: 1, 99)

    private init(unchecked lower: Double, _ upper: Double) {
        lowerPercentile = lower
        upperPercentile = upper
    }

    /// The values at the two percentiles (linear interpolation between order statistics, as numpy's
    /// default); non-finite values are ignored. Nil when no value is finite.
    public func range(of values: [Float]) -> (low: Float, high: Float)? {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        return (MapNormalization.percentile(sorted, lowerPercentile), MapNormalization.percentile(sorted, upperPercentile))
    }

    /// `values` scaled to [0, 1] between the percentiles and clipped. A constant map (or one without
    /// finite values) becomes all 0, so it shows as flat rather than as noise.
    public func normalized(_ values: [Float]) -> [Float] {
        guard let (low, high) = range(of: values), high > low else { return [Float](repeating: 0, count: values.count) }
        let scale = 1 / (high - low)
        return values.map { v in v.isFinite ? min(max((v - low) * scale, 0), 1) : 0 }
    }

    /// The q-th percentile (0…100) of sorted values, interpolating linearly between neighbours.
    static func percentile(_ sorted: [Float], _ q: Double) -> Float {
        let position = q / 100 * Double(sorted.count - 1)
        let i = Int(position.rounded(.down)), f = Float(position - Double(i))
        guard i + 1 < sorted.count else { return sorted[sorted.count - 1] }
        return sorted[i] + f * (sorted[i + 1] - sorted[i])
    }
}

/// A rendered heatmap: one normalized map, coloured and enlarged by nearest neighbour.
public enum Heatmap {
    /// Map `values` (row-major `width × height`) normalized per map, coloured with `colormap`, and
    /// upscaled `scale` times so a 5×5 patch becomes visible.
    public static func render(_ values: [Float], width: Int, height: Int, colormap: Colormap,
                              normalization: MapNormalization = .robust, scale: Int = 16) throws(AttributionError) -> RGBImage {
        guard width > 0, height > 0, values.count == width * height else {
            throw .shapeMismatch("a \(width)×\(height) map needs \(width * height) values, got \(values.count)")
        }
        guard scale >= 1 else { throw .invalidArgument("upscaling factor must be ≥ 1, got \(scale)") }
        return colormap.image(normalization.normalized(values), width: width, height: height).upscaled(by: scale)
    }
}
