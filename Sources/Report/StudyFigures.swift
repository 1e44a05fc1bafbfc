// StudyFigures: the study's answer drawn from a manifest — accuracy (OA, kappa) against % pruned with
// a solid line per prune instance and a dashed line of the same colour per matching quantize instance,
// accuracy against cost (FLOPs, parameters, latency), saliency similarity to the unpruned model per
// method, band importance per level and class, per-class accuracy. Built from metrics (and the
// visualize stages' importance.json) alone, for any experiment.
import Foundation
import PipelineModel

/// The headline charts of a run, as values; `ReportPage` renders them at the top of the page.
struct StudyFigures {
    let manifest: Manifest
    /// Decoded `importance.json` of each visualize stage, by stage id (read from the cache by the writer).
    var importance: [String: ParamValue] = [:]

    static let chartWidth = 520.0, chartHeight = 320.0

    // MARK: - Accuracy against pruning

    /// `metric` (`oa`, `kappa`, …) against % pruned: one solid line per prune stage (its `levels`
    /// records, `level` or `percent` against the metric), one dashed line per quantize stage (its
    /// `models` records) in the colour of the prune stage with the same matrix instance (`[bands=pca]`).
    /// Nil when no stage has such records.
    func accuracyChart(_ metric: String = "oa") -> LineChart? {
        var series: [ChartSeries] = []
        var colorOfInstance: [String: Int] = [:]
        for st in manifest.stages where st.kind == "prune" {
            let points = Self.points(st.metrics["levels"], y: metric)
            guard !points.isEmpty else { continue }
            let color = colorOfInstance.count
            colorOfInstance[Self.instance(st.id)] = color
            series.append(ChartSeries(name: st.id, points: points, colorIndex: color))
        }
        var nextColor = colorOfInstance.count
        for st in manifest.stages where st.kind == "quantize" {
            let points = Self.points(st.metrics["models"], y: metric)
            guard !points.isEmpty else { continue }
            let color = colorOfInstance[Self.instance(st.id)] ?? {
                defer { nextColor += 1 }
                return nextColor
            }()
            series.append(ChartSeries(name: st.id + Self.bitsSuffix(st), points: points, dashed: true, colorIndex: color))
        }
        guard !series.isEmpty else { return nil }
        let (title, axis) = metric == "kappa" ? ("Cohen's kappa against pruning", "kappa")
            : metric == "oa" ? ("Overall accuracy against pruning", "overall accuracy (fraction of test pixels)")
            : ("\(metric) against pruning", metric)
        var chart = LineChart(title: title, xLabel: "pruned channels (%)", yLabel: axis, series: series,
                              width: Self.chartWidth, height: Self.chartHeight)
        chart.alwaysShowsLegend = true
        return chart
    }

    /// One row per prune instance: OA unpruned and at the deepest level, and what quantization changed.
    struct Headline: Equatable {
        var instance: String
        var firstLevel: Double
        var firstOA: Double
        var lastLevel: Double
        var lastOA: Double
        /// Largest |OA quantized − OA float| over the levels, nil without a matching quantize stage.
        var quantizedMaxDelta: Double?
        var quantizedBits: String?
        /// Quantized bytes over float bytes, averaged over the levels.
        var sizeRatio: Double?
    }

    func headlines() -> [Headline] {
        manifest.stages.filter { $0.kind == "prune" }.compactMap { st in
            let points = Self.points(st.metrics["levels"], y: "oa")
            guard let first = points.first, let last = points.last else { return nil }
            var row = Headline(instance: st.id, firstLevel: first.x, firstOA: first.y, lastLevel: last.x, lastOA: last.y)
            if let q = manifest.stages.first(where: { $0.kind == "quantize" && Self.instance($0.id) == Self.instance(st.id) }) {
                let records = (q.metrics["models"]?.list ?? []).compactMap(\.object)
                let deltas = records.compactMap { r -> Double? in
                    guard let oa = r["oa"]?.number, let float = r["float_oa"]?.number else { return nil }
                    return abs(oa - float)
                }
                let ratios = records.compactMap { $0["size_ratio"]?.number }
                row.quantizedMaxDelta = deltas.max()
                row.quantizedBits = Self.bitsSuffix(q).trimmingCharacters(in: .whitespaces)
                row.sizeRatio = ratios.isEmpty ? nil : ratios.reduce(0, +) / Double(ratios.count)
            }
            return row
        }
    }

