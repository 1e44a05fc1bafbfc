// StageIDCompletionTests: the stage-id completion callback reads the experiment named on the
// line (with --set overrides), lists names and matrix instances in file order, filters by the
// typed prefix, and answers nothing — never an error — when there is no file to read.
import Foundation
import Testing
import TestSupport
@testable import Commands

private let experiment = """
name: complete
matrix:
  bands: [none, pca]
stages:
  scene: {kind: load, cube: missing.npy, labels: missing_gt.npy}
  reduce: {kind: band-select, needs: scene, method: "${bands}"}
  train: {kind: train, needs: reduce}

"""

@Suite struct StageIDCompletionTests {
    private func workspace() throws -> URL {
        let dir = try makeTemporaryDirectory("hsiflow-complete")
        try experiment.write(to: dir.appendingPathComponent("exp.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    private func complete(_ words: [String], prefix: String = "", names: Bool = true, in dir: URL) -> [String] {
        StageIDCompletion.candidates(words: words, completing: words.count - 1, prefix: prefix, includeNames: names,
                                     directory: dir.path)
    }

    @Test func listsNamesAndMatrixInstancesOfTheFileOnTheLine() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The input files do not exist: the ids are listed all the same.
        #expect(complete(["hsiflow", "run", "exp.yaml", "--only", ""], in: dir)
                == ["scene", "reduce", "reduce[bands=none]", "reduce[bands=pca]", "train", "train[bands=none]", "train[bands=pca]"])
        // The word being completed may stand before the file.
        #expect(StageIDCompletion.candidates(words: ["hsiflow", "run", "--force", "tr", "exp.yaml"], completing: 3, prefix: "tr",
                                             includeNames: true, directory: dir.path)
                == ["train", "train[bands=none]", "train[bands=pca]"])
    }

    @Test func stageRunGetsInstancesOnly() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(complete(["hsiflow", "stage", "run", "'exp.yaml'", "re"], prefix: "re", names: false, in: dir)
                == ["reduce[bands=none]", "reduce[bands=pca]"])
    }

    @Test func setOverridesOnTheLineApply() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(complete(["hsiflow", "run", "exp.yaml", "--set", "matrix.bands=[nmf]", "--only", "train"], prefix: "train", in: dir)
                == ["train", "train[bands=nmf]"])
    }

    @Test func stageKeysThatAShellWouldExpandAreNeverOffered() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostile = """
        name: hostile
        stages:
          "c$(touch pwned)": {kind: load, cube: missing.npy, labels: missing_gt.npy}
          "d`id`": {kind: load, cube: missing.npy, labels: missing_gt.npy}
          "e{a,b}": {kind: load, cube: missing.npy, labels: missing_gt.npy}
          fine: {kind: load, cube: missing.npy, labels: missing_gt.npy}

        """
        try hostile.write(to: dir.appendingPathComponent("hostile.yaml"), atomically: true, encoding: .utf8)
        #expect(complete(["hsiflow", "run", "hostile.yaml", "--only", ""], in: dir) == ["fine"])
        #expect(StageIDCompletion.isSafeWord("train[bands=pca,seed=1]") && !StageIDCompletion.isSafeWord("a b"))
        #expect(!StageIDCompletion.isSafeWord("~root") && !StageIDCompletion.isSafeWord("x\\y") && !StageIDCompletion.isSafeWord(""))
    }

    @Test func answersNothingWithoutAReadableExperiment() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(complete(["hsiflow", "run", "--only", ""], in: dir).isEmpty)
        #expect(complete(["hsiflow", "run", "nothere.yaml", "--only", ""], in: dir).isEmpty)
        try "stages: [unclosed\n".write(to: dir.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        #expect(complete(["hsiflow", "run", "broken.yaml", "--only", ""], in: dir).isEmpty)
    }
}
