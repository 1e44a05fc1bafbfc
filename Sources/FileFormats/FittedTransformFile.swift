// FittedTransformFile: a fitted transform (band selection today) on disk as a folder holding
// `transform.json` — a small Codable record, sorted keys — and `components.npy`, its Float64
// matrix. Both are written atomically. The record type is the caller's (BandSelection's
// BandTransformRecord), so this module stays below the modules whose values it stores.
import Foundation

/// Saves and loads a fitted transform: a JSON record plus an optional components matrix.
public enum FittedTransformFile {
    /// File name of the record inside the folder.
    public static let recordName = "transform.json"
    /// File name of the components matrix inside the folder.
    public static let componentsName = "components.npy"

    /// A rows × columns Float64 matrix in row-major order.
    public struct Components: Sendable, Equatable {
        public let rows: Int
        public let columns: Int
        public let values: [Double]

        public init(rows: Int, columns: Int, values: [Double]) {
            precondition(rows * columns == values.count, "components \(rows)×\(columns) need \(rows * columns) values")
            self.rows = rows
            self.columns = columns
            self.values = values
        }
    }

    /// Writes `record` and `components` into `directory` (created if needed). Without components,
    /// a components file left by an earlier save is removed so the folder never mixes two fits.
    public static func save<Record: Encodable>(record: Record, components: Components?,
                                               to directory: String) throws(FileFormatsError) {
        let folder = URL(fileURLWithPath: directory)
        let recordPath = folder.appendingPathComponent(recordName).path
        let componentsPath = folder.appendingPathComponent(componentsName).path
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let json: Data
        do { json = try encoder.encode(record) } catch {
            throw .unwritable(path: recordPath, reason: "the record does not encode as JSON: \(error)")
        }
        if let components {
            let array = NumericArray(float64: components.values, shape: [components.rows, components.columns])
            try Npy.write(array, to: componentsPath)
        } else if FileManager.default.fileExists(atPath: componentsPath) {
            do { try FileManager.default.removeItem(atPath: componentsPath) } catch {
                throw .unwritable(path: componentsPath, reason: "cannot remove the stale components file: \(error.localizedDescription)")
            }
        }
        try FileAccess.writeAtomically([UInt8](json) + [0x0A], to: recordPath)
    }

    /// Reads the record and, when present, the components matrix (which must be 2-D).
    public static func load<Record: Decodable>(_ type: Record.Type,
                                               from directory: String) throws(FileFormatsError) -> (record: Record, components: Components?) {
        let folder = URL(fileURLWithPath: directory)
        let recordPath = folder.appendingPathComponent(recordName).path
        let componentsPath = folder.appendingPathComponent(componentsName).path
        let bytes = try FileAccess.readAll(recordPath)
        let record: Record
        do { record = try JSONDecoder().decode(Record.self, from: Data(bytes)) } catch {
            throw .malformed(path: recordPath, reason: "not a saved \(Record.self): \(error)")
        }
        guard FileManager.default.fileExists(atPath: componentsPath) else { return (record, nil) }
        let array = try Npy.read(path: componentsPath)
        guard array.shape.count == 2 else {
            throw .unexpectedContent(path: componentsPath, reason: "components must be a 2-D matrix, found shape \(array.shapeText)")
        }
        return (record, Components(rows: array.shape[0], columns: array.shape[1], values: array.doubles()))
    }
}

extension NumericArray {
    /// An array of Float64 values (C order).
    public init(float64 values: [Double], shape: [Int]) {
        var bytes = [UInt8](repeating: 0, count: values.count * 8)
        bytes.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self) }
        }
        self.init(elementType: .float64, shape: shape, bytes: bytes)
    }
}