    // MARK: - Accuracy against cost

    /// OA against FLOPs, parameters and latency per level (accuracy–cost fronts), a line per prune
    /// instance traced from level 0 down; latency also gets the quantized models, dashed.
    func costCharts() -> [LineChart] {
        let axes: [(key: String, label: String, scale: Double, quantized: Bool)] = [
            ("flops", "FLOPs per pixel (millions)", 1e-6, false),
            ("parameters", "parameters (thousands)", 1e-3, false),
            ("latency_us", "latency per pixel, batched (µs)", 1, true),
        ]
        return axes.compactMap { axis in
            var series: [ChartSeries] = []
            var colorOfInstance: [String: Int] = [:]
            for st in manifest.stages where st.kind == "prune" {
                let points = Self.pairs(st.metrics["levels"], x: axis.key, y: "oa", xScale: axis.scale)
                guard points.count > 1 else { continue }
                colorOfInstance[Self.instance(st.id)] = colorOfInstance.count
                series.append(ChartSeries(name: st.id, points: points, colorIndex: colorOfInstance[Self.instance(st.id)]))
            }
            if axis.quantized {
                for st in manifest.stages where st.kind == "quantize" {
                    let points = Self.pairs(st.metrics["models"], x: axis.key, y: "oa", xScale: axis.scale)
                    guard points.count > 1, let color = colorOfInstance[Self.instance(st.id)] else { continue }
                    series.append(ChartSeries(name: st.id + Self.bitsSuffix(st), points: points, dashed: true, colorIndex: color))
                }
            }
            guard !series.isEmpty, !series.allSatisfy({ Set($0.points.map(\.x)).count < 2 }) else { return nil }
            var chart = LineChart(title: "Accuracy against \(axis.key == "latency_us" ? "latency" : axis.key == "flops" ? "FLOPs" : "parameters")",
                                  xLabel: axis.label, yLabel: "overall accuracy", series: series,
                                  width: Self.chartWidth, height: Self.chartHeight)
            chart.alwaysShowsLegend = true
            return chart
        }
    }

    // MARK: - Saliency

    /// Saliency similarity to the unpruned model against % pruned, one chart per visualize stage:
    /// per method, cosine solid and Spearman dashed in the method's colour, from `similarity_to_L0`
    /// (method → `L<level>` → {cosine, spearman}).
    func similarityCharts() -> [LineChart] {
        manifest.stages.filter { $0.kind == "visualize" }.compactMap { st in
            guard let key = st.metrics.keys.sorted().first(where: { $0.hasPrefix("similarity_to_L") }),
                  let methods = st.metrics[key]?.object else { return nil }
            var series: [ChartSeries] = []
            for (index, (method, byLevel)) in methods.sorted(by: { $0.key < $1.key }).enumerated() {
                for (measure, dashed) in [("cosine", false), ("spearman", true)] {
                    let points = (byLevel.object ?? [:]).compactMap { key, value -> (x: Double, y: Double)? in
                        guard key.hasPrefix("L"), let level = Double(key.dropFirst()),
                              let y = value.object?[measure]?.number else { return nil }
                        return (level, y)
                    }.sorted { $0.x < $1.x }
                    if !points.isEmpty {
                        series.append(ChartSeries(name: dashed ? "\(method) (Spearman)" : method, points: points,
                                                  dashed: dashed, colorIndex: index))
                    }
                }
            }
            guard !series.isEmpty else { return nil }
            let reference = key.dropFirst("similarity_to_L".count)
            var chart = LineChart(title: "\(st.id): saliency similarity to \(reference) % pruned", xLabel: "pruned channels (%)",
                                  yLabel: "similarity (cosine solid, Spearman dashed)", series: series,
                                  width: Self.chartWidth, height: Self.chartHeight + 40)
            chart.alwaysShowsLegend = true
            return chart
        }
    }

