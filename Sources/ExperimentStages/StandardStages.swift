// StandardStages: the kind → stage registry `hsiflow` runs with. Adding a stage kind means
// writing its adapter in this module and listing it here; the engine never names a kind.
public import PipelineEngine

/// The registry of every built-in stage kind.
public enum StandardStages {
    /// All kinds: real stages plus the documented test utilities.
    public static var registry: StageRegistry {
        StageRegistry([LoadStage(), BandSelectStage(), TrainStage(), PruneStage(), QuantizeStage(),
                       VisualizeStage(), SleepStage()])
    }
}
