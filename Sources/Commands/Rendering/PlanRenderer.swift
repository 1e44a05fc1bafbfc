// PlanRenderer: a plan as a table (stage, kind, action, reason) or as JSON.
import Foundation
import PipelineEngine
import PipelineModel

enum PlanRenderer {
    /// One row per stage and a closing count.
    static func table(_ plan: Plan) -> String {
        var table = TextTable(["STAGE", "KIND", "ACTION", "REASON"])
        for step in plan.steps {
            table.add([step.id.description, step.kind, step.action.rawValue, step.reason.description])
        }
        let excluded = plan.steps.count - plan.runCount - plan.reuseCount
        var summary = "\(plan.runCount) to run, \(plan.reuseCount) cached"
        if excluded > 0 { summary += ", \(excluded) not selected" }
        return table.rendered() + "\n\n" + summary
    }

    private struct Row: Encodable {
        let id: String
        let kind: String
        let action: String
        let reason: String
        let key: String?
    }

    static func json(_ plan: Plan) throws -> String {
        try EngineSupport.json(plan.steps.map { Row(id: $0.id.description, kind: $0.kind, action: $0.action.rawValue, reason: $0.reason.description, key: $0.key) })
    }
}
