// SchemaDocumentation: Markdown reference of stage kinds generated from their declarations —
// the same `parameters` and input/output ports validation checks against — so the docs cannot
// drift from the code.
import Foundation
import PipelineModel

/// Renders stage kinds as Markdown.
public enum SchemaDocumentation {
    /// A section per kind: summary, version, an input and an output table, and a parameter table (nested mappings indented).
    public static func markdown(_ kinds: [any StageKind]) -> String {
        var out: [String] = []
        for kind in kinds.sorted(by: { $0.kind < $1.kind }) {
            out.append("### `\(kind.kind)`" + (kind.isTestUtility ? " (test utility)" : ""))
            out.append("")
            out.append(kind.summary + " Implementation version \(kind.version).")
            out.append("")
            if !kind.inputs.isEmpty {
                out.append("| input | type | | from the nearest ancestor that provides it |")
                out.append("| --- | --- | --- | --- |")
                for port in kind.inputs {
                    out.append("| `\(port.name)` | \(port.accepts.map(\.rawValue).joined(separator: " or ")) | \(port.required ? "**required**" : "optional") | \(escape(port.summary)) |")
                }
                out.append("")
            }
            out.append("| output | artifacts | what it holds |")
            out.append("| --- | --- | --- |")
            for port in kind.outputs {
                out.append("| \(port.type.rawValue) | \(port.type.artifacts.split(separator: ",").map { "`\($0.trimmingCharacters(in: .whitespaces))`" }.joined(separator: ", ")) | \(escape(port.summary)) |")
            }
            out.append("")
            out.append("| key | type | default | meaning |")
            out.append("| --- | --- | --- | --- |")
            rows(kind.parameters, prefix: "", into: &out)
            out.append("")
            let r = kind.resources
            out.append("Default `resources:` cpus \(r.cpus), memory \(r.memory), time \(r.time)" + (r.gres.map { ", gres \($0)" } ?? "") + ".")
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    /// A key/type/default/meaning table of parameters (the `executor:` and `resources:` blocks).
    public static func table(_ parameters: [Parameter]) -> String {
        var out = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"]
        rows(parameters, prefix: "", into: &out)
        return out.joined(separator: "\n") + "\n"
    }

    private static func rows(_ parameters: [Parameter], prefix: String, into out: inout [String]) {
        for p in parameters {
            let name = prefix + p.name
            let type: String
            if case .object = p.type { type = "mapping" } else { type = p.type.summary }
            let def = p.required ? "**required**" : p.defaultValue.map { d -> String in
                if case .object(let o) = d, o.isEmpty { return "" }
                return "`\(d.canonicalJSON)`"
            } ?? ""
            out.append("| `\(name)` | \(escape(type)) | \(def) | \(escape(p.summary)) |")
            if case .object(let fields) = p.type { rows(fields, prefix: name + ".", into: &out) }
            if case .oneOf(let alternatives) = p.type {
                for alt in alternatives { if case .object(let fields) = alt { rows(fields, prefix: name + ".", into: &out) } }
            }
        }
    }

    private static func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
}
