// HTMLInjectionTests: a manifest is data from anyone. Every field the report prints carries a
// payload that closes an attribute with `"` + U+0338 (one Swift Character, but a quote to the
// browser) and opens a tag with `<` + a combining mark; the page must print every payload
// escaped, parse as XML with no attribute or element but its own, and hold no raw quote or
// angle bracket followed by a combining mark.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PipelineModel
import Testing
import TestSupport
@testable import Report

/// The payload for one field, tagged with the field's name so each can be found in the page.
private func payload(_ field: String) -> String {
    "\"\u{338} onmouseover=alert('\(field)') x=\"\u{301}<\u{338}script>\(field)'\u{338}&\u{301}"
}

/// How the payload reads once escaped (what the page must contain for every printed field).
private func escaped(_ field: String) -> String {
    "&quot;\u{338} onmouseover=alert(&#39;\(field)&#39;) x=&quot;\u{301}&lt;\u{338}script&gt;\(field)&#39;\u{338}&amp;\u{301}"
}

/// How the payload reads as a JSON string (parameter values are shown as JSON) once escaped.
private func escapedJSON(_ field: String) -> String {
    "&quot;\\&quot;\u{338} onmouseover=alert(&#39;\(field)&#39;) x=\\&quot;\u{301}&lt;\u{338}script&gt;\(field)&#39;\u{338}&amp;\u{301}&quot;"
}

/// Collects element and attribute names as an XML parser sees them.
private final class MarkupCollector: NSObject, XMLParserDelegate {
    var elements = Set<String>()
    var attributes = Set<String>()

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.insert(elementName)
        self.attributes.formUnion(attributes.keys)
    }
}

@Suite struct HTMLInjectionTests {
    /// A manifest whose every printed string is a payload.
    static func hostileManifest() -> Manifest {
        typealias P = ParamValue
        let load = Manifest.StageEntry(
            id: payload("load-id"), kind: "load", version: 1, key: String(repeating: "ab", count: 32), status: .ran,
            reason: payload("reason"), params: [payload("param-key"): .string(payload("param-value")), "classes": .list([.int(2), .int(3)])],
            needs: [], inputs: [], files: [], outputs: [],
            metrics: ["class_names": .list([.string(payload("class-name")), .string("plain")]), "classes": .int(2),
                      payload("metric-name"): .double(0.5)],
            seconds: 1)
        let train = Manifest.StageEntry(
            id: payload("train-id"), kind: "train", version: 1, key: String(repeating: "cd", count: 32), status: .failed,
            reason: "new stage", params: [:], needs: [payload("load-id")], inputs: [], files: [],
            outputs: [Manifest.Output(name: payload("output-name"), path: "../../../../etc/hostname", sha256: String(repeating: "e", count: 64), bytes: 10)],
            metrics: ["oa": .double(0.9), "confusion": .list([.list([.int(3), .int(1)]), .list([.int(0), .int(4)])]),
                      "per_class_accuracy": .list([.double(0.75), .double(1)]),
                      payload("curve-name"): .list([.double(1), .double(0.5), .double(0.25), .double(0.2), .double(0.1)]),
                      "levels": .list([.object([payload("record-key"): .int(1), "oa": .double(0.5)]),
                                       .object([payload("record-key"): .int(2), "oa": .double(0.6)])])],
            seconds: 2, error: payload("error"))
        let unknown = Manifest.StageEntry(
            id: "plain", kind: payload("kind"), version: 1, key: String(repeating: "ef", count: 32), status: .cached,
            reason: "reused", params: [:], needs: [], inputs: [], files: [], outputs: [], metrics: [:], seconds: 0)
        return Manifest(runID: payload("run-id"), startedAt: payload("started-at"),
                        tool: .init(name: payload("tool-name"), version: payload("tool-version")),
                        host: .init(name: payload("host-name"), os: payload("host-os"), cores: 2),
                        experiment: .init(name: payload("experiment-name"), path: payload("experiment-path"), sha256: String(repeating: "0", count: 64),
                                          params: .object(["seed": .int(1), "report": .object(["title": .string(payload("title"))])])),
                        stages: [load, train, unknown], summary: .init(ran: 1, cached: 1, failed: 1, skipped: 0, seconds: 3))
    }

    static let fields = ["load-id", "train-id", "reason", "param-key", "class-name", "metric-name",
                         "output-name", "curve-name", "record-key", "error", "kind", "run-id", "started-at", "tool-name",
                         "tool-version", "host-name", "host-os", "title", "experiment-name", "experiment-path"]

    static let page: String = {
        var newer = hostileManifest()
        newer.stages[1].metrics[payload("diff-metric")] = .double(2)
        newer.stages[0].params[payload("param-key")] = .string(payload("changed-param"))
        let diff = ManifestDiff(old: hostileManifest(), oldPath: payload("old-path"), new: newer, newPath: payload("new-path"))
        return ReportPage(manifest: newer, figures: [String(repeating: "e", count: 64): "figures/x/y.png"], comparison: diff).html()
    }()

    @Test func everyFieldIsPrintedEscaped() {
        let fields = Self.fields + ["diff-metric", "old-path", "new-path"]
        #expect(fields.filter { !Self.page.contains(escaped($0)) } == [])
        #expect(["param-value", "changed-param"].filter { !Self.page.contains(escapedJSON($0)) } == [])
    }

    @Test func noQuoteOrBracketIsFollowedByACombiningMark() {
        let scalars = Array(Self.page.unicodeScalars)
        for (a, b) in zip(scalars, scalars.dropFirst()) where "\"'<>&".unicodeScalars.contains(a) {
            #expect(![.nonspacingMark, .enclosingMark, .spacingMark].contains(b.properties.generalCategory),
                    "raw \(a) followed by U+\(String(b.value, radix: 16, uppercase: true))")
        }
    }

    @Test func theParserSeesOnlyTheReportsOwnMarkup() {
        let parser = XMLParser(data: Data(Self.page.utf8))
        let collector = MarkupCollector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(!collector.attributes.contains { $0.lowercased().hasPrefix("on") }, "\(collector.attributes.sorted())")
        #expect(collector.elements.contains("svg") && collector.elements.contains("details"))
        #expect(!collector.elements.contains("script"))
    }

    @Test func escapingWorksOnScalarsNotCharacters() {
        #expect(escapeHTML("\"\u{338}") == "&quot;\u{338}")
        #expect(escapeHTML("<\u{20DD}>") == "&lt;\u{20DD}&gt;")
        #expect(escapeHTML("a\u{0}b\u{1B}[31m") == "a\u{FFFD}b\u{FFFD}[31m")
        #expect(escapeHTML("tab\tline\n") == "tab\tline\n")
        #expect(ReportPage.anchor("x\"\u{338}y") == "x__y")
        #expect(ReportPage.anchor("\u{D4E}\"") == "\u{D4E}_")
    }
}
