// MetricsRenderer: turns any stage's metrics into tables and charts by their shape — scalars
// into a table, number lists into line charts (loss per epoch), square matrices into heatmaps
// (confusion), lists of records into a table plus curves against their first column (per level).
import Foundation
import PipelineModel

struct MetricsRenderer {
    let stageID: String
    /// Class names by renumbered class (for confusion matrices and per-class bars); may be empty.
    var classLabels: [String] = []

    func render(_ metrics: [String: ParamValue]) -> String {
        guard !metrics.isEmpty else { return "" }
        var scalars: [(String, String)] = []
        var charts: [String] = []
        var tables: [String] = []
        for (key, value) in metrics.sorted(by: { $0.key < $1.key }) {
            if let note = Self.tooLarge(value) {
                scalars.append((key, note))
                continue
            }
            switch value {
            case .int, .double, .string, .bool, .null:
                scalars.append((key, ReportPage.short(value)))
            case .list(let items):
                if let numbers = Self.numbers(items), key.contains("per_class"), numbers.count > 1 {
                    // One value per class: bars named by class, not a line over an index.
                    let categories = numbers.indices.map { $0 < classLabels.count ? classLabels[$0] : "class \($0 + 1)" }
                    let isAccuracy = key.contains("accuracy")
                    charts.append(BarChart(title: key, valueLabel: isAccuracy ? "accuracy (fraction)" : "pixels", categories: categories,
                                           series: [.init(name: key, values: numbers)], valueRange: isAccuracy ? 0...1 : nil).svg())
                } else if let numbers = Self.numbers(items), numbers.count <= 4 || Self.isSettingList(numbers) {
                    // A shape or a handful of values reads better as text than as a curve.
                    // A shape or a handful of values reads better as text than as a curve, and so
                    // does a list of settings (levels 0, 40, 55…).
                    scalars.append((key, numbers.map { ReportPage.format($0) }.joined(separator: numbers.count <= 4 && !Self.isSettingList(numbers) ? " × " : ", ")))
                } else if let numbers = Self.numbers(items) {
                    let series = ChartSeries(name: key, points: numbers.enumerated().map { (Double($0.offset + 1), $0.element) })
                    if series.isConstant {
                        // A flat line (all zero, say) says no more than one number: show it as text.
                        scalars.append((key, "\(numbers.count) × \(ReportPage.format(numbers[0]))"))
                    } else {
                        let axis = ["loss", "accuracy", "val_loss", "val_accuracy"].contains(key) ? "epoch" : "position in the list"
                        charts.append(LineChart(title: key, xLabel: axis, yLabel: key, series: [series]).svg())
                    }
                } else if let matrix = Self.matrix(items) {
                    charts.append(Self.confusion(key, matrix, labels: classLabels).svg())
                } else if let records = Self.records(items) {
                    let (table, curves) = recordsView(key, records)
                    tables.append(table)
                    charts += curves
                } else if items.allSatisfy({ $0.string != nil }) {
                    scalars.append((key, items.compactMap(\.string).joined(separator: ", ")))
                } else {
                    scalars.append((key, value.canonicalJSON))
                }
            case .object(let fields):
                // Records by name (method → level → {cosine, spearman}): one row per name.
                if let table = Self.table(fields) {
                    tables.append("<h4>\(escapeHTML(key))</h4>" + table)
                    continue
                }
                // Several equally long number lists: one chart with a series each (e.g. history).
                let series = fields.sorted { $0.key < $1.key }.compactMap { k, v -> ChartSeries? in
                    guard let numbers = v.list.flatMap(Self.numbers) else { return nil }
                    return ChartSeries(name: k, points: numbers.enumerated().map { (Double($0.offset + 1), $0.element) })
                }.filter { s in
                    guard s.isConstant, let first = s.points.first else { return true }
                    scalars.append(("\(key).\(s.name)", "\(s.points.count) × \(ReportPage.format(first.y))"))
                    return false
                }
                if !series.isEmpty {
                    charts.append(LineChart(title: key, xLabel: key == "history" ? "epoch" : "step", yLabel: "value", series: series).svg())
                }
                let rest = fields.filter { $0.value.list.flatMap(Self.numbers) == nil }
                for (k, v) in rest.sorted(by: { $0.key < $1.key }) { scalars.append(("\(key).\(k)", ReportPage.short(v))) }
            }
        }
        var html = ""
        if !scalars.isEmpty { html += ReportPage.keyValueTable(scalars) }
        html += tables.joined()
        if !charts.isEmpty { html += "<div class=\"charts\">" + charts.joined() + "</div>" }
        return html
    }

