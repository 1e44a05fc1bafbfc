// StandardStages: the kind → stage registry `hsiflow` runs with. Adding a stage kind means
// writing its adapter in this module and listing it here; the engine never names a kind.
// Test utilities (`sleep`) are registered only on request, so users never see them listed.
public import PipelineEngine

/// The registry of every built-in stage kind.
public enum StandardStages {
    /// The science kinds users write in experiment files.
    public static var registry: StageRegistry { registry(includingTestUtilities: false) }

    /// Kinds that exist to test the engine itself (crash, concurrency and performance tests).
    public static var testUtilities: [any StageKind] { [SleepStage()] }

    /// The science kinds, plus the test utilities when asked (`hsiflow` asks when
    /// `HSIFLOW_TEST_KINDS=1` is set, which only tests and test scripts do).
    public static func registry(includingTestUtilities: Bool) -> StageRegistry {
        var registry = StageRegistry([LoadStage(), BandSelectStage(), TrainStage(), ModelStage(), PruneStage(), QuantizeStage(),
                                      VisualizeStage()])
        if includingTestUtilities {
            for kind in testUtilities { registry.register(kind) }
        }
        return registry
    }
}