    /// Band importance of one visualize stage: curves per method, level and class.
    struct Importance {
        var stage: String
        /// Method → level (sorted) → (overall curve, per class label → curve).
        var methods: [String: [(level: Double, overall: [Double], perClass: [Int: [Double]])]]

        /// The method drawn first: integrated gradients when present (its attributions add up to the
        /// score), else the first by name.
        var primary: String? {
            ["integrated-gradients", "gradient", "smoothgrad", "guided-backprop"].first { methods[$0] != nil } ?? methods.keys.sorted().first
        }
    }

    func importanceData() -> [Importance] {
        manifest.stages.filter { $0.kind == "visualize" }.compactMap { st in
            guard let methods = importance[st.id]?.object else { return nil }
            var out: [String: [(level: Double, overall: [Double], perClass: [Int: [Double]])]] = [:]
            for (method, byLevel) in methods {
                let levels = (byLevel.object ?? [:]).compactMap { key, value -> (level: Double, overall: [Double], perClass: [Int: [Double]])? in
                    guard key.hasPrefix("L"), let level = Double(key.dropFirst()), let record = value.object,
                          let overall = record["overall"]?.list?.compactMap(\.number), !overall.isEmpty else { return nil }
                    var perClass: [Int: [Double]] = [:]
                    for (label, curve) in record["per_class"]?.object ?? [:] {
                        if let k = Int(label), let values = curve.list?.compactMap(\.number), values.count == overall.count { perClass[k] = values }
                    }
                    return (level, overall, perClass)
                }.sorted { $0.level < $1.level }
                if !levels.isEmpty { out[method] = levels }
            }
            return out.isEmpty ? nil : Importance(stage: st.id, methods: out)
        }
    }

    /// Overall band importance of `method`, one line per level, each curve as a share of its total.
    func importanceChart(_ data: Importance, method: String) -> LineChart? {
        guard let levels = data.methods[method] else { return nil }
        let series = levels.enumerated().map { i, entry in
            ChartSeries(name: "\(ParamValue.format(entry.level)) % pruned", points: Self.shares(entry.overall), colorIndex: i)
        }.filter { !$0.isConstant }
        guard !series.isEmpty else { return nil }
        var chart = LineChart(title: "\(data.stage): band importance (\(method))", xLabel: "band index (after band selection)",
                              yLabel: "share of |attribution| (%)", series: series, width: Self.chartWidth, height: Self.chartHeight)
        chart.alwaysShowsLegend = true
        chart.showsPoints = false
        return chart
    }

    /// Band importance of `method` per class at one level, each class in its class-map colour.
    func importanceByClassChart(_ data: Importance, method: String, level: Double, classLabels: [String]) -> LineChart? {
        guard let entry = data.methods[method]?.first(where: { $0.level == level }), !entry.perClass.isEmpty else { return nil }
        let series = entry.perClass.keys.sorted().map { k in
            ChartSeries(name: k - 1 < classLabels.count ? classLabels[k - 1] : "class \(k)", points: Self.shares(entry.perClass[k] ?? []),
                        color: classColor(k))
        }.filter { !$0.isConstant }
        guard !series.isEmpty else { return nil }
        var chart = LineChart(title: "\(data.stage): band importance per class at \(ParamValue.format(level)) % pruned (\(method))",
                              xLabel: "band index (after band selection)", yLabel: "share of |attribution| (%)", series: series,
                              width: Self.chartWidth, height: Self.chartHeight + 60)
        chart.alwaysShowsLegend = true
        chart.showsPoints = false
        return chart
    }

    // MARK: - Per class

