import Foundation
import Testing
import TestSupport
@testable import FileFormats

@Suite struct MatFileTests {
    static let singleVariableFixtures = Golden.expected.keys.filter { $0.hasPrefix("mat_") && !$0.contains("#") }.sorted()
    static let namedVariableFixtures = Golden.expected.keys.filter { $0.hasPrefix("mat_") && $0.contains("#") }.sorted()

    @Test(arguments: singleVariableFixtures)
    func readsWhatScipyWrote(_ name: String) throws {
        let golden = try #require(Golden.expected[name])
        let (_, array) = try MatFile.read(path: Golden.path(name))
        #expect(array.shape == golden.shape)
        #expect(array.elementType.rawValue == golden.dtype)
        #expect(array.doubles() == golden.values)
    }

    @Test(arguments: namedVariableFixtures)
    func readsNamedVariables(_ key: String) throws {
        let parts = key.split(separator: "#").map(String.init)
        let golden = try #require(Golden.expected[key])
        let (name, array) = try MatFile.read(path: Golden.path(parts[0]), variable: parts[1])
        #expect(name == parts[1])
        #expect(array.shape == golden.shape)
        #expect(array.doubles() == golden.values)
    }

    @Test func findsTheCubeAndTheLabelsByRank() throws {
        let path = Golden.path("mat_v5_mixed.mat")
        let cube = try MatFile.read(path: path, rank: 3)
        #expect(cube.name == "cube")
        let labels = try MatFile.read(path: path, rank: 2)
        #expect(labels.name == "gt")
        let v73 = try MatFile.read(path: Golden.path("mat_v73_cube.mat"), rank: 3)
        #expect(v73.name == "cube" && v73.array.shape == [4, 5, 6])
    }

    @Test func listsVariablesAndFormat() throws {
        let contents = try MatFile.contents(path: Golden.path("mat_v5_mixed.mat"))
        #expect(contents.format == "v5 (compressed)")
        let names = Set(contents.variables.map(\.name))
        #expect(names.isSuperset(of: ["cube", "gt", "note", "meta", "cells"]))
        #expect(try MatFile.contents(path: Golden.path("mat_v73_cube.mat")).format == "v7.3 (HDF5)")
        #expect(try MatFile.contents(path: Golden.path("mat_v5_cube.mat")).format == "v5")
    }

    @Test func ambiguousCubeAsksForAName() {
        #expect(throws: FileFormatsError.unexpectedContent(path: Golden.path("mat_v5_two_cubes.mat"),
                                                          reason: "several 3-D numeric variables (a, b); name the one to use")) {
            try MatFile.read(path: Golden.path("mat_v5_two_cubes.mat"), rank: 3)
        }
    }

    @Test func complexDataIsRefused() {
        #expect(throws: FileFormatsError.self) { try MatFile.read(path: Golden.path("mat_v5_complex.mat"), variable: "z") }
    }

    @Test func unknownVariableListsWhatIsThere() throws {
        do {
            _ = try MatFile.read(path: Golden.path("mat_v5_cube.mat"), variable: "cub")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("no variable 'cub'"))
            #expect(error.description.contains("cube (uint16 4×5×6)"))
        }
    }
}
