// KnownScene: public benchmark scenes recognised by their shape, so a run can name its classes
// (Indian Pines: 145×145 pixels, 200 corrected or 220 raw bands, labels 1–16) instead of numbering them.

/// A benchmark scene whose class names are known.
public enum KnownScene: String, Sendable, CaseIterable {
    case indianPines = "Indian Pines"

    /// The scene a cube and its ground truth come from, when its shape identifies one.
    public static func recognise(height: Int, width: Int, bands: Int, maxLabel: Int) -> KnownScene? {
        if height == 145, width == 145, bands == 200 || bands == 220, maxLabel <= 16 { return .indianPines }
        return nil
    }

    /// Class names by original label: index 0 names label 1.
    public var classNames: [String] {
        switch self {
        case .indianPines:
            return ["Alfalfa", "Corn-notill", "Corn-mintill", "Corn", "Grass-pasture", "Grass-trees",
                    "Grass-pasture-mowed", "Hay-windrowed", "Oats", "Soybean-notill", "Soybean-mintill",
                    "Soybean-clean", "Wheat", "Woods", "Buildings-Grass-Trees-Drives", "Stone-Steel-Towers"]
        }
    }

    /// The names of `labels` (original labels, 1-based), "class k" where the scene has no such label.
    public func names(of labels: [Int]) -> [String] {
        labels.map { $0 >= 1 && $0 <= classNames.count ? classNames[$0 - 1] : "class \($0)" }
    }
}
