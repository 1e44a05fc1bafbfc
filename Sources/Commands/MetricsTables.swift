// MetricsTables: a stage's metrics as CSV text — one `metrics.csv` of flat scalar metrics at
// dotted paths, and one table per list-of-objects metric (prune's `levels`, quantize's `models`)
// whose header is the union of the objects' keys. Pure values; ExportCommand writes them.
import Foundation
import PipelineModel

/// The CSV tables of one stage's metrics.
struct MetricsTables: Equatable {
    /// One CSV file: its name without extension and its rows (the first is the header).
    struct Table: Equatable {
        var name: String
        var rows: [[String]]

        /// RFC 4180 text: cells quoted when they hold a comma, quote or line break; CRLF-free.
        var csv: String {
            rows.map { $0.map(MetricsTables.quoted).joined(separator: ",") }.joined(separator: "\n") + "\n"
        }
    }

    /// `metrics` (when there are scalar metrics) followed by one table per list-of-objects metric.
    var tables: [Table]

    init(metrics: [String: ParamValue]) {
        var scalars: [[String]] = []
        var lists: [Table] = []
        Self.flatten(.object(metrics), path: "", scalars: &scalars, lists: &lists)
        var tables: [Table] = []
        if !scalars.isEmpty { tables.append(Table(name: "metrics", rows: [["metric", "value"]] + scalars)) }
        tables += lists
        self.tables = tables
    }

    /// Walks `value`: objects descend by dotted path, lists of objects become tables, everything
    /// else is one scalar row (lists of numbers as JSON text in one cell).
    private static func flatten(_ value: ParamValue, path: String, scalars: inout [[String]], lists: inout [Table]) {
        switch value {
        case .object(let fields):
            for key in fields.keys.sorted() {
                // Non-optional: the key came from the dictionary.
                flatten(fields[key] ?? .null, path: path.isEmpty ? key : "\(path).\(key)", scalars: &scalars, lists: &lists)
            }
        case .list(let items) where !items.isEmpty && items.allSatisfy({ $0.object != nil }):
            lists.append(table(named: path, items.compactMap(\.object)))
        default:
            scalars.append([path, cell(value)])
        }
    }

    /// A table of objects: columns are the union of their (flattened) keys, sorted.
    private static func table(named name: String, _ objects: [[String: ParamValue]]) -> Table {
        let flat = objects.map { object -> [String: String] in
            var cells: [String: String] = [:]
            flattenRow(.object(object), path: "", into: &cells)
            return cells
        }
        let columns = Set(flat.flatMap(\.keys)).sorted()
        return Table(name: name, rows: [columns] + flat.map { row in columns.map { row[$0] ?? "" } })
    }

    private static func flattenRow(_ value: ParamValue, path: String, into cells: inout [String: String]) {
        if case .object(let fields) = value {
            for (key, field) in fields { flattenRow(field, path: path.isEmpty ? key : "\(path).\(key)", into: &cells) }
        } else {
            cells[path] = cell(value)
        }
    }

    /// One value as cell text: numbers in their shortest exact form, lists and objects as JSON.
    static func cell(_ value: ParamValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? "\(d)" : (d.isNaN ? "nan" : (d > 0 ? "inf" : "-inf"))
        case .string(let s): return s
        case .list(let items): return "[" + items.map(jsonText).joined(separator: ",") + "]"
        case .object: return jsonText(value)
        }
    }

    private static func jsonText(_ value: ParamValue) -> String {
        switch value {
        case .null: return "null"
        case .string(let s):
            let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        case .list(let items): return "[" + items.map(jsonText).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.keys.sorted().map { jsonText(.string($0)) + ":" + jsonText(fields[$0] ?? .null) }.joined(separator: ",") + "}"
        default: return cell(value)
        }
    }

    static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
