// ArtifactCoding: how stage artifacts are stored in the cache — cubes as float32 .npy
// (H×W×B), label maps as int32 .npy (H×W), images as PNG — so any artifact can be opened with
// numpy or `hsiflow inspect`, and decoded back by the stages that read them.
public import Attribution
public import Foundation
import FileFormats
public import SpectralData

/// Encodes and decodes the arrays stages pass to each other.
public enum ArtifactCoding {
    /// A cube as .npy bytes (float32, H×W×B, C order).
    public static func encode(_ cube: Cube) -> Data {
        Data(Npy.encode(NumericArray(float32: cube.values, shape: [cube.height, cube.width, cube.bands])))
    }

    /// A label map as .npy bytes (int32, H×W).
    public static func encode(_ labels: LabelMap) -> Data {
        Data(Npy.encode(NumericArray(integers: labels.labels.map(Int.init), shape: [labels.height, labels.width], as: .int32)))
    }

    /// A cube from .npy bytes.
    public static func cube(_ data: Data, source: String) throws -> Cube {
        try Npy.decode([UInt8](data), source: source).cube(source: source)
    }

    /// An RGB image as PNG bytes.
    public static func png(_ image: RGBImage) throws -> Data {
        Data(try Png.encode(PixelImage(width: image.width, height: image.height, channels: 3, pixels: image.pixels)))
    }

    /// A label map from .npy bytes.
    public static func labelMap(_ data: Data, source: String) throws -> LabelMap {
        try Npy.decode([UInt8](data), source: source).labelMap(source: source)
    }
}
