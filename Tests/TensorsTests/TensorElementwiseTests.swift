import Testing
import TestSupport
@testable import Tensors

@Suite struct TensorElementwiseTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulMatchesPlainLoops(transposeA: Bool, transposeB: Bool) {
        let a2 = randomTensor(transposeA ? [5, 7] : [7, 5], seed: 4)
        let b2 = randomTensor(transposeB ? [9, 5] : [5, 9], seed: 5)
        let fast = Tensor.matmul(a2, b2, transposeA: transposeA, transposeB: transposeB)
        let slow = Tensor.matmulReference(transposeA ? a2.transposed : a2, transposeB ? b2.transposed : b2)
        #expect(fast.shape == [7, 9])
        #expect(allClose(fast.scalars, slow.scalars, absolute: 1e-5, relative: 1e-5))
    }

    @Test func arithmeticIsElementwise() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        #expect((a + b).scalars == [6, 8, 10, 12])
        #expect((b - a).scalars == [4, 4, 4, 4])
        #expect((a * b).scalars == [5, 12, 21, 32])
        #expect((a * 2).scalars == [2, 4, 6, 8])
        var c = a
        c.add(b, scaledBy: -1)
        #expect(c.scalars == [-4, -4, -4, -4])
        #expect(a.addingRow(Tensor(shape: [2], scalars: [10, 20])).scalars == [11, 22, 13, 24])
    }
}

@Suite struct TensorReductionTests {
    @Test func reductionsAgreeWithHandComputedValues() {
        let t = Tensor(shape: [2, 3], scalars: [1, -2, 3, 4, 5, -6])
        #expect(t.sum == 5)
        #expect(abs(t.mean - 5.0 / 6.0) < 1e-7)
        #expect(t.max == 5 && t.min == -6)
        #expect(t.sumOverRows().scalars == [5, 3, -3])
        #expect(t.argmaxRows() == [2, 1])
        #expect(t.squaredNorm == 91)
    }

    @Test func argmaxTakesTheFirstOfTies() {
        #expect(Tensor(shape: [1, 3], scalars: [2, 2, 1]).argmaxRows() == [0])
    }
}

@Suite struct TensorShapeTests {
    @Test func permutedMatchesIndexDefinition() {
        let t = randomTensor([2, 3, 4, 5], seed: 6)
        let p = t.permuted([2, 0, 3, 1])
        #expect(p.shape == [4, 2, 5, 3])
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { for d in 0..<5 {
            #expect(p[c, a, d, b] == t[a, b, c, d])
        }}}}
        #expect(t.permuted([0, 1, 2, 3]) == t)
    }

    @Test func transposeOfTransposeIsIdentity() {
        let t = randomTensor([3, 7], seed: 7)
        #expect(t.transposed.transposed == t)
        #expect(t.transposed == t.permuted([1, 0]))
    }

    @Test func gatherAndSliceRows() {
        let t = Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t.gathering(rows: [2, 0]).scalars == [4, 5, 0, 1])
        #expect(t.slicing(rows: 1..<3).scalars == [2, 3, 4, 5])
        #expect(t.slicing(rows: 1..<3).shape == [2, 2])
    }
}
