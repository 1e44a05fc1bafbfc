// DiffMetricGroups: a diff's metric rows arranged for reading, before any text is made — headline
// scalars (`oa`, `kappa`), per-item tables for lists of objects (prune `levels`, quantize `models`:
// one row per item, one column per field that changed), and lists or matrices of numbers
// summarised by how many values changed and the largest |Δ| (`confusion`, `loss`).
import PipelineModel

/// The metric rows of a `ManifestDiff`, grouped the way `DiffRenderer` prints them.
struct DiffMetricGroups {
    /// A table for one list of objects of one stage: `levels[i].oa`, `levels[i].kappa`, ….
    struct ItemTable {
        var stage: String
        var list: String
        /// Fields with at least one changed row, sorted.
        var fields: [String]
        /// One row per item (list index order): its name and each field's metric row.
        var items: [(index: Int, name: String, cells: [String: ManifestDiff.MetricRow])]
    }

    /// The changed values of one list or matrix of numbers of one stage.
    struct NumberList {
        var stage: String
        /// The path with its indices removed: `confusion`, `levels[].fine_tuning_loss`.
        var list: String
        /// Whether its leaves carry two or more indices (`confusion[3][4]`).
        var isMatrix: Bool
        var changed: Int
        /// Values present in only one run.
        var addedOrRemoved: Int
        var maxAbsDelta: Double?
    }

    var headline: [ManifestDiff.MetricRow] = []
    var tables: [ItemTable] = []
    var lists: [NumberList] = []

    init(_ rows: [ManifestDiff.MetricRow]) {
        var tableIndex: [String: Int] = [:]
        var listIndex: [String: Int] = [:]
        for row in rows {
            switch Self.shape(row.metric) {
            case .scalar:
                headline.append(row)
            case .item(let list, let index, let field):
                let key = row.stage + "\u{0}" + list
                let t = tableIndex[key] ?? {
                    tables.append(ItemTable(stage: row.stage, list: list, fields: [], items: []))
                    tableIndex[key] = tables.count - 1
                    return tables.count - 1
                }()
                if row.changed, !tables[t].fields.contains(field) { tables[t].fields.append(field) }
                if let i = tables[t].items.firstIndex(where: { $0.index == index }) {
                    tables[t].items[i].cells[field] = row
                } else {
                    tables[t].items.append((index, row.item ?? "[\(index)]", [field: row]))
                }
            case .numbers(let list, let isMatrix):
                let key = row.stage + "\u{0}" + list
                let l = listIndex[key] ?? {
                    lists.append(NumberList(stage: row.stage, list: list, isMatrix: isMatrix, changed: 0,
                                            addedOrRemoved: 0, maxAbsDelta: nil))
                    listIndex[key] = lists.count - 1
                    return lists.count - 1
                }()
                guard row.changed else { continue }
                lists[l].changed += 1
                if row.old == nil || row.new == nil { lists[l].addedOrRemoved += 1 }
                if let d = row.delta { lists[l].maxAbsDelta = max(lists[l].maxAbsDelta ?? 0, abs(d)) }
            }
        }
        for t in tables.indices {
            tables[t].fields.sort()
            tables[t].items.sort { $0.index < $1.index }
            // Only items with a changed value in a shown column.
            let fields = tables[t].fields
            tables[t].items.removeAll { item in !fields.contains { item.cells[$0]?.changed == true } }
        }
        tables.removeAll { $0.fields.isEmpty }
        lists.removeAll { $0.changed == 0 }
    }

    private enum Shape: Equatable {
        case scalar
        /// `list[index].field`, the field itself a scalar.
        case item(list: String, index: Int, field: String)
        case numbers(list: String, isMatrix: Bool)
    }

    /// How a metric path reads: no index → scalar; `name[i].field` → an item of a list of
    /// objects; any other path with indices → a value in a list or matrix of numbers.
    private static func shape(_ path: String) -> Shape {
        guard let open = path.firstIndex(of: "[") else { return .scalar }
        if let close = path[open...].firstIndex(of: "]"), let index = Int(path[path.index(after: open)..<close]) {
            let rest = path[path.index(after: close)...]
            if rest.hasPrefix("."), !rest.contains("[") {
                return .item(list: String(path[..<open]), index: index, field: String(rest.dropFirst()))
            }
        }
        // The path without its indices (`[]` where one sits inside: `levels[].fine_tuning_loss`);
        // `run` counts the indices just read, so a path ending in two or more is a matrix cell.
        var list = ""
        var run = 0
        var i = path.startIndex
        while i < path.endIndex {
            if path[i] == "[", let close = path[i...].firstIndex(of: "]") {
                run += 1
                i = path.index(after: close)
                continue
            }
            if run > 0 { list += "[]" }
            run = 0
            list.append(path[i])
            i = path.index(after: i)
        }
        return .numbers(list: list, isMatrix: run >= 2)
    }
}
