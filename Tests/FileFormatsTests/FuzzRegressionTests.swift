// FuzzRegressionTests: every input a libFuzzer target in Fuzz/ once crashed, hung or ran out of
// memory on (Fuzz/Regressions/<target>/), replayed through the same parser at the default memory
// budget: each must end in a thrown error — a FileFormatsError naming the file when it goes through
// the public reader — never a trap or an allocation past the budget.
import Foundation
import Testing
@testable import FileFormats
import TestSupport

@Suite struct FuzzRegressionTests {
    @Test("the MAT v5 validator refuses the inputs fuzz-mat-validator found",
          arguments: FuzzRegressions.inputs("fuzz-mat-validator"))
    func matValidatorRefuses(_ input: URL) throws {
        let bytes = try [UInt8](Data(contentsOf: input))
        #expect(throws: MatValidationError.self) { try MatV5Validator(bytes: bytes).validate() }
    }

    @Test("reading them as .mat files is an error naming the file",
          arguments: FuzzRegressions.inputs("fuzz-mat-validator") + FuzzRegressions.inputs("fuzz-mat-reader"))
    func matReaderNamesTheFile(_ input: URL) {
        #expect {
            _ = try MatFile.read(path: input.path)
        } throws: { error in
            (error as? FileFormatsError)?.description.contains(input.lastPathComponent) == true
        }
    }
}
