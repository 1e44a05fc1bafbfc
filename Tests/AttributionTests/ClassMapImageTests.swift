// Class maps: the fixed palette (17 distinct colours, 0 black), rendering, and the error map.
import Testing
import SpectralData
@testable import Attribution

@Suite struct ClassMapImageTests {
    @Test func paletteIsFixedDistinctAndStartsBlack() {
        #expect(ClassMapImage.palette.count == 17)
        #expect(ClassMapImage.palette[0] == .black)
        #expect(Set(ClassMapImage.palette).count == 17)
    }

    @Test func rendersLabelsAndErrors() throws {
        let truth = try LabelMap(height: 2, width: 3, labels: [0, 1, 2, 16, 2, 0])
        let predicted = try LabelMap(height: 2, width: 3, labels: [3, 1, 5, 16, 2, 0])
        let image = try ClassMapImage.render(truth, scale: 2)
        #expect(image.width == 6 && image.height == 4)
        #expect(image[0, 0] == .black && image[2, 0] == ClassMapImage.palette[1] && image[1, 3] == ClassMapImage.palette[16])
        let errors = try ClassMapImage.errors(predicted: predicted, truth: truth)
        #expect(errors[0, 0] == ClassMapImage.unlabelled) // unlabelled truth, whatever was predicted
        #expect(errors[1, 0] == ClassMapImage.correct)
        #expect(errors[2, 0] == ClassMapImage.wrong)
        #expect(errors[0, 1] == ClassMapImage.correct && errors[1, 1] == ClassMapImage.correct && errors[2, 1] == ClassMapImage.unlabelled)
    }

    @Test func labelsPastTheLastColourWrapAround() throws {
        let image = try ClassMapImage.render(try LabelMap(height: 1, width: 3, labels: [16, 17, 33]))
        #expect(image[0, 0] == ClassMapImage.palette[16] && image[1, 0] == ClassMapImage.palette[1] && image[2, 0] == ClassMapImage.palette[1])
        #expect(ClassMapImage.color(of: 0) == .black && ClassMapImage.color(of: 10) == RGB(250, 190, 212) && ClassMapImage.color(of: 12) == RGB(220, 190, 255))
    }

    @Test func badMapsAreErrors() throws {
        #expect(throws: AttributionError.self) { try ClassMapImage.render(LabelMap.empty(height: 1, width: 1), scale: 0) }
        #expect(throws: AttributionError.self) {
            try ClassMapImage.errors(predicted: LabelMap.empty(height: 2, width: 2), truth: LabelMap.empty(height: 2, width: 3))
        }
    }
}
