// IndianPines: what the real data set is, so a download or a local copy can be verified:
// file names, shapes, element types and SHA-256 of the decoded arrays (C order).
import Foundation

/// The AVIRIS Indian Pines scene (145×145 pixels, 200 water-absorption-corrected bands, 16 classes).
public enum IndianPines {
    public static let cubeFile = "Indian_pines_corrected"
    public static let labelsFile = "Indian_pines_gt"
    public static let cubeShape = [145, 145, 200]
    public static let labelsShape = [145, 145]
    /// SHA-256 of the cube as uint16, C order.
    public static let cubeSHA256 = "36468dd7336c8bd37a80cced54362ea426f226703f3797ba494556fd8134e77f"
    /// SHA-256 of the ground truth as uint8, C order.
    public static let labelsSHA256 = "ebf20cfe0bce98f01885f0ab4fd1857925db3ef0a1f1624bbee3ffcb92425103"
    /// The 9 classes the original study kept (renumbered 1…9).
    public static let studyClasses = [2, 3, 5, 6, 10, 11, 12, 14, 15]

    /// Checks a decoded cube against the published data; nil when it matches, else what differs.
    public static func mismatch(cube: NumericArray) -> String? {
        mismatch(cube, shape: cubeShape, as: .uint16, sha256: cubeSHA256, what: "cube")
    }

    /// Checks decoded ground truth against the published data; nil when it matches.
    public static func mismatch(labels: NumericArray) -> String? {
        mismatch(labels, shape: labelsShape, as: .uint8, sha256: labelsSHA256, what: "ground truth")
    }

    private static func mismatch(_ array: NumericArray, shape: [Int], as type: ElementType, sha256: String, what: String) -> String? {
        guard array.shape == shape else { return "\(what) has shape \(array.shapeText), expected \(shape.map(String.init).joined(separator: "×"))" }
        guard let converted = array.converted(to: type) else { return "\(what) values do not fit \(type.rawValue)" }
        let hash = converted.sha256
        return hash == sha256 ? nil : "\(what) SHA-256 is \(hash), expected \(sha256)"
    }

    /// The cube and label files in `directory` (prefers .mat, then .npy), if both exist.
    public static func files(in directory: String) -> (cube: String, labels: String)? {
        for ext in ["mat", "npy"] {
            let cube = (directory as NSString).appendingPathComponent("\(cubeFile).\(ext)")
            let labels = (directory as NSString).appendingPathComponent("\(labelsFile).\(ext)")
            if FileManager.default.fileExists(atPath: cube), FileManager.default.fileExists(atPath: labels) {
                return (cube, labels)
            }
        }
        return nil
    }
}
