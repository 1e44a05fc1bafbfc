import SpectralData
import Testing

@Suite struct KnownSceneTests {
    @Test func indianPinesIsRecognisedByItsShape() {
        #expect(KnownScene.recognise(height: 145, width: 145, bands: 200, maxLabel: 16) == .indianPines)
        #expect(KnownScene.recognise(height: 145, width: 145, bands: 220, maxLabel: 16) == .indianPines)
        #expect(KnownScene.recognise(height: 145, width: 145, bands: 100, maxLabel: 16) == nil)
        #expect(KnownScene.recognise(height: 145, width: 145, bands: 200, maxLabel: 17) == nil)
        #expect(KnownScene.recognise(height: 64, width: 64, bands: 200, maxLabel: 5) == nil)
    }

    @Test func namesFollowTheOriginalLabels() {
        let scene = KnownScene.indianPines
        #expect(scene.classNames.count == 16)
        #expect(scene.names(of: [2, 3, 15]) == ["Corn-notill", "Corn-mintill", "Buildings-Grass-Trees-Drives"])
        #expect(scene.names(of: [1, 16, 17]) == ["Alfalfa", "Stone-Steel-Towers", "class 17"])
    }
}
