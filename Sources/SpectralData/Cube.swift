// Cube: a hyperspectral image in memory. Layout is band-interleaved-by-pixel (BIP):
// element (row r, column c, band b) sits at ((r * width) + c) * bands + b, which is the
// C-order layout of an H×W×B array and the NHWC layout the networks read patches in.
public import Tensors

/// A hyperspectral cube of `height × width` pixels with `bands` Float32 values each (BIP layout).
public struct Cube: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let bands: Int
    /// Values in BIP order; `values.count == height * width * bands`.
    public var values: [Float]

    /// A cube over `values` in BIP order.
    public init(height: Int, width: Int, bands: Int, values: [Float]) throws(SpectralDataError) {
        guard height > 0, width > 0, bands > 0 else {
            throw .invalidShape("a cube needs positive height, width and bands, got \(height)×\(width)×\(bands)")
        }
        guard values.count == height * width * bands else {
            throw .invalidShape("a \(height)×\(width)×\(bands) cube needs \(height * width * bands) values, got \(values.count)")
        }
        self.height = height
        self.width = width
        self.bands = bands
        self.values = values
    }

    /// Number of pixels.
    public var pixelCount: Int { height * width }

    /// Value at a pixel and band.
    @inlinable
    public func value(row: Int, column: Int, band: Int) -> Float {
        values[(row * width + column) * bands + band]
    }

    /// The spectrum of one pixel.
    public func spectrum(row: Int, column: Int) -> ArraySlice<Float> {
        let start = (row * width + column) * bands
        return values[start ..< start + bands]
    }

    /// The cube as a tensor of shape [height, width, bands] (no copy of the semantics, one of the storage).
    public var tensor: Tensor { Tensor(shape: [height, width, bands], scalars: values) }

    /// The pixels as a matrix of shape [height·width, bands] (rows are pixels).
    public var pixelMatrix: Tensor { Tensor(shape: [pixelCount, bands], scalars: values) }

    /// Smallest and largest value.
    public var range: (min: Float, max: Float) {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        return (lo, hi)
    }

    /// A cube of the same spatial size holding other per-pixel values (e.g. reduced bands).
    public func replacingBands(_ bands: Int, values: [Float]) throws(SpectralDataError) -> Cube {
        try Cube(height: height, width: width, bands: bands, values: values)
    }
}
