import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PipelineModel
import Testing
import TestSupport
@testable import Report

/// A study as the Indian Pines experiment makes it, small: three band selections × prune levels ×
/// int8, a visualize stage per selection (similarity, importance, class maps, saliency in two colormaps).
enum StudyManifest {
    static let variants = ["none", "pca", "nmf"]
    static let levels = [0, 20, 40, 60]
    static let methods = ["gradient", "integrated-gradients"]

    static func sha(_ text: String) -> String {
        // A stable 64-hex stand-in derived from the text (the report only uses it as a key).
        var h: UInt64 = 1469598103934665603
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return (0..<4).map { i in String(format: "%016llx", h &+ UInt64(i) &* 0x9E3779B97F4A7C15) }.joined()
    }

    static func output(_ stage: String, _ name: String) -> Manifest.Output {
        let hash = sha(stage + "/" + name)
        return Manifest.Output(name: name, path: "objects/\(hash.prefix(2))/\(hash.dropFirst(2))", sha256: hash, bytes: 100)
    }

    static func stage(_ id: String, _ kind: String, needs: [String] = [], params: [String: ParamValue] = [:],
                      metrics: [String: ParamValue] = [:], outputs: [String] = []) -> Manifest.StageEntry {
        Manifest.StageEntry(id: id, kind: kind, version: 1, key: sha("key " + id), status: .ran, reason: "new stage",
                            params: params, needs: needs, inputs: [], files: [], outputs: outputs.map { output(id, $0) },
                            metrics: metrics, seconds: 2)
    }

