// BandSelectionError: the one error type of BandSelection. Every case says what was wrong
// with the data or the settings and what to change, so a band-select stage can pass the
// message straight to the user.

/// Problems fitting or applying a band selection, normalization, PCA or NMF.
public enum BandSelectionError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A setting is out of range (component count, tolerance, band index…).
    case invalidParameter(String)
    /// NMF was given data with negative values.
    case negativeInput(minimum: Double, row: Int, column: Int)
    /// The data holds NaN or infinity.
    case nonFiniteInput(row: Int, column: Int)
    /// Data with the wrong number of bands (or components) for a fitted transform.
    case shapeMismatch(String)
    /// LAPACK could not decompose a matrix.
    case numericalFailure(String)
    /// A saved transform does not describe a valid fitted transform.
    case malformedTransform(String)

    public var description: String {
        switch self {
        case .invalidParameter(let m):
            return "invalid band-selection setting: \(m)"
        case .negativeInput(let minimum, let row, let column):
            return "NMF needs non-negative data, but pixel \(row), band \(column) is \(minimum); "
                + "use `normalize: minmax` or the raw data (`normalize: none`) with NMF"
        case .nonFiniteInput(let row, let column):
            return "the data holds NaN or infinity at pixel \(row), band \(column); clean the cube before band selection"
        case .shapeMismatch(let m):
            return "shape mismatch: \(m)"
        case .numericalFailure(let m):
            return "numerical failure: \(m)"
        case .malformedTransform(let m):
            return "malformed band transform: \(m); refit it or restore the saved files"
        }
    }
}
