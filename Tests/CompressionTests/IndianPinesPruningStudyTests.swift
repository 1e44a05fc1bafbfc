// The seed's pruning study on real Indian Pines (HSIFLOW_DATA; release mode, a few minutes):
// 9 classes, 50/50 stratified split (seed 41), PCA to 100 whitened components, cao trained
// 10 epochs, APoZ pruning 0…80% in steps of 5 with 2 fine-tuning epochs (Adam 1e-4) per level,
// and every level quantized to int8. Prints the accuracy curve and asserts on it; latency is
// bench-compression's job (interleaved timing rounds), not a test's.
import Foundation
import Testing
import TestSupport
import Tensors
import SpectralData
import NeuralNet
import BandSelection
import FileFormats
@testable import Compression

@Suite(.enabled(if: realDataDirectory() != nil, "HSIFLOW_DATA is not set or has no indian_pines/: real-data tests skipped"))
struct IndianPinesPruningStudyTests {
    @Test func apozSweepKeepsAccuracyAndInt8MatchesFloat() throws {
        // Hold the BLAS thread count steady: the curve is then the same run after run.
        try BLASConfiguration.exclusively {
            let directory = try #require(realDataDirectory())
            let cube = try ArrayFile.loadCube(path: directory.appendingPathComponent("Indian_pines_corrected.npy").path)
            let truth = try ArrayFile.loadLabelMap(path: directory.appendingPathComponent("Indian_pines_gt.npy").path)
                .keeping(classes: IndianPines.studyClasses)
            let split = try Split.stratified(truth, trainFraction: 0.5, seed: 41)
            // PCA fitted on every pixel of the scene (unsupervised, as the original), 100 whitened components.
            let reduced = try BandReducer(method: .pca(PCA(components: 100, whiten: true))).fitTransform(cube: cube).reduced
            let train = try labelledPatches(reduced, split.train, patch: 5)
            let test = try labelledPatches(reduced, split.test, patch: 5)

            var model = try ModelSpec.cao(classes: 9).build(inputShape: [5, 5, 100], seed: 41)
            _ = try model.fit(inputs: train.inputs, labels: train.classes,
                              options: TrainingOptions(epochs: 10, batchSize: 128, optimizer: .adam(learningRate: 0.001), seed: 41))
            let data = PruningData(training: try LabelledSamples(inputs: train.inputs, labels: train.classes),
                                   evaluation: try LabelledSamples(inputs: test.inputs, labels: test.classes))
            let options = PruningOptions(criterion: .apoz, scope: .global,
                                         fineTuning: FineTuning(epochs: 2, learningRate: 1e-4, batchSize: 128), seed: 41,
                                         latencySamples: 0, latencyRepeats: 1)
            let results = try ChannelPruner(options: options).sweep(model, levels: .range(from: 0, to: 80, step: 5), data: data)

            print("level  conv1 conv2  params   MFLOPs  OA      AA      kappa   int8 OA  int8 bytes/float")
            for r in results {
                let m = r.metrics, e = m.evaluation
                let quantized = try QuantizedModel(quantizing: r.pruned.model, bits: 8)
                let (q, _) = try quantized.measure(on: data.evaluation, batchSize: 128, singleSamples: 0)
                print(String(format: "%5.0f  %5d %5d  %7d  %6.3f  %.4f  %.4f  %.4f  %.4f   %.3f",
                             m.level, m.channels[0].channels, m.channels[1].channels, m.parameters, Double(m.flops) / 1e6,
                             e.overallAccuracy, e.averageAccuracy, e.kappa, q.overallAccuracy, quantized.sizeRatio))
                // Each int8 model within 0.3 point of its float model.
                #expect(abs(q.overallAccuracy - e.overallAccuracy) <= 0.003, "int8 vs float at \(m.level)%")
                #expect(quantized.sizeRatio < 0.30)
                #expect(m.keptToAvoidEmptying.isEmpty && m.shortfall == 0)
            }
            let byLevel = Dictionary(uniqueKeysWithValues: results.map { ($0.metrics.level, $0.metrics) })
            let at40 = try #require(byLevel[40]), at70 = try #require(byLevel[70])
            #expect(at40.evaluation.overallAccuracy >= 0.98)
            #expect(at70.evaluation.overallAccuracy >= 0.97)
            // 70% of the 500 original conv channels are gone.
            #expect(at70.channels.reduce(0) { $0 + $1.channels } == 150)
        }
    }
}