    static func manifest() -> Manifest {
        typealias P = ParamValue
        var stages = [stage("scene", "load", params: ["classes": .list([2, 3, 5].map { .int($0) })],
                            metrics: ["classes": 3, "class_names": .list(["Corn-notill", "Corn-mintill", "Grass-pasture"].map { .string($0) }),
                                      "test_per_class": [40, 30, 20], "shape": [20, 20, 12]])]
        for (v, variant) in variants.enumerated() {
            let base = 0.95 - Double(v) * 0.02
            stages.append(stage("reduce[bands=\(variant)]", "band-select", needs: ["scene"], metrics: ["outputBands": 8]))
            stages.append(stage("train[bands=\(variant)]", "train", needs: ["reduce[bands=\(variant)]"],
                                metrics: ["oa": .double(base), "kappa": .double(base - 0.03), "aa": .double(base - 0.01),
                                          "per_class_accuracy": .list([base, base - 0.1, 1].map { .double($0) }),
                                          "confusion": [[36, 4, 0], [2, 27, 1], [0, 0, 20]],
                                          "loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 0.8, 0.9]],
                                outputs: ["classmap.png", "model"]))
            let records: [P] = levels.map { level in
                let oa = base - Double(level * level) / 40000
                return .object(["level": .int(level), "achieved_level": .int(level), "oa": .double(oa), "kappa": .double(oa - 0.03),
                                "aa": .double(oa - 0.01), "shortfall": 0, "flops": .int(6_000_000 - level * 50_000),
                                "parameters": .int(870_000 - level * 8_000), "latency_us": .double(30 - Double(level) / 4),
                                "channels_conv1": .int(300 - level * 3), "removed_channels": ["conv1": [1, 2]]])
            }
            stages.append(stage("prune[bands=\(variant)]", "prune", needs: ["train[bands=\(variant)]"], metrics: ["levels": .list(records)],
                                outputs: levels.map { "model-\($0)" }))
            let models: [P] = levels.map { level in
                let oa = base - Double(level * level) / 40000
                return .object(["level": .int(level), "model": .string("model-\(level)"), "bits": 8, "oa": .double(oa - 0.001),
                                "float_oa": .double(oa), "kappa": .double(oa - 0.031), "size_ratio": 0.25,
                                "latency_us": .double(29 - Double(level) / 4), "max_error_in_scales": 0.5])
            }
            stages.append(stage("quantize[bands=\(variant)]", "quantize", needs: ["prune[bands=\(variant)]"], metrics: ["models": .list(models)],
                                outputs: levels.map { "quantized-\($0)" }))
            var similarity: [String: P] = [:]
            for (m, method) in methods.enumerated() {
                similarity[method] = .object(Dictionary(uniqueKeysWithValues: levels.map { level in
                    ("L\(level)", P.object(["cosine": .double(1 - Double(level) / 200 - Double(m) / 50),
                                            "spearman": .double(1 - Double(level) / 100 - Double(m) / 50)]))
                }))
                similarity[method] = similarity[method].map { value in
                    var o = value.object ?? [:]
                    o["L0"] = .object(["cosine": 1, "spearman": 1])
                    return .object(o)
                }
            }
            stages.append(stage("explain[bands=\(variant)]", "visualize", needs: ["prune[bands=\(variant)]"],
                                metrics: ["similarity_to_L0": .object(similarity), "levels": .list([0, 40].map { .int($0) }), "pixels_explained": 6],
                                outputs: ["classmap-predicted.png", "classmap-truth.png", "classmap-errors.png", "importance.json"]
                                    + methods.flatMap { m in ["gray", "jet"].flatMap { c in (1...3).map { "\(m)-\(c)-class\($0).png" } } }
                                    + ["activations-L0-gray.png", "activations-L0-jet.png"]))
        }
        return Manifest(runID: "20261130T120000Z-1", startedAt: "2026-11-30T12:00:00Z", tool: .init(name: "hsiflow", version: "0.1.0"),
                        host: .init(name: "test-host", os: "Linux", cores: 2),
                        experiment: .init(name: "study", path: "experiments/study.yaml", sha256: String(repeating: "0", count: 64),
                                          params: .object(["report": .object(["title": .string("A small study")])])),
                        stages: stages, summary: .init(ran: stages.count - 1, cached: 0, failed: 0, skipped: 0, carried: 1, seconds: 60))
    }

    /// importance.json of each visualize stage: per method and level, an overall curve and one per class.
    static func importance() -> [String: ParamValue] {
        var out: [String: ParamValue] = [:]
        for variant in variants {
            var methodsValue: [String: ParamValue] = [:]
            for method in methods {
                var byLevel: [String: ParamValue] = [:]
                for level in [0, 40] {
                    let curve = { (shift: Int) -> ParamValue in .list((0..<8).map { b in .double(1 + Double((b + shift + level / 20) % 5)) }) }
                    byLevel["L\(level)"] = .object(["overall": curve(0), "per_class": .object(["1": curve(1), "2": curve(2), "3": curve(3)])])
                }
                methodsValue[method] = .object(byLevel)
            }
            out["explain[bands=\(variant)]"] = .object(methodsValue)
        }
        return out
    }

    /// Every PNG output mapped to a figure path, as the writer would.
    static func figures(_ manifest: Manifest, ext: String = "png") -> [String: String] {
        var figures: [String: String] = [:]
        for st in manifest.stages {
            for o in st.outputs where o.name.hasSuffix(".png") {
                figures[o.sha256] = "figures/\(ReportPage.anchor(st.id))/\(o.name.dropLast(4)).\(ext)"
            }
        }
        return figures
    }

    static func page(figureExtension: String = "png") -> String {
        let manifest = manifest()
        return ReportPage(manifest: manifest, figures: figures(manifest, ext: figureExtension), importance: importance()).html()
    }
}

@Suite struct StudySectionTests {
    static let page = StudyManifest.page()

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// The markup of the Study section.
    static var study: String {
        guard let start = page.range(of: "<section id=\"study\">"), let end = page[start.upperBound...].range(of: "</section>") else { return "" }
        return String(page[start.lowerBound..<end.upperBound])
    }

    /// Every `<svg>…</svg>` in `text`.
    static func svgs(_ text: String) -> [String] {
        text.components(separatedBy: "<svg ").dropFirst().map { "<svg " + ($0.components(separatedBy: "</svg>").first ?? "") }
    }

