// ClassMapImage: class maps as images in HSIFlow's one class palette (index 0, unlabelled, is
// black; 1–16 the Indian Pines classes, labels past 16 wrap around), and the error map of a
// prediction against the ground truth. The train stage's class map and the visualize stage's use it.
public import SpectralData

/// Class maps, ground truth and error maps as RGB images.
public enum ClassMapImage {
    /// The fixed palette: index 0 black (unlabelled), then 16 distinct colours for classes 1–16
    /// (Sasha Trubetskoy's "20 simple, distinct colours", revised edition, first 16).
    public static let palette: [RGB] = [
        RGB(0, 0, 0),
        RGB(230, 25, 75), RGB(60, 180, 75), RGB(255, 225, 25), RGB(0, 130, 200),
        RGB(245, 130, 48), RGB(145, 30, 180), RGB(70, 240, 240), RGB(240, 50, 230),
        RGB(210, 245, 60), RGB(250, 190, 212), RGB(0, 128, 128), RGB(220, 190, 255),
        RGB(170, 110, 40), RGB(255, 250, 200), RGB(128, 0, 0), RGB(170, 255, 195),
    ]

    /// The colour of `label`: black for 0 (and below), the palette for 1–16, and labels past 16
    /// around again (17 is class 1's colour).
    public static func color(of label: Int32) -> RGB {
        label <= 0 ? palette[0] : palette[(Int(label) - 1) % (palette.count - 1) + 1]
    }

    /// Error-map colours: correctly classified, misclassified, and unlabelled (black).
    public static let correct = RGB(60, 180, 75), wrong = RGB(230, 25, 75), unlabelled = RGB.black

    /// `labels` coloured by `color(of:)`, each pixel enlarged `scale` times.
    public static func render(_ labels: LabelMap, scale: Int = 1) throws(AttributionError) -> RGBImage {
        guard scale >= 1 else { throw .invalidArgument("scale must be ≥ 1, got \(scale)") }
        var image = RGBImage(width: labels.width, height: labels.height)
        for y in 0..<labels.height { for x in 0..<labels.width { image[x, y] = color(of: labels[y, x]) } }
        return image.upscaled(by: scale)
    }

    /// Where the ground truth labels a pixel: `correct` if the prediction agrees, `wrong` if not;
    /// unlabelled ground-truth pixels are black.
    public static func errors(predicted: LabelMap, truth: LabelMap, scale: Int = 1) throws(AttributionError) -> RGBImage {
        guard predicted.height == truth.height, predicted.width == truth.width else {
            throw .shapeMismatch("predicted map \(predicted.height)×\(predicted.width) and ground truth \(truth.height)×\(truth.width) differ")
        }
        guard scale >= 1 else { throw .invalidArgument("scale must be ≥ 1, got \(scale)") }
        var image = RGBImage(width: truth.width, height: truth.height)
        for y in 0..<truth.height { for x in 0..<truth.width {
            let t = truth[y, x]
            image[x, y] = t == 0 ? unlabelled : (predicted[y, x] == t ? correct : wrong)
        }}
        return image.upscaled(by: scale)
    }
}
