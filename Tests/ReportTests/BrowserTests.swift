// Opens a report in a real browser (headless Chromium) and takes a screenshot: the page must
// render without console errors, and a study report must not scroll sideways at 1280 px (measured
// in a test copy of the page with an inline script; the shipped page has none). Skipped, saying
// so, where Chromium is not installed.
import Foundation
import PipelineModel
import Testing
import TestSupport
@testable import Report

enum Browser {
    static let executable: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}

@Suite(.enabled(if: Browser.executable != nil, "Chromium is not installed (apt-get install chromium): browser test skipped"))
struct BrowserTests {
    @Test func reportRendersInHeadlessChromiumWithoutConsoleErrors() throws {
        let dir = try makeTemporaryDirectory("hsiflow-browser")
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html")
        try Data(ReportPageTests.page.utf8).write(to: page)
        let screenshot = dir.appendingPathComponent("shot.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Browser.executable))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                             "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                             "--screenshot=\(screenshot.path)", "--window-size=1200,1600", page.absoluteString]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "chromium exited \(process.terminationStatus): \(log.suffix(500))")
        let consoleErrors = log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(consoleErrors.isEmpty, "\(consoleErrors)")
        let png = try #require(FileManager.default.contents(atPath: screenshot.path))
        #expect(png.count > 10_000, "the screenshot should show a rendered page")
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
    }

    /// Runs Chromium headless on `page` with `arguments`; returns (exit status, stdout, stderr).
    static func chromium(_ page: URL, in dir: URL, _ arguments: [String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Browser.executable))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--user-data-dir=\(dir.appendingPathComponent("profile").path)"] + arguments + [page.absoluteString]
        // Both streams go to files, so neither pipe can fill while the other is drained.
        let outURL = dir.appendingPathComponent("chromium.out"), errURL = dir.appendingPathComponent("chromium.err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outURL), errors = try FileHandle(forWritingTo: errURL)
        defer { try? output.close(); try? errors.close() }
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let out = FileManager.default.contents(atPath: outURL.path) ?? Data()
        let log = FileManager.default.contents(atPath: errURL.path) ?? Data()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: log, as: UTF8.self))
    }

    @Test func studyReportHasNoHorizontalOverflowAt1280Pixels() throws {
        let dir = try makeTemporaryDirectory("hsiflow-browser-width")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Wide stand-in figures (SVG files, so no PNG encoder is needed): a 900×450 saliency grid
        // and a 580×580 class map, the sizes the Indian Pines run writes.
        let manifest = StudyManifest.manifest()
        let figures = StudyManifest.figures(manifest, ext: "svg")
        for (sha, path) in figures {
            let name = manifest.stages.flatMap(\.outputs).first { $0.sha256 == sha }?.name ?? ""
            let (w, h) = name.contains("classmap") ? (580, 580) : (900, 450)
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\"><rect width=\"\(w)\" height=\"\(h)\" fill=\"#48c\"/></svg>".utf8).write(to: url)
        }
        // With a comparison whose values are long unbroken strings: the --compare section must fit too.
        var older = manifest
        older.stages[1].params["components"] = .string(String(repeating: "very-long-parameter-value-", count: 12))
        older.stages[2].metrics["oa"] = .double(0.5)
        let comparison = ManifestDiff(old: older, oldPath: "results/" + String(repeating: "deeply/nested/", count: 10) + "manifest.json",
                                      new: manifest, newPath: "results/study/manifest.json")
        let shipped = ReportPage(manifest: manifest, figures: figures, comparison: comparison, importance: StudyManifest.importance()).html()
        #expect(shipped.contains("<h2>Comparison</h2>"))
        #expect(!shipped.contains("<script"))
        // The test copy: every <details> opened (folded content must fit too) and a script that
        // writes the page's scroll width into the DOM once everything has loaded.
        let probe = "<script>window.addEventListener('load',function(){var p=document.createElement('p');p.id='measured';"
            + "p.textContent='scrollWidth='+document.documentElement.scrollWidth+' clientWidth='+document.documentElement.clientWidth;"
            + "document.body.appendChild(p);});</script>"
        let copy = shipped.replacingOccurrences(of: "<details", with: "<details open=\"open\"")
            .replacingOccurrences(of: "open=\"open\" open=\"open\"", with: "open=\"open\"")
            .replacingOccurrences(of: "</body>", with: probe + "</body>")
        let page = dir.appendingPathComponent("report-test-copy.html")
        try Data(copy.utf8).write(to: page)
        let (status, dom, log) = try Self.chromium(page, in: dir, ["--window-size=1280,900", "--virtual-time-budget=5000", "--dump-dom"])
        #expect(status == 0, "chromium exited \(status): \(log.suffix(500))")
        let measured = try #require(dom.range(of: "<p id=\"measured\">").map { String(dom[$0.upperBound...].prefix { $0 != "<" }) },
                                    "the probe wrote nothing: \(log.suffix(500))")
        let numbers = measured.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let (scrollWidth, clientWidth) = (numbers.first ?? .max, numbers.last ?? 0)
        #expect(clientWidth > 1000 && clientWidth <= 1280, "\(measured)")
        #expect(scrollWidth <= clientWidth, "the page scrolls sideways at 1280 px: \(measured)")
    }
}
