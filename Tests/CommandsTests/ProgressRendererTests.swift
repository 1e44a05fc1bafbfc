// ProgressRendererTests: the live progress block as snapshots (Snapshots/progress-*.txt) — one
// running stage, two in parallel, the run's ETA known from a previous run against unknown, a
// 40-column terminal — and the pieces: bars, clocks, the finished-stage line.
import Foundation
import PipelineModel
import Testing
import TestSupport
@testable import Commands

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

private func id(_ text: String) -> StageID { StageID(parsing: text) ?? StageID(name: text) }

/// The Indian Pines study a little way in: every reduce done, train stages running or waiting.
private func study(expected: Bool, parallel: Bool) -> RunProgress {
    let seconds: [String: Double] = ["train[bands=none]": 6.2, "train[bands=pca]": 4.3, "train[bands=nmf]": 4.4,
                                     "prune[bands=none]": 21.0, "prune[bands=pca]": 12.0, "prune[bands=nmf]": 12.0]
    var stages: [RunProgress.Stage] = [
        .init(id: id("scene"), kind: "load", phase: .finished(.cached, seconds: 0.1)),
        .init(id: id("reduce[bands=pca]"), kind: "band-select", needs: [id("scene")], phase: .finished(.ran, seconds: 0.2)),
        .init(id: id("reduce[bands=nmf]"), kind: "band-select", needs: [id("scene")], phase: .finished(.ran, seconds: 12.3)),
    ]
    for bands in ["pca", "nmf"] {
        stages.append(.init(id: id("train[bands=\(bands)]"), kind: "train", needs: [id("reduce[bands=\(bands)]")],
                            expected: expected ? seconds["train[bands=\(bands)]"] : nil))
        stages.append(.init(id: id("prune[bands=\(bands)]"), kind: "prune", needs: [id("train[bands=\(bands)]")],
                            expected: expected ? seconds["prune[bands=\(bands)]"] : nil))
    }
    var progress = RunProgress(stages: stages, jobs: 2, startedAt: t0)
    progress.start(id("train[bands=pca]"), at: t0.addingTimeInterval(13))
    progress.report(id("train[bands=pca]"), fraction: 0.33, message: "epoch 4/10 loss 0.0016 acc 1.000")
    if parallel {
        progress.start(id("train[bands=nmf]"), at: t0.addingTimeInterval(14.5))
        progress.report(id("train[bands=nmf]"), fraction: 0.12, message: "epoch 2/10 loss 0.4127 acc 0.871")
    }
    return progress
}

private func check(_ lines: [String], _ name: String) {
    if let m = snapshotMismatch(lines.joined(separator: "\n"), named: name) { Issue.record(Comment(rawValue: m)) }
}

