// ExportPlanTests: the names an export may write — sanitized path components that never leave
// their folder, SHA-256 validation, and disambiguation of colliding names.
import Testing
@testable import Commands

@Suite struct ExportPlanTests {
    @Test func safeNamesStayInTheirFolder() {
        #expect(ExportPlan.safeName("train[bands=pca]") == "train[bands=pca]")
        #expect(ExportPlan.safeName("../x") == ".._x")
        #expect(ExportPlan.safeName("..") == "__")
        #expect(ExportPlan.safeName(".") == "_")
        #expect(ExportPlan.safeName("") == "_")
        #expect(ExportPlan.safeName("a/b\u{0}c") == "a_b_c")
        #expect(ExportPlan.isSHA256(String(repeating: "ab", count: 32)))
        #expect(!ExportPlan.isSHA256("../../etc/passwd"))
        #expect(!ExportPlan.isSHA256(String(repeating: "AB", count: 32)))
        var used = Set<String>()
        #expect(ExportPlan.unique("m.csv", among: &used) == "m.csv")
        #expect(ExportPlan.unique("m.csv", among: &used) == "m-2.csv")
    }
}