    /// Class names by renumbered class (index 0 is class 1): the load stage's `class_names` with
    /// the original labels from its `classes` parameter ("2 Corn-notill"), else "class <original>".
    func classLabels() -> [String] {
        guard let load = manifest.stages.first(where: { $0.kind == "load" }) else { return [] }
        let names = load.metrics["class_names"]?.list?.compactMap(\.string) ?? []
        let original = load.params["classes"]?.list?.compactMap(\.int) ?? []
        // A manifest is data from anyone: `classes: 1e12` must not make a trillion labels.
        let count = min(max(names.count, original.count, load.metrics["classes"]?.int ?? 0), ManifestDiff.largeValueLeaves)
        return (0..<count).map { i in
            let label = i < original.count ? original[i] : i + 1
            return i < names.count ? "\(label) \(names[i])" : "class \(label)"
        }
    }

    /// Per-class accuracy of every train stage, bars grouped by class.
    /// Every train stage's confusion matrix, rows and columns named by class.
    func confusionCharts(classLabels: [String]) -> [Heatmap] {
        manifest.stages.filter { $0.kind == "train" }.compactMap { stage in
            stage.metrics["confusion"]?.list.flatMap(MetricsRenderer.matrix)
                .map { MetricsRenderer.confusion("\(stage.id): confusion", $0, labels: classLabels) }
        }
    }

    func perClassAccuracyChart() -> BarChart? {
        let trains = manifest.stages.filter { st in
            st.kind == "train" && st.metrics["per_class_accuracy"].map { $0.list != nil && MetricsRenderer.tooLarge($0) == nil } ?? false
        }
        guard !trains.isEmpty else { return nil }
        let series = trains.map { BarChart.Series(name: $0.id, values: $0.metrics["per_class_accuracy"]?.list?.compactMap(\.number) ?? []) }
        let count = series.map(\.values.count).max() ?? 0
        guard count > 0 else { return nil }
        var labels = classLabels()
        if labels.count < count { labels += (labels.count..<count).map { "class \($0 + 1)" } }
        return BarChart(title: "Per-class accuracy (unpruned)", valueLabel: "accuracy (fraction of the class's test pixels)",
                        categories: Array(labels.prefix(count)), series: series, valueRange: 0...1, width: Self.chartWidth)
    }

    // MARK: - Helpers

    /// The matrix instance of a stage id: `prune[bands=pca]` → `[bands=pca]`; "" when it has none.
    static func instance(_ id: String) -> String {
        id.firstIndex(of: "[").map { String(id[$0...]) } ?? ""
    }

    /// " int8" when every model of a quantize stage has the same bit width, else " quantized".
    static func bitsSuffix(_ st: Manifest.StageEntry) -> String {
        let bits = Set(st.metrics["models"]?.list?.compactMap { $0.object?["bits"]?.int } ?? [])
        return bits.count == 1 ? bits.first.map { " int\($0)" } ?? "" : " quantized"
    }

    /// (level, y) from a list of records, taking `level` (else `percent`) as x; sorted by x.
    static func points(_ value: ParamValue?, y yKey: String) -> [(x: Double, y: Double)] {
        (value?.list ?? []).compactMap { item -> (x: Double, y: Double)? in
            guard let record = item.object, let x = (record["level"] ?? record["percent"])?.number,
                  let y = record[yKey]?.number else { return nil }
            return (x, y)
        }.sorted { $0.x < $1.x }
    }

    /// (x, y) of two record fields, in the order of the records' level (the path pruning takes).
    static func pairs(_ value: ParamValue?, x xKey: String, y yKey: String, xScale: Double) -> [(x: Double, y: Double)] {
        (value?.list ?? []).compactMap { item -> (level: Double, x: Double, y: Double)? in
            guard let record = item.object, let x = record[xKey]?.number, let y = record[yKey]?.number else { return nil }
            return ((record["level"] ?? record["percent"])?.number ?? 0, x * xScale, y)
        }.sorted { $0.level < $1.level }.map { ($0.x, $0.y) }
    }

    /// A curve over band indices (0-based) as percentages of its sum.
    static func shares(_ curve: [Double]) -> [(x: Double, y: Double)] {
        let total = curve.reduce(0) { $0 + abs($1) }
        return curve.enumerated().map { (Double($0.offset), total > 0 ? 100 * $0.element / total : 0) }
    }
}
