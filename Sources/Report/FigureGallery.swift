// FigureGallery: a stage's image outputs on the page — class maps with a legend naming the classes,
// error maps with theirs, and colour-mapped images (saliency grids, activation maps) in ONE colormap
// (the stage's `colormap` metric, else the copy named jet, else the first), each with a colour bar.
import Attribution
import Foundation
import PipelineModel

/// The images of one stage, grouped and labelled.
struct FigureGallery {
    let stage: Manifest.StageEntry
    /// Output sha256 → figure path relative to the report.
    let figures: [String: String]
    let classLabels: [String]

    /// What an image output shows, read from its name.
    enum Kind: Equatable {
        case classMap
        case errorMap
        /// Colour-mapped by `colormap` (nil when the name does not say and the stage records none).
        case mapped(Colormap?)
    }

    var images: [Manifest.Output] {
        stage.outputs.filter { $0.path.lowercased().hasSuffix(".png") || $0.name.lowercased().hasSuffix(".png") }
    }

    /// The colormap named in an output name (`gradient-jet-class1.png` → jet), if any.
    static func colormapInName(_ name: String) -> Colormap? {
        let stem = name.lowercased().hasSuffix(".png") ? String(name.dropLast(4)) : name
        return stem.split(separator: "-").compactMap { Colormap(rawValue: String($0)) }.first
    }

    static func kind(of name: String, stageColormap: Colormap?) -> Kind {
        let lower = name.lowercased()
        if lower.contains("classmap") || lower.contains("class-map") {
            return lower.contains("error") ? .errorMap : .classMap
        }
        return .mapped(colormapInName(name) ?? stageColormap)
    }

    /// The colormap whose copies are shown: the stage's `colormap` metric, else jet when some image
    /// is named with it, else the first named; nil when no image names one.
    var shownColormap: Colormap? {
        if let recorded = stage.metrics["colormap"]?.string.flatMap(Colormap.init(rawValue:)) { return recorded }
        let named = Set(images.compactMap { Self.colormapInName($0.name) })
        if named.contains(.jet) { return .jet }
        return Colormap.allCases.first { named.contains($0) }
    }

    /// The images to show: every class and error map, and of the colour-mapped ones only the copies
    /// in `shownColormap` (or those that name no colormap).
    var shown: [(output: Manifest.Output, kind: Kind)] {
        let chosen = shownColormap
        let recorded = stage.metrics["colormap"]?.string.flatMap(Colormap.init(rawValue:))
        return images.compactMap { image in
            let kind = Self.kind(of: image.name, stageColormap: recorded)
            if case .mapped(let map) = kind, let map, let chosen, map != chosen { return nil }
            return (image, kind)
        }
    }

    func html() -> String {
        let items = shown.filter { figures[$0.output.sha256] != nil }
        guard !items.isEmpty else { return "" }
        let maps = items.filter { $0.kind == .classMap || $0.kind == .errorMap }
        let mapped = items.filter { if case .mapped = $0.kind { return true } else { return false } }
        var html = ""
        if !maps.isEmpty {
            html += "<div class=\"classmaps\">" + maps.map { figure($0.output) }.joined() + "</div>"
            if maps.contains(where: { $0.kind == .classMap }) { html += SwatchLegend.classes(classLabels).html() }
            if maps.contains(where: { $0.kind == .errorMap }) { html += SwatchLegend.errors.html() }
        }
        if !mapped.isEmpty {
            var note = "Each map is scaled on its own, from its 1st (low) to its 99th (high) percentile."
            if let hidden = hiddenCopies, hidden > 0, let chosen = shownColormap {
                note += " Shown in \(chosen.rawValue); \(hidden) copies in other colormaps are in the cache and in <code>hsiflow export</code>."
            }
            html += "<p class=\"note\">\(note)</p>"
            // Group by what precedes the colormap or level in the name (the method), folded.
            var groups: [(String, [(output: Manifest.Output, kind: Kind)])] = []
            for item in mapped {
                let group = Self.group(of: item.output.name)
                if let i = groups.firstIndex(where: { $0.0 == group }) { groups[i].1.append(item) } else { groups.append((group, [item])) }
            }
            // Saliency methods first; activation maps and maximizations (not attributions) after.
            let later = ["activations", "maximization"]
            groups = groups.filter { !later.contains($0.0) } + groups.filter { later.contains($0.0) }
            for (index, (group, members)) in groups.enumerated() {
                html += "<details class=\"images\"><summary>\(escapeHTML(group)) (\(members.count) image\(members.count == 1 ? "" : "s"))</summary><div class=\"gallery\">"
                for (n, member) in members.enumerated() {
                    if case .mapped(let map) = member.kind {
                        html += figure(member.output, colorBar: map.map { ColorBar(colormap: $0, high: "high", low: "low", id: "\(Self.anchor(stage.id))-\(index)-\(n)") })
                    }
                }
                html += "</div></details>"
            }
        }
        return html
    }

    /// Colour-mapped images left out because they repeat a shown one in another colormap.
    var hiddenCopies: Int? {
        let all = images.filter { if case .mapped = Self.kind(of: $0.name, stageColormap: nil) { return true } else { return false } }.count
        let kept = shown.filter { if case .mapped = $0.kind { return true } else { return false } }.count
        return all - kept
    }

    func figure(_ output: Manifest.Output, colorBar: ColorBar? = nil) -> String {
        guard let src = figures[output.sha256] else { return "" }
        let image = "<img src=\"\(escapeHTML(src))\" alt=\"\(escapeHTML(caption(output.name)))\"/>"
        if let colorBar {
            return "<figure class=\"mapped\"><div class=\"row\">\(image)\(colorBar.svg())</div><figcaption>\(escapeHTML(caption(output.name)))</figcaption></figure>"
        }
        return "<figure>\(image)<figcaption>\(escapeHTML(caption(output.name)))</figcaption></figure>"
    }

    /// A caption naming the class of `…-class<k>.png` ("gradient-jet-class2.png · 3 Corn-mintill").
    func caption(_ name: String) -> String {
        guard let range = name.range(of: "class", options: .backwards),
              let k = Int(name[range.upperBound...].prefix { $0.isNumber }), k >= 1, k <= classLabels.count else { return name }
        return "\(name) · \(classLabels[k - 1])"
    }

    /// The name up to its colormap, level or class part: `gradient-jet-class1.png` → gradient,
    /// `activations-L40-jet.png` → activations.
    static func group(of name: String) -> String {
        let stem = name.lowercased().hasSuffix(".png") ? String(name.dropLast(4)) : name
        var parts: [Substring] = []
        for part in stem.split(separator: "-") {
            if Colormap(rawValue: String(part)) != nil || part.hasPrefix("class") || (part.first == "L" && part.dropFirst().allSatisfy { $0.isNumber || $0 == "." }) { break }
            parts.append(part)
        }
        return parts.isEmpty ? stem : parts.joined(separator: "-")
    }

    static func anchor(_ id: String) -> String { ReportPage.anchor(id) }
}
