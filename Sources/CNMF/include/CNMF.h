// CNMF: the coordinate-descent kernel of NMF (scikit-learn's `cd` solver, Cichocki & Phan 2009)
// for one tile of rows. Each row w of the tile (rows × k, row-major) minimises ½·w·G·wᵀ − w·cᵀ
// subject to w ≥ 0 with its gradient g = w·G − c kept current: coordinate t moves by
// δ = max(w_t − g_t / G_tt, 0) − w_t, then g += δ·G[t, :] (skipped when δ = 0).
// Three paths chosen at run time: AVX-512F, AVX2+FMA and plain C. The AVX paths update g with
// one fused multiply-add per element and match hsi_cd_tile_reference bit for bit; the plain C
// path (multiply, then add) matches it to rounding.
#ifndef CNMF_H
#define CNMF_H

#ifdef __cplusplus
extern "C" {
#endif

/// Kernel paths. HSI_CD_AUTO picks the best one this CPU supports.
enum {
    HSI_CD_AUTO = 0,
    HSI_CD_PLAIN_C = 1,
    HSI_CD_AVX2 = 2,
    HSI_CD_AVX512 = 3,
};

/// 1 when `path` can run on this CPU (HSI_CD_AUTO and HSI_CD_PLAIN_C always can).
int hsi_cd_path_supported(int path);

/// The path HSI_CD_AUTO resolves to on this CPU.
int hsi_cd_best_path(void);

/// Coordinate descent on the `rows` rows of one tile: up to `sweeps` passes, each over the rows in
/// order and, within a row, over coordinates 0 … k−1. After the first pass, the tile stops once a
/// pass lowers the objective by ≤ `continue_ratio` × the first pass's decrease, or by ≤ 0.
/// w, grad: rows × k (row stride k), updated in place; gram: k × k, symmetric.
/// Returns Σ |projected gradient| at the start (first pass), scikit-learn's violation.
double hsi_cd_tile(int path, int rows, int k, double *w, double *grad, const double *gram,
                   int sweeps, double continue_ratio);

/// Plain-loop reference of hsi_cd_tile: the same arithmetic in the same order, with the gradient
/// update as fma() from <math.h>.
double hsi_cd_tile_reference(int rows, int k, double *w, double *grad, const double *gram,
                             int sweeps, double continue_ratio);

#ifdef __cplusplus
}
#endif

#endif