    /// A table of records and, for every numeric column, a curve against the first numeric column.
    func recordsView(_ key: String, _ records: [[String: ParamValue]]) -> (String, [String]) {
        var found: [String] = []
        for r in records { for k in r.keys.sorted() where !found.contains(k) && (r[k]?.list == nil && r[k]?.object == nil) { found.append(k) } }
        let columns = Self.keyColumnsFirst(found)
        let long = records.count > 12 ? " long" : ""
        var table = "<h4>\(escapeHTML(key))</h4><div class=\"scroll\(long)\"><table class=\"data\"><thead><tr>" + columns.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in records {
            table += "<tr>" + columns.map { c in "<td class=\"num\">\(escapeHTML(r[c].map { ReportPage.short($0) } ?? ""))</td>" }.joined() + "</tr>"
        }
        table += "</tbody></table></div>"
        let numeric = columns.filter { c in records.allSatisfy { $0[c]?.number != nil } }
        let preferred = ["percent", "level", "epoch", "step", "iteration", "band", "components", "x"]
        guard let xKey = preferred.first(where: numeric.contains) ?? numeric.first, numeric.count > 1, records.count > 1 else {
            return (table, [])
        }
        // Curves of the accuracy and cost columns when the records have them (the rest, sizes and
        // errors, read better in the table); columns that never change (a shortfall of zero at every
        // level) get no chart either way.
        let headline = ["oa", "kappa", "aa", "parameters", "flops", "latency_us"]
        let yKeys = numeric.contains(where: headline.contains) ? numeric.filter(headline.contains) : numeric
        let charts = yKeys.filter { $0 != xKey }.compactMap { yKey -> String? in
            let series = ChartSeries(name: yKey, points: records.compactMap { r in
                guard let x = r[xKey]?.number, let y = r[yKey]?.number else { return nil }
                return (x, y)
            })
            // Nor does a column that repeats the x column (achieved_level against level).
            let repeatsX = series.points.allSatisfy { $0.x == $0.y }
            return series.isConstant || repeatsX ? nil : LineChart(title: "\(key): \(yKey)", xLabel: xKey, yLabel: yKey, series: [series]).svg()
        }
        return (table, charts)
    }

    /// Strictly increasing whole numbers: chosen settings (levels, bands), not a measured curve.
    static func isSettingList(_ numbers: [Double]) -> Bool {
        numbers.allSatisfy { $0 == $0.rounded() } && zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 }
    }

    /// A table of `fields` when each is an object of number records (method → `L40` → {cosine: …}):
    /// a row per field, a column per inner key, the record's numbers in a cell. Nil for other shapes.
    static func table(_ fields: [String: ParamValue]) -> String? {
        var columns: [String] = []
        for (_, value) in fields {
            guard let inner = value.object, !inner.isEmpty else { return nil }
            for (k, v) in inner {
                guard let record = v.object, !record.isEmpty, record.values.allSatisfy({ $0.number != nil }) else { return nil }
                if !columns.contains(k) { columns.append(k) }
            }
        }
        guard !fields.isEmpty else { return nil }
        // `L40` sorts by its number, anything else by name.
        columns.sort { a, b in
            let (x, y) = (Double(a.dropFirst()), Double(b.dropFirst()))
            if let x, let y, a.first == b.first { return x < y }
            return a < b
        }
        var html = "<div class=\"scroll\"><table class=\"data\"><thead><tr><th></th>" + columns.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            let inner = value.object ?? [:]
            html += "<tr><td>\(escapeHTML(name))</td>" + columns.map { c in
                let cell = (inner[c]?.object ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \(ReportPage.short($0.value))" }.joined(separator: " · ")
                return "<td class=\"num\">\(escapeHTML(cell))</td>"
            }.joined() + "</tr>"
        }
        return html + "</tbody></table></div>"
    }

    /// Columns in reading order: the level, then accuracy, then cost, then the rest by name.
    static func keyColumnsFirst(_ columns: [String]) -> [String] {
        let order = ["level", "percent", "model", "bits", "oa", "float_oa", "oa_delta", "kappa", "aa", "parameters", "flops",
                     "latency_us", "float_latency_us", "bytes", "float_bytes", "size_ratio"]
        return order.filter(columns.contains) + columns.filter { !order.contains($0) }.sorted()
    }

    /// A confusion matrix labelled with class names (rows) and their original labels (columns).
    static func confusion(_ title: String, _ matrix: [[Double]], labels: [String]) -> Heatmap {
        let rows = matrix.indices.map { $0 < labels.count ? labels[$0] : String($0 + 1) }
        let columns = (0..<(matrix.first?.count ?? 0)).map { j in
            guard j < labels.count else { return String(j + 1) }
            return labels[j].hasPrefix("class ") ? String(labels[j].dropFirst(6)) : String(labels[j].prefix { $0 != " " })
        }
        return Heatmap(title: title, rowLabels: rows, columnLabels: columns, values: matrix)
    }

    static func numbers(_ items: [ParamValue]) -> [Double]? {
        guard !items.isEmpty else { return nil }
        let values = items.compactMap(\.number)
        return values.count == items.count ? values : nil
    }

    /// A note standing in for a metric too large to draw or list (a 3000×3000 matrix), or nil.
    /// Measuring stops at the bound, so the report stays linear in the manifest's size.
    static func tooLarge(_ value: ParamValue) -> String? {
        guard value.list != nil || value.object != nil,
              value.leafCount(upTo: ManifestDiff.largeValueLeaves) > ManifestDiff.largeValueLeaves else { return nil }
        return "\(value.sizeSummary): more than \(ManifestDiff.largeValueLeaves) values, too many to draw or list here; they are in manifest.json"
    }

    static func matrix(_ items: [ParamValue]) -> [[Double]]? {
        guard tooLarge(.list(items)) == nil else { return nil }
        let rows = items.compactMap { $0.list.flatMap(numbers) }
        guard rows.count == items.count, let width = rows.first?.count, width > 1, rows.allSatisfy({ $0.count == width }) else { return nil }
        return rows
    }

    static func records(_ items: [ParamValue]) -> [[String: ParamValue]]? {
        let objects = items.compactMap(\.object)
        return objects.count == items.count && !objects.isEmpty ? objects : nil
    }
}
