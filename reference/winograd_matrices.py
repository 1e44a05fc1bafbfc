"""The Winograd F(3x3, 3x3) matrices HSIFlow's 3x3 convolutions use, derived exactly.

Interpolation points 0, 1, -1, 2 and infinity (Toom-Cook). With alpha = m + r - 1 = 5:
  A^T[i][j] = p_j^i for the finite points, and (0, 0, 1) for infinity;
  G[j][k]   = p_j^k / prod_{l != j} (p_j - p_l), and (0, 0, 1) for infinity;
  B^T is then the unique solution of the 45 linear equations that make
  y_i = sum_j A^T[i][j] (G g)_j (B^T d)_j equal the correlation sum_k g_k d_{i+k}
  for every d and g (solved here in rational arithmetic, so the identity holds exactly).
The 2-D algorithm nests the 1-D one: Y = A^T [(G g G^T) * (B^T d B)] A.
Also measures the float32 error of one 5x5 tile against float64 direct correlation.
Writes Tests/TensorsTests/Fixtures/winograd_matrices.json.
Run: /work/venv/bin/python reference/winograd_matrices.py   (needs numpy)
"""
import json
import pathlib
from fractions import Fraction

import numpy as np

M, R = 3, 3
ALPHA = M + R - 1
POINTS = [Fraction(0), Fraction(1), Fraction(-1), Fraction(2)]


def solve_exact(rows, rhs):
    """Gauss-Jordan over Fractions; the system may be overdetermined but must be consistent."""
    aug = [list(r) + [b] for r, b in zip(rows, rhs)]
    width = len(rows[0])
    pivots, top = [], 0
    for col in range(width):
        pick = next((i for i in range(top, len(aug)) if aug[i][col] != 0), None)
        if pick is None:
            continue
        aug[top], aug[pick] = aug[pick], aug[top]
        inv = 1 / aug[top][col]
        aug[top] = [v * inv for v in aug[top]]
        for i in range(len(aug)):
            if i != top and aug[i][col] != 0:
                factor = aug[i][col]
                aug[i] = [a - factor * b for a, b in zip(aug[i], aug[top])]
        pivots.append(col)
        top += 1
    assert all(row[-1] == 0 for row in aug[top:]), "the Winograd equations are inconsistent"
    assert len(pivots) == width, "B^T is not determined uniquely"
    solution = [Fraction(0)] * width
    for i, col in enumerate(pivots):
        solution[col] = aug[i][-1]
    return solution


def derive():
    at = [[p ** i for p in POINTS] + [Fraction(1 if i == M - 1 else 0)] for i in range(M)]
    g = []
    for j, p in enumerate(POINTS):
        norm = Fraction(1)
        for l, q in enumerate(POINTS):
            if l != j:
                norm *= p - q
        g.append([p ** k / norm for k in range(R)])
    g.append([Fraction(1 if k == R - 1 else 0) for k in range(R)])
    rows, rhs = [], []
    for i in range(M):
        for k in range(R):
            for l in range(ALPHA):
                row = [Fraction(0)] * (ALPHA * ALPHA)
                for j in range(ALPHA):
                    row[j * ALPHA + l] = at[i][j] * g[j][k]
                rows.append(row)
                rhs.append(Fraction(1 if l == i + k else 0))
    x = solve_exact(rows, rhs)
    bt = [[x[j * ALPHA + l] for l in range(ALPHA)] for j in range(ALPHA)]
    return at, g, bt


def float32_tile_error(at, g, bt, trials=4000):
    at, g, bt = (np.array([[float(v) for v in row] for row in m]) for m in (at, g, bt))
    rng = np.random.default_rng(0)
    f = np.float32
    worst = 0.0
    for _ in range(trials):
        d = rng.uniform(-1, 1, (5, 5))
        w = rng.uniform(-1, 1, (3, 3))
        direct = np.array([[np.sum(d[i:i + 3, j:j + 3] * w) for j in range(3)] for i in range(3)])
        u = g.astype(f) @ w.astype(f) @ g.T.astype(f)
        v = bt.astype(f) @ d.astype(f) @ bt.T.astype(f)
        y = at.astype(f) @ (u * v) @ at.T.astype(f)
        worst = max(worst, float(np.abs(y - direct).max()))
    return worst


def main():
    at, g, bt = derive()
    error = float32_tile_error(at, g, bt)
    as_text = lambda m: [[str(v) for v in row] for row in m]
    as_float = lambda m: [[float(v) for v in row] for row in m]
    for name, m in (("A^T", at), ("G", g), ("B^T", bt)):
        print(name)
        for row in as_text(m):
            print("   " + "  ".join(f"{v:>5}" for v in row))
    print(f"float32 error of one tile vs float64 direct correlation (inputs in [-1, 1]): max {error:.2e}")
    out = pathlib.Path(__file__).resolve().parent.parent / "Tests/TensorsTests/Fixtures/winograd_matrices.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "points": ["0", "1", "-1", "2", "inf"],
        "AT": as_float(at), "G": as_float(g), "BT": as_float(bt),
        "AT_exact": as_text(at), "G_exact": as_text(g), "BT_exact": as_text(bt),
        "float32_tile_error": error,
    }, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