@Suite struct ProgressRendererTests {
    @Test func oneRunningStageShowsItsBarElapsedTimeEtaAndMessage() {
        let lines = ProgressRenderer.lines(study(expected: false, parallel: false), now: t0.addingTimeInterval(15), width: 120)
        #expect(lines.count == 2)
        #expect(lines[1].contains("train[bands=pca]") && lines[1].contains(" 33%") && lines[1].contains("0:02")
                && lines[1].hasSuffix("epoch 4/10 loss 0.0016 acc 1.000"))
        check(lines, "progress-one-stage.txt")
    }

    @Test func twoParallelStagesGetALineEach() {
        let lines = ProgressRenderer.lines(study(expected: false, parallel: true), now: t0.addingTimeInterval(16), width: 120)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("Stages 3/7 done"))
        check(lines, "progress-two-stages.txt")
    }

    @Test func theRunEtaComesFromThePreviousRunWhenThereIsOne() {
        let now = t0.addingTimeInterval(16)
        let known = ProgressRenderer.lines(study(expected: true, parallel: true), now: now, width: 120)
        // train[pca] 3 s in of 4.3, 33% measured; train[nmf] 1.5 of 4.4; prunes 12 s each after them.
        #expect(known[0].contains("ETA 0:1") && !known[0].contains("~"))
        check(known, "progress-eta-previous-run.txt")
    }

    @Test func theRunEtaIsUnknownWhileAStageHasNothingToGoBy() {
        var progress = study(expected: false, parallel: false)
        progress.start(id("train[bands=nmf]"), at: t0.addingTimeInterval(14.5))
        progress.report(id("train[bands=nmf]"), fraction: nil, message: "reading the cube")
        // Without a previous run, a train stage with no fraction yet takes what train[pca] projects.
        let lines = ProgressRenderer.lines(progress, now: t0.addingTimeInterval(16), width: 120)
        #expect(lines[2].contains("  --  "))
        var unknown = RunProgress(stages: [.init(id: id("reduce[bands=nmf]"), kind: "band-select")], jobs: 1, startedAt: t0)
        unknown.start(id("reduce[bands=nmf]"), at: t0)
        unknown.report(id("reduce[bands=nmf]"), fraction: nil, message: "fitting nmf on 10249 pixels")
        let none = ProgressRenderer.lines(unknown, now: t0.addingTimeInterval(3), width: 120)
        #expect(none[0].hasSuffix("ETA ?") && none[1].contains("ETA ?"))
        check(lines + [""] + none, "progress-eta-unknown.txt")
    }

    @Test func aNarrowTerminalDropsTheBarsAndCutsEveryLineShort() {
        let lines = ProgressRenderer.lines(study(expected: true, parallel: true), now: t0.addingTimeInterval(16), width: 40)
        #expect(lines.allSatisfy { $0.count <= 39 })
        #expect(!lines.joined().contains("[="))
        check(lines, "progress-narrow.txt")
    }

    @Test func moreRunningStagesThanRowsAreCounted() {
        let stages = (1...6).map { RunProgress.Stage(id: id("s\($0)"), kind: "sleep") }
        var progress = RunProgress(stages: stages, jobs: 6, startedAt: t0)
        for s in stages { progress.start(s.id, at: t0) }
        let lines = ProgressRenderer.lines(progress, now: t0.addingTimeInterval(1), width: 80, height: 5)
        #expect(lines.count == 4)
        #expect(lines.last == "  +4 more running")
    }

    @Test func piecesReadAsIntended() {
        #expect(ProgressRenderer.bar(0.5, width: 10) == "[=====>    ]")
        #expect(ProgressRenderer.bar(1, width: 4) == "[====]")
        #expect(ProgressRenderer.bar(0, width: 4) == "[    ]")
        #expect(ProgressRenderer.bar(nil, width: 3) == "[   ]")
        #expect(ProgressRenderer.clock(7.9) == "0:07")
        #expect(ProgressRenderer.clock(7.1, rounding: .up) == "0:08")
        #expect(ProgressRenderer.clock(3723) == "1:02:03")
        #expect(ProgressRenderer.eta(.init(seconds: 65, rough: true)) == "ETA ~1:05")
    }

    @Test func aFinishedStageLeavesOnePlainLine() {
        #expect(ProgressRenderer.finishedLine(done: 3, total: 16, id: id("train[bands=pca]"), status: .ran, seconds: 12.44)
                == "[3/16] ran train[bands=pca] 12.4 s")
        #expect(ProgressRenderer.finishedLine(done: 1, total: 16, id: id("scene"), status: .cached, seconds: 0.1, detail: "unchanged")
                == "[1/16] cached scene")
        #expect(ProgressRenderer.finishedLine(done: 5, total: 16, id: id("prune"), status: .skipped, seconds: 0,
                                              detail: "needs train, which failed")
                == "[5/16] skipped prune: needs train, which failed")
        #expect(ProgressRenderer.finishedLine(done: 4, total: 16, id: id("train"), status: .failed, seconds: 0.26,
                                              detail: "out of memory\nat layer 2")
                == "[4/16] failed train 0.3 s: out of memory")
    }
}
