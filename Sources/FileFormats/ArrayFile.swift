// ArrayFile: one entry point for "an array on disk", whatever the extension: .npy or .mat.
// Loads cubes (3-D) and label maps (2-D) and says plainly when a file holds something else.
import Foundation
public import SpectralData

/// An array read from a file, with where it came from.
public struct LoadedArray: Sendable {
    /// "npy v1.0", "mat v5 (compressed)", ….
    public var format: String
    /// The .mat variable it came from (nil for .npy).
    public var variable: String?
    public var array: NumericArray
}

/// Reads arrays, cubes and label maps from `.npy` and `.mat` files.
public enum ArrayFile {
    /// File extensions HSIFlow reads arrays from.
    public static let extensions = ["npy", "mat"]

    /// Reads the array in `path`; for .mat files, `variable` or else the only numeric variable of `rank`.
    public static func read(path: String, variable: String? = nil, rank: Int? = nil) throws(FileFormatsError) -> LoadedArray {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "npy":
            let bytes = try FileAccess.readAll(path)
            let header = try Npy.parseHeader(bytes, source: path)
            let array = try Npy.decode(bytes, source: path)
            return LoadedArray(format: "npy v\(header.version.0).\(header.version.1)", variable: nil, array: array)
        case "mat":
            let (name, array, format) = try MatFile.readWithFormat(path: path, variable: variable, rank: rank)
            return LoadedArray(format: "mat \(format)", variable: name, array: array)
        default:
            guard FileManager.default.fileExists(atPath: path) else { throw .unreadable(path: path, reason: "no such file") }
            throw .unexpectedContent(path: path, reason: "unknown file type; HSIFlow reads arrays from .npy and .mat files")
        }
    }

    /// A cube (H×W×B) from a .npy or .mat file.
    public static func loadCube(path: String, variable: String? = nil) throws(FileFormatsError) -> Cube {
        try read(path: path, variable: variable, rank: 3).array.cube(source: path)
    }

    /// A label map (H×W, 0 = unlabelled) from a .npy or .mat file.
    public static func loadLabelMap(path: String, variable: String? = nil) throws(FileFormatsError) -> LabelMap {
        try read(path: path, variable: variable, rank: 2).array.labelMap(source: path)
    }
}
