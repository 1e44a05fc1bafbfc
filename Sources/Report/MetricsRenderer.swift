// MetricsRenderer: turns any stage's metrics into tables and charts by their shape — scalars
// into a table, number lists into line charts (loss per epoch), square matrices into heatmaps
// (confusion), lists of records into a table plus curves against their first column (per level).
import Foundation
import PipelineModel

struct MetricsRenderer {
    let stageID: String

    func render(_ metrics: [String: ParamValue]) -> String {
        guard !metrics.isEmpty else { return "" }
        var scalars: [(String, String)] = []
        var charts: [String] = []
        var tables: [String] = []
        for (key, value) in metrics.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .int, .double, .string, .bool, .null:
                scalars.append((key, ReportPage.short(value)))
            case .list(let items):
                if let numbers = Self.numbers(items), numbers.count <= 4 {
                    // A shape or a handful of values reads better as text than as a curve.
                    scalars.append((key, numbers.map { ReportPage.format($0) }.joined(separator: " × ")))
                } else if let numbers = Self.numbers(items) {
                    let series = ChartSeries(name: key, points: numbers.enumerated().map { (Double($0.offset + 1), $0.element) })
                    if series.isConstant {
                        // A flat line (all zero, say) says no more than one number: show it as text.
                        scalars.append((key, "\(numbers.count) × \(ReportPage.format(numbers[0]))"))
                    } else {
                        charts.append(LineChart(title: key, xLabel: "index", yLabel: key, series: [series]).svg())
                    }
                } else if let matrix = Self.matrix(items) {
                    let labels = (1...matrix.count).map(String.init)
                    charts.append(Heatmap(title: key, rowLabels: labels, columnLabels: (1...(matrix.first?.count ?? 1)).map(String.init), values: matrix).svg())
                } else if let records = Self.records(items) {
                    let (table, curves) = recordsView(key, records)
                    tables.append(table)
                    charts += curves
                } else {
                    scalars.append((key, value.canonicalJSON))
                }
            case .object(let fields):
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
                    charts.append(LineChart(title: key, xLabel: "step", yLabel: "value", series: series).svg())
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
        var columns: [String] = []
        for r in records { for k in r.keys.sorted() where !columns.contains(k) && (r[k]?.list == nil && r[k]?.object == nil) { columns.append(k) } }
        var table = "<h4>\(escapeHTML(key))</h4><div class=\"scroll\"><table class=\"data\"><thead><tr>" + columns.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in records {
            table += "<tr>" + columns.map { c in "<td class=\"num\">\(escapeHTML(r[c].map { ReportPage.short($0) } ?? ""))</td>" }.joined() + "</tr>"
        }
        table += "</tbody></table></div>"
        let numeric = columns.filter { c in records.allSatisfy { $0[c]?.number != nil } }
        let preferred = ["percent", "level", "epoch", "step", "iteration", "band", "components", "x"]
        guard let xKey = preferred.first(where: numeric.contains) ?? numeric.first, numeric.count > 1, records.count > 1 else {
            return (table, [])
        }
        // Columns that never change (a shortfall of zero at every level) get no chart; the table shows them.
        let charts = numeric.filter { $0 != xKey }.compactMap { yKey -> String? in
            let series = ChartSeries(name: yKey, points: records.compactMap { r in
                guard let x = r[xKey]?.number, let y = r[yKey]?.number else { return nil }
                return (x, y)
            })
            return series.isConstant ? nil : LineChart(title: "\(key): \(yKey)", xLabel: xKey, yLabel: yKey, series: [series]).svg()
        }
        return (table, charts)
    }

    static func numbers(_ items: [ParamValue]) -> [Double]? {
        guard !items.isEmpty else { return nil }
        let values = items.compactMap(\.number)
        return values.count == items.count ? values : nil
    }

    static func matrix(_ items: [ParamValue]) -> [[Double]]? {
        let rows = items.compactMap { $0.list.flatMap(numbers) }
        guard rows.count == items.count, let width = rows.first?.count, width > 1, rows.allSatisfy({ $0.count == width }) else { return nil }
        return rows
    }

    static func records(_ items: [ParamValue]) -> [[String: ParamValue]]? {
        let objects = items.compactMap(\.object)
        return objects.count == items.count && !objects.isEmpty ? objects : nil
    }
}
