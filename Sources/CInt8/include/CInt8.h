// CInt8: the integer kernels of dynamic-range int8 inference (TFLite's "hybrid" scheme) —
// per-row asymmetric quantization of float activations, u8 im2col, and u8 × s8 products with
// int32 accumulation and a float epilogue (row scale × column scale, + bias, optional ReLU).
// Three paths chosen at run time: AVX-512 VNNI, AVX2 and plain C; each is tested against
// hsi_i8_gemm_reference. Letters: M rows of A, K inner size, N columns (output channels).
#ifndef CINT8_H
#define CINT8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kernel paths. HSI_I8_AUTO picks the best one this CPU supports.
enum {
    HSI_I8_AUTO = 0,
    HSI_I8_PLAIN_C = 1,
    HSI_I8_AVX2 = 2,
    HSI_I8_AVX512_VNNI = 3,
};

/// 1 when `path` can run on this CPU (HSI_I8_AUTO and HSI_I8_PLAIN_C always can).
int hsi_i8_path_supported(int path);

/// The path HSI_I8_AUTO resolves to on this CPU.
int hsi_i8_best_path(void);

/// Columns of a packed panel, and the K granularity (K is padded up to a multiple of 4).
#define HSI_I8_PANEL 16
#define HSI_I8_KGROUP 4

/// K rounded up to a multiple of 4: the row stride A needs (its padding bytes may hold anything).
int hsi_i8_padded_k(int k);

/// Bytes of the packed form of a K×N int8 matrix.
size_t hsi_i8_packed_bytes(int k, int n);

/// Packs B (K×N, row-major, int8) into panels of 16 columns × groups of 4 k:
/// packed[((panel · K4 + kq) · 16 + j) · 4 + t] = B[4·kq + t][16·panel + j], zero beyond K or N.
void hsi_i8_pack(const int8_t *b, int k, int n, int8_t *packed);

/// Σ_k B[k][j] for every column j (what a zero point multiplies).
void hsi_i8_column_sums(const int8_t *b, int k, int n, int32_t *sums);

/// Asymmetric quantization of `count` floats to int8 as TFLite's AsymmetricQuantizeFloats
/// (range widened to include 0, zero point nudged to an integer), stored as u = q + 128 (uint8).
/// x ≈ (u − zero_point) · scale; writes scale and zero_point (in u's range 0…255).
void hsi_i8_quantize_row(const float *x, int count, uint8_t *u, float *scale, int32_t *zero_point);

/// hsi_i8_quantize_row on a chosen path (AVX-512 on the VNNI path, AVX2, plain C): the same bits on each.
void hsi_i8_quantize_row_on(int path, const float *x, int count, uint8_t *u, float *scale, int32_t *zero_point);

/// Symmetric quantization of `count` floats to int8 as TFLite's SymmetricQuantizeFloats (what its
/// hybrid fully-connected kernel uses unless asymmetric_quantize_inputs is set, and the converter
/// leaves it unset): scale = max|x| / 127, q = round(x / scale) in [−127, 127], stored as
/// u = q + 128, so the zero point is always 128. Writes scale (1 for an all-zero row).
void hsi_i8_quantize_row_symmetric(const float *x, int count, uint8_t *u, float *scale);

/// hsi_i8_quantize_row_symmetric on a chosen path: the same bits on each.
void hsi_i8_quantize_row_symmetric_on(int path, const float *x, int count, uint8_t *u, float *scale);

/// im2col of one u8 image (H×W×C) for a KH×KW stride-1 kernel with top/left padding pt/pl and
/// output OH×OW: row (oy·OW + ox) of `cols` (row stride ldc ≥ KH·KW·C) holds the patch in
/// (ky, kx, c) order; taps outside the image get `pad` (the image's zero point).
void hsi_i8_im2col(const uint8_t *x, int h, int w, int c, int kh, int kw, int pt, int pl,
                   int oh, int ow, uint8_t pad, uint8_t *cols, int ldc);

/// The hybrid product: for rows i < M and columns j < N,
///   acc = Σ_k A[i][k] · B[k][j]                   (int32; A u8 with row stride lda, B packed)
///   y[i·ldy + j] = (acc − zp[i]·colsum[j]) · (row_scale[i] · col_scale[j]) + bias[j]   (float)
/// then max(y, 0) when `relu`. `bias` may be NULL. `path` picks the kernel (HSI_I8_AUTO: best).
void hsi_i8_hybrid_gemm(int path, int m, int n, int k,
                        const uint8_t *a, int lda, const int8_t *packed,
                        const int32_t *zp, const float *row_scale,
                        const int32_t *colsum, const float *col_scale, const float *bias, int relu,
                        float *y, int ldy);

/// Plain-loop reference on the unpacked B (K×N row-major), same epilogue.
void hsi_i8_hybrid_gemm_reference(int m, int n, int k,
                                  const uint8_t *a, int lda, const int8_t *b,
                                  const int32_t *zp, const float *row_scale,
                                  const float *col_scale, const float *bias, int relu,
                                  float *y, int ldy);

/// Int32 products only (acc above, for rows i < M, columns j < N; c row stride ldc), through `path`.
void hsi_i8_gemm_s32(int path, int m, int n, int k, const uint8_t *a, int lda, const int8_t *packed,
                     int32_t *c, int ldc);

/// Plain-loop reference of hsi_i8_gemm_s32 on the unpacked B.
void hsi_i8_gemm_s32_reference(int m, int n, int k, const uint8_t *a, int lda, const int8_t *b,
                               int32_t *c, int ldc);

#ifdef __cplusplus
}
#endif

#endif
