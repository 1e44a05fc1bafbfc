// PipelineGraph: the DAG of resolved stage instances — topological order (file order among
// independent stages), and the upstream/downstream closures `--only` and reruns use.
public import PipelineModel

/// The stage instances of an experiment as a DAG.
public struct PipelineGraph: Sendable {
    public let stages: [StageSpec]
    /// Stage instances in an order where every stage comes after what it needs.
    public let order: [StageID]
    private let index: [StageID: Int]
    private let dependents: [StageID: [StageID]]

    /// Builds the graph; the loader has already rejected cycles and unknown needs.
    public init(_ spec: ExperimentSpec) {
        stages = spec.stages
        var index: [StageID: Int] = [:]
        for (i, s) in spec.stages.enumerated() { index[s.id] = i }
        self.index = index
        var dependents: [StageID: [StageID]] = [:]
        var remaining: [StageID: Int] = [:]
        for s in spec.stages {
            remaining[s.id] = s.needs.filter { index[$0] != nil }.count
            for n in s.needs { dependents[n, default: []].append(s.id) }
        }
        self.dependents = dependents
        // Kahn's algorithm, always taking the earliest ready stage in file order.
        var ready = spec.stages.filter { remaining[$0.id] == 0 }.map(\.id)
        var order: [StageID] = []
        order.reserveCapacity(spec.stages.count)
        var head = 0
        while head < ready.count {
            let id = ready[head]
            head += 1
            order.append(id)
            for d in dependents[id] ?? [] {
                remaining[d, default: 0] -= 1
                if remaining[d] == 0 { ready.append(d) }
            }
        }
        self.order = order
    }

    /// The stage with this id.
    public func stage(_ id: StageID) -> StageSpec? { index[id].map { stages[$0] } }

    /// Stages that read this one's outputs directly.
    public func dependents(of id: StageID) -> [StageID] { dependents[id] ?? [] }

    /// `ids` and everything they need, transitively.
    public func withAncestors(_ ids: [StageID]) -> Set<StageID> {
        var out = Set<StageID>()
        var stack = ids
        while let id = stack.popLast() {
            guard out.insert(id).inserted else { continue }
            stack += stage(id)?.needs ?? []
        }
        return out
    }

    /// `ids` and everything downstream of them.
    public func withDescendants(_ ids: [StageID]) -> Set<StageID> {
        var out = Set<StageID>()
        var stack = ids
        while let id = stack.popLast() {
            guard out.insert(id).inserted else { continue }
            stack += dependents[id] ?? []
        }
        return out
    }

    /// Resolves a stage id typed by a user: an exact id, or a stage name standing for all its instances.
    public func select(_ text: String) throws(EngineError) -> [StageID] {
        if let id = StageID(parsing: text), index[id] != nil { return [id] }
        let byName = stages.filter { $0.id.name == text }.map(\.id)
        if !byName.isEmpty { return byName }
        throw .unknownStage(text, suggestion: suggestion(for: text, among: stages.map(\.id.description)))
    }
}