    @Test func matchesTheSnapshot() {
        if let mismatch = snapshotMismatch(Self.page, named: "study-report.html") { Issue.record(Comment(rawValue: mismatch)) }
    }

    @Test func isWellFormedAndScriptFree() {
        let parser = XMLParser(data: Data(Self.page.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(!Self.page.contains("<script"))
        #expect(!Self.page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"))
    }

    @Test func studyHoldsOverlaidAccuracyCurvesSimilarityAndBandImportance() {
        let study = Self.study
        let svgs = Self.svgs(study)
        let accuracy = svgs.first { $0.contains("aria-label=\"Overall accuracy against pruning\"") } ?? ""
        #expect(Self.count("<polyline", in: accuracy) == 6)
        #expect(Self.count("stroke-dasharray=\"6 4\"", in: accuracy) == 3)
        for variant in StudyManifest.variants {
            #expect(accuracy.contains(">prune[bands=\(variant)]</text>") && accuracy.contains(">quantize[bands=\(variant)] int8</text>"))
        }
        #expect(svgs.contains { $0.contains("aria-label=\"Cohen&#39;s kappa against pruning\"") })
        let similarity = svgs.filter { $0.contains("saliency similarity to 0 % pruned") }
        #expect(similarity.count == 3)
        #expect(similarity.allSatisfy { $0.contains(">gradient (Spearman)</text>") && Self.count("<polyline", in: $0) == 4 })
        let importance = svgs.filter { $0.contains("band importance (integrated-gradients)") }
        #expect(importance.count == 3)
        #expect(svgs.contains { $0.contains("band importance per class at 40 % pruned") && $0.contains(">2 Corn-notill</text>") })
        for title in ["Accuracy against FLOPs", "Accuracy against parameters", "Accuracy against latency"] {
            #expect(svgs.contains { $0.contains("aria-label=\"\(title)\"") }, "\(title)")
        }
        // Study comes first, and its parts are linked from the table of contents.
        #expect(Self.page.range(of: "<section id=\"study\">")?.lowerBound == Self.page.range(of: "<section")?.lowerBound)
        for part in ["study-accuracy", "study-saliency", "study-cost", "study-bands", "study-maps", "study-classes"] {
            #expect(Self.page.contains("href=\"#\(part)\"") && study.contains("id=\"\(part)\""), "\(part)")
        }
    }

    @Test func noChartDrawsOnlyConstantSeries() {
        for svg in Self.svgs(Self.page) where svg.contains("<polyline") {
            let lines = svg.components(separatedBy: "<polyline points=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
            let flat = lines.allSatisfy { line in Set(line.split(separator: " ").map { $0.split(separator: ",").last ?? "" }).count == 1 }
            #expect(!flat, "a chart of constant series: \(svg.prefix(300))")
        }
        for constant in ["shortfall", "bits", "achieved_level", "size_ratio"] {
            #expect(!Self.page.contains("aria-label=\"levels: \(constant)\"") && !Self.page.contains("aria-label=\"models: \(constant)\""), "\(constant)")
        }
    }

    @Test func everyTableSitsInAScrollingContainerNoWiderThanThePage() {
        let page = Self.page
        let tables = Self.count("<table", in: page)
        #expect(tables > 10)
        let wrapped = Self.count("<div class=\"scroll\"><table", in: page) + Self.count("<div class=\"scroll long\"><table", in: page)
        #expect(wrapped == tables)
        #expect(page.contains(".scroll{overflow-x:auto;max-width:100%}"))
        #expect(page.contains("svg{max-width:100%;height:auto}"))
    }

    @Test func keyColumnsComeFirstInPerLevelTables() {
        let page = Self.page
        #expect(page.contains("<thead><tr><th>level</th><th>oa</th><th>kappa</th><th>aa</th><th>parameters</th><th>flops</th><th>latency_us</th>"))
        #expect(page.contains("<thead><tr><th>level</th><th>model</th><th>bits</th><th>oa</th><th>float_oa</th><th>kappa</th>"))
    }

    @Test func classMapsSitSideBySideWithALegendOfOriginalLabelsAndNames() {
        let study = Self.study
        #expect(study.contains("<div class=\"classmaps\"><figure><img src=\"figures/explain_bands_none_/classmap-truth.png\""))
        #expect(Self.count("classmap-predicted.png\"", in: study) == 3)
        #expect(Self.count("classmap-errors.png\"", in: study) == 3)
        #expect(study.contains("<span class=\"swatch\" style=\"background:#e6194b\"></span>2 Corn-notill</li>"))
        #expect(study.contains("5 Grass-pasture"))
        #expect(study.contains(">misclassified</li>"))
    }

    @Test func confusionMatricesAndPerClassAccuracyNameTheClasses() {
        let svgs = Self.svgs(Self.study)
        let confusion = svgs.first { $0.contains("train[bands=pca]: confusion") } ?? ""
        #expect(confusion.contains(">3 Corn-mintill</text>"))
        #expect(confusion.contains("3 Corn-mintill → 2: 2"))
        let bars = svgs.first { $0.contains("aria-label=\"Per-class accuracy (unpruned)\"") } ?? ""
        #expect(Self.count("<rect", in: bars) >= 9 + 3)
        let detail = Self.svgs(Self.page).filter { $0.contains("aria-label=\"per_class_accuracy\"") || $0.contains("aria-label=\"test_per_class\"") }
        #expect(detail.count == 4)
        #expect(detail.allSatisfy { !$0.contains("<polyline") && $0.contains(">2 Corn-notill</text>") })
        #expect(!Self.page.contains("xLabel=\"index\"") && !Self.page.contains(">index</text>"))
    }

    @Test func colourMappedImagesShowOneColormapEachWithAColourBar() {
        let page = Self.page
        // The gray copies stay in the outputs table, but no image shows them.
        #expect(!page.contains("gray-class1.png\"") && !page.contains("activations-L0-gray.png\""))
        #expect(page.contains("<td>gradient-gray-class1.png</td>"))
        #expect(Self.count("gradient-jet-class1.png\"", in: page) == 3)
        let mapped = Self.count("<figure class=\"mapped\">", in: page)
        #expect(mapped == 3 * (2 * 3 + 1))
        #expect(Self.count("aria-label=\"colour bar: jet, low to high\"", in: page) == mapped)
        #expect(page.contains("gradient-jet-class2.png · 3 Corn-mintill"))
    }

    @Test func aRecordedColormapWins() {
        var manifest = StudyManifest.manifest()
        let i = manifest.stages.firstIndex { $0.id == "explain[bands=pca]" }!
        manifest.stages[i].metrics["colormap"] = "viridis"
        manifest.stages[i].outputs = [StudyManifest.output("explain[bands=pca]", "gradient-class1.png")]
        let gallery = FigureGallery(stage: manifest.stages[i], figures: StudyManifest.figures(manifest), classLabels: ["2 Corn-notill"])
        #expect(gallery.shownColormap == .viridis)
        #expect(gallery.html().contains("aria-label=\"colour bar: viridis, low to high\""))
        #expect(gallery.html().contains("gradient-class1.png · 2 Corn-notill"))
    }

    @Test func summaryCountsCarriedStages() {
        var manifest = StudyManifest.manifest()
        manifest.stages[0].carriedFrom = "20261129T100000Z-7"
        let page = ReportPage(manifest: manifest).html()
        #expect(page.contains("1 carried from earlier runs"))
        #expect(page.contains("scene (run 20261129T100000Z-7)"))
    }

    @Test func classLabelsFallBackToOriginalLabelsWithoutNames() {
        var manifest = StudyManifest.manifest()
        manifest.stages[0].metrics["class_names"] = nil
        #expect(StudyFigures(manifest: manifest).classLabels() == ["class 2", "class 3", "class 5"])
        #expect(StudyFigures(manifest: StudyManifest.manifest()).classLabels() == ["2 Corn-notill", "3 Corn-mintill", "5 Grass-pasture"])
    }
}
