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
    private let positions: [StageID: Int]

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
        // Kahn's algorithm, always taking the earliest ready stage in file order (a min-heap of indices).
        var heap = Heap()
        for (i, s) in spec.stages.enumerated() where remaining[s.id] == 0 { heap.push(i) }
        var order: [StageID] = []
        order.reserveCapacity(spec.stages.count)
        while let i = heap.pop() {
            let id = spec.stages[i].id
            order.append(id)
            for d in dependents[id] ?? [] {
                remaining[d, default: 0] -= 1
                if remaining[d] == 0, let j = index[d] { heap.push(j) }
            }
        }
        self.order = order
        var positions: [StageID: Int] = [:]
        for (i, id) in order.enumerated() { positions[id] = i }
        self.positions = positions
    }

    /// The stage with this id.
    public func stage(_ id: StageID) -> StageSpec? { index[id].map { stages[$0] } }

    /// Where a stage comes in `order` (schedulers take ready stages in this order).
    public func position(of id: StageID) -> Int? { positions[id] }

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

/// A binary min-heap of integers.
private struct Heap {
    private var items: [Int] = []

    mutating func push(_ x: Int) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[parent] > items[i] else { break }
            items.swapAt(parent, i)
            i = parent
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && items[l] < items[m] { m = l }
                if r < items.count && items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
