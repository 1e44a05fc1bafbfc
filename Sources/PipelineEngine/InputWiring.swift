// InputWiring: which ancestor feeds each input of a stage. The rule is one function, used by
// the loader's static check (every required input provided, none ambiguous, before anything
// runs) and, through the sources it stores in each StageSpec, by StageContext at run time:
// an input comes from the nearest ancestor (fewest `needs` edges) with an output of a type
// the input accepts; two different ancestors equally near is ambiguous.
public import PipelineModel

/// How one input of a stage is wired.
public enum InputResolution: Sendable, Hashable {
    /// The nearest ancestor providing the input, and its distance in `needs` edges.
    case provided(by: StageID, distance: Int)
    /// No ancestor provides it.
    case missing
    /// Several ancestors provide it at the same, nearest distance.
    case ambiguous([StageID], distance: Int)
}

/// The wiring rule.
public enum InputWiring {
    /// Ancestors of `id` by distance: level 1 is its `needs`, level 2 what they need, and so on;
    /// a stage appears only at its shortest distance. `needs` looks a stage's needs up.
    public static func ancestorsByDistance(of id: StageID, needs: (StageID) -> [StageID]) -> [[StageID]] {
        var seen: Set<StageID> = [id]
        var levels: [[StageID]] = []
        var frontier = [id]
        while !frontier.isEmpty {
            var next: [StageID] = []
            for s in frontier {
                for n in needs(s) where seen.insert(n).inserted { next.append(n) }
            }
            if !next.isEmpty { levels.append(next) }
            frontier = next
        }
        return levels
    }

    /// The resolution of every input port of stage `id` (`inputs`: its kind's), in declaration order.
    /// `outputs` gives the output types of an ancestor (nil: unknown kind, provides nothing). The
    /// ancestors are visited one distance at a time, and only until every input is decided.
    public static func resolve(_ id: StageID, inputs: [InputPort], needs: (StageID) -> [StageID],
                               outputs: (StageID) -> [PortType]?) -> [(port: InputPort, resolution: InputResolution)] {
        guard !inputs.isEmpty else { return [] }
        var results = [InputResolution?](repeating: nil, count: inputs.count)
        var seen: Set<StageID> = [id]
        var frontier = [id]
        var distance = 0
        while !frontier.isEmpty && results.contains(where: { $0 == nil }) {
            distance += 1
            var level: [StageID] = []
            for s in frontier {
                for n in needs(s) where seen.insert(n).inserted { level.append(n) }
            }
            let provided = level.map { (id: $0, types: outputs($0) ?? []) }
            for (i, port) in inputs.enumerated() where results[i] == nil {
                let candidates = provided.filter { a in port.accepts.contains { a.types.contains($0) } }.map(\.id)
                if candidates.count == 1 { results[i] = .provided(by: candidates[0], distance: distance) }
                if candidates.count > 1 { results[i] = .ambiguous(candidates.sorted(), distance: distance) }
            }
            frontier = level
        }
        return zip(inputs, results).map { (port: $0, resolution: $1 ?? .missing) }
    }

    /// What the ancestors of `id` provide, nearest first, for messages:
    /// `reduce (cube, split, transform), scene (cube, split)`.
    public static func available(to id: StageID, needs: (StageID) -> [StageID], outputs: (StageID) -> [PortType]?) -> String {
        let parts = ancestorsByDistance(of: id, needs: needs).flatMap { $0 }.map { a in
            "\(a) (\((outputs(a) ?? []).map(\.rawValue).joined(separator: ", ")))"
        }
        return parts.isEmpty ? "nothing (the stage has no `needs:`)" : parts.joined(separator: ", ")
    }

    /// The problem with one input, or nil when it is wired (or optional and absent); `providers`
    /// names the kinds whose outputs would satisfy it.
    public static func problem(_ id: StageID, _ port: InputPort, _ resolution: InputResolution, providers: [String] = [],
                               available: () -> String) -> String? {
        let types = port.accepts.map(\.rawValue).joined(separator: " or ")
        switch resolution {
        case .provided: return nil
        case .missing:
            guard port.required else { return nil }
            return "stage \(id) needs input '\(port.name)' (\(types)) but no ancestor provides it; its ancestors provide: \(available()); add a stage that outputs \(types)\(providers.isEmpty ? "" : " (kinds: \(providers.joined(separator: ", ")))") to its `needs:`"
        case .ambiguous(let stages, let distance):
            return "stage \(id): input '\(port.name)' (\(types)) is provided by \(stages.map(\.description).joined(separator: " and ")), both \(distance) step\(distance == 1 ? "" : "s") away; keep only one of them in `needs:` (or need the one you mean directly)"
        }
    }
}
