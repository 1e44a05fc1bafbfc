// ParameterChoices: the domain enums stage parameters name directly, so a choice's words, its
// default and the value a stage receives are the domain type's own (no second list of words).
public import Attribution
public import Compression
public import NeuralNet
public import PipelineEngine
public import SpectralData

extension PruningCriterion: ChoiceParameter {}
extension PruningScope: ChoiceParameter {}
extension PatchPadding: ChoiceParameter {}
extension OptimizerSpec.Name: ChoiceParameter {}
extension Colormap: ChoiceParameter {}
