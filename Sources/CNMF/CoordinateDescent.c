// CoordinateDescent: NMF's coordinate-descent tile kernel (CNMF.h) on three paths — AVX-512F
// (8 doubles a vector, masked tail; up to k = 128 a row's gradient stays in registers), AVX2+FMA
// (4 doubles, scalar FMA tail) and plain C — plus the plain-loop reference they are tested
// against. The SIMD paths are compiled per function with __attribute__((target)), so this file
// builds on any x86-64 (and elsewhere without them); the path is chosen at run time from CPUID.
// Only the gradient update is vectorised: the scalar steps (projected gradient, step, objective
// decrease) are one shared inline function, so every path does them identically, and no compiler
// contraction turns a multiply and an add into an FMA.
#pragma STDC FP_CONTRACT OFF

#include "CNMF.h"

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#define HSI_CD_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

// MARK: - CPU features

#ifdef HSI_CD_X86
static unsigned long long hsi_cd_xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

/// Bit 0: AVX2 and FMA usable; bit 1: AVX-512F usable (CPU flags and OS-saved register state).
static int hsi_cd_features(void) {
    static int cached = -1;
    if (cached >= 0) return cached;
    int found = 0;
    unsigned int a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27))) {  // OSXSAVE
        int fma = (c & (1u << 12)) != 0;
        unsigned long long xcr0 = hsi_cd_xgetbv0();
        int avxState = (xcr0 & 0x6) == 0x6;
        int avx512State = avxState && (xcr0 & 0xE0) == 0xE0;
        if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
            if (avxState && fma && (b & (1u << 5))) found |= 1;   // AVX2 + FMA
            if (avx512State && (b & (1u << 16))) found |= 2;      // AVX-512F
        }
    }
    cached = found;
    return found;
}
#else
static int hsi_cd_features(void) { return 0; }
#endif

int hsi_cd_path_supported(int path) {
    switch (path) {
    case HSI_CD_AUTO:
    case HSI_CD_PLAIN_C: return 1;
    case HSI_CD_AVX2: return (hsi_cd_features() & 1) != 0;
    case HSI_CD_AVX512: return (hsi_cd_features() & 2) != 0;
    default: return 0;
    }
}

int hsi_cd_best_path(void) {
    int f = hsi_cd_features();
    if (f & 2) return HSI_CD_AVX512;
    if (f & 1) return HSI_CD_AVX2;
    return HSI_CD_PLAIN_C;
}

// MARK: - The scalar step, shared by every path

/// One coordinate: adds |projected gradient| to *violation on the first pass, moves *wt to
/// max(wt − gt/hess, 0), adds the objective decrease to *gain. Returns the step δ (0: no move).
static inline double hsi_cd_step(double *wt, double gt, double hess, int first, double *violation, double *gain) {
    double w0 = *wt;
    if (first) *violation += fabs(w0 == 0 ? fmin(0, gt) : gt);
    if (hess == 0) return 0;
    double updated = w0 - gt / hess;
    if (!(updated > 0)) updated = 0;   // max(·, 0); a NaN step leaves 0 as max(NaN, 0) did
    double d = updated - w0;
    if (d != 0) {
        *wt = updated;
        *gain -= d * (gt + 0.5 * hess * d);
    }
    return d;
}

/// The sweep loop around a row update g[0..k) += d·G[t, 0..k); `UPDATE` is the path's update.
#define HSI_CD_TILE_BODY(UPDATE)                                                            \
    double violation = 0, firstGain = 0;                                                    \
    for (int sweep = 0; sweep < sweeps; sweep++) {                                          \
        double gain = 0;                                                                    \
        for (int i = 0; i < rows; i++) {                                                    \
            double *wr = w + (long)i * k, *g = grad + (long)i * k;                          \
            for (int t = 0; t < k; t++) {                                                   \
                double d = hsi_cd_step(wr + t, g[t], gram[(long)t * k + t], sweep == 0,     \
                                       &violation, &gain);                                  \
                if (d != 0) { const double *gt = gram + (long)t * k; UPDATE; }              \
            }                                                                               \
        }                                                                                   \
        if (sweep == 0) firstGain = gain;                                                   \
        else if (gain <= continue_ratio * firstGain) break;                                 \
        if (gain <= 0) break;                                                               \
    }                                                                                       \
    return violation;

// MARK: - Reference and plain C

double hsi_cd_tile_reference(int rows, int k, double *w, double *grad, const double *gram,
                             int sweeps, double continue_ratio) {
    HSI_CD_TILE_BODY(for (int j = 0; j < k; j++) g[j] = fma(d, gt[j], g[j]))
}

static double tile_plain(int rows, int k, double *w, double *grad, const double *gram,
                         int sweeps, double continue_ratio) {
    HSI_CD_TILE_BODY(for (int j = 0; j < k; j++) g[j] = g[j] + d * gt[j])
}

// MARK: - AVX2 + FMA and AVX-512F

#ifdef HSI_CD_X86
__attribute__((target("avx2,fma"), always_inline))
static inline void update_avx2(int k, double d, const double *gt, double *g) {
    __m256d vd = _mm256_set1_pd(d);
    int j = 0;
    for (; j + 4 <= k; j += 4)
        _mm256_storeu_pd(g + j, _mm256_fmadd_pd(vd, _mm256_loadu_pd(gt + j), _mm256_loadu_pd(g + j)));
    for (; j < k; j++)
        g[j] = _mm_cvtsd_f64(_mm_fmadd_sd(_mm_set_sd(d), _mm_set_sd(gt[j]), _mm_set_sd(g[j])));
}

__attribute__((target("avx2,fma")))
static double tile_avx2(int rows, int k, double *w, double *grad, const double *gram,
                        int sweeps, double continue_ratio) {
    HSI_CD_TILE_BODY(update_avx2(k, d, gt, g))
}

__attribute__((target("avx512f"), always_inline))
static inline void update_avx512(int k, double d, const double *gt, double *g) {
    __m512d vd = _mm512_set1_pd(d);
    int j = 0;
    for (; j + 8 <= k; j += 8)
        _mm512_storeu_pd(g + j, _mm512_fmadd_pd(vd, _mm512_loadu_pd(gt + j), _mm512_loadu_pd(g + j)));
    if (j < k) {
        __mmask8 m = (__mmask8)((1u << (k - j)) - 1);
        __m512d r = _mm512_fmadd_pd(vd, _mm512_maskz_loadu_pd(m, gt + j), _mm512_maskz_loadu_pd(m, g + j));
        _mm512_mask_storeu_pd(g + j, m, r);
    }
}

// MARK: - AVX-512F with gradient rows in registers (k ≤ 128)

// A row's gradient g (k ≤ 128 doubles) fits in up to sixteen zmm registers, 8 coordinates each.
// Held there through the row's pass, the update of coordinate t is ⌈k/8⌉ loads of G[t, :] and
// FMAs, with no load or store of g, and g[t] is read out of its register. Up to k = 112 two rows,
// A and B, go side by side (up to 28 registers): a row is one chain of dependent latencies
// (g[t] → divide → clip → broadcast → FMA → g[t+1]) and the second row's chain fills the first
// one's waits. Per coordinate at k = 100 on Zen 4: 13.3 ns with g in memory, 8.3 ns with one row
// in registers, 6.5 ns with two. The arithmetic is the memory path's — one FMA per element, the
// same scalar step, each row's coordinates in order — and row B's violation and gain terms are
// kept per coordinate and added after row A's, so the tile's sums, and with them its early stop,
// are the reference's bit for bit (a term kept as 0 − x and added is the same double as x
// subtracted, the sum never being −0). The chunk count is a constant in each specialisation, so
// the unrolled chunks below fold to the ones in use.
#define HSI_CD_MAX_REGISTER_K 128
/// Widest k whose row pairs stay in registers (measured: at 120 and 128 pairs are no faster).
#define HSI_CD_MAX_PAIR_K 112
#define HSI_CD_UNROLL16(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
                           X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
/// The same, for use inside an HSI_CD_UNROLL16 (a macro does not expand inside itself).
#define HSI_CD_UNROLL16_INNER(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
                                 X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

/// G[t, 8c … 8c+7] (the last chunk masked to k, so nothing past G's end is read).
#define HSI_CD_GRAM(c) (c == last ? _mm512_maskz_loadu_pd(tail, gt + 8 * c) : _mm512_loadu_pd(gt + 8 * c))
/// Register R##c ← g[8c … 8c+7] (zero for chunks past k), and back.
#define HSI_CD_ROW_LOAD(R, g, c)                                                                \
    __m512d R##c = c < chunks ? (c == last ? _mm512_maskz_loadu_pd(tail, g + 8 * c)              \
                                           : _mm512_loadu_pd(g + 8 * c))                         \
                              : _mm512_setzero_pd();
#define HSI_CD_ROW_STORE(R, g, c)                                                               \
    if (c < chunks) {                                                                           \
        if (c == last) _mm512_mask_storeu_pd(g + 8 * c, tail, R##c);                            \
        else _mm512_storeu_pd(g + 8 * c, R##c);                                                 \
    }
/// g[t] of row R: lane `lane` of R##c.
#define HSI_CD_ROW_GRADIENT(R, c) _mm512_cvtsd_f64(_mm512_permutexvar_pd(index, R##c))
/// Row R's g += d·G[t, :] when d ≠ 0: the chunk of t first, since the next coordinate's g usually
/// sits there (it shortens the chain), then the others through OTHER (HSI_CD_ROW_FMA_OTHER).
#define HSI_CD_ROW_UPDATE(R, c, d, OTHER)                                                       \
    if (d != 0) {                                                                               \
        __m512d vd = _mm512_set1_pd(d);                                                         \
        R##c = _mm512_fmadd_pd(vd, HSI_CD_GRAM(c), R##c);                                       \
        HSI_CD_UNROLL16_INNER(OTHER)                                                            \
    }
#define HSI_CD_ROW_FMA_OTHER(R, c) \
    if (c < chunks && c != current) R##c = _mm512_fmadd_pd(vd, HSI_CD_GRAM(c), R##c);
#define HSI_CD_LOAD_R(c) HSI_CD_ROW_LOAD(R, g, c)
#define HSI_CD_LOAD_A(c) HSI_CD_ROW_LOAD(A, ga, c)
#define HSI_CD_LOAD_B(c) HSI_CD_ROW_LOAD(B, gb, c)
#define HSI_CD_STORE_R(c) HSI_CD_ROW_STORE(R, g, c)
#define HSI_CD_STORE_A(c) HSI_CD_ROW_STORE(A, ga, c)
#define HSI_CD_STORE_B(c) HSI_CD_ROW_STORE(B, gb, c)
#define HSI_CD_OTHER_R(c) HSI_CD_ROW_FMA_OTHER(R, c)
#define HSI_CD_OTHER_A(c) HSI_CD_ROW_FMA_OTHER(A, c)
#define HSI_CD_OTHER_B(c) HSI_CD_ROW_FMA_OTHER(B, c)

/// Coordinates 8c … 8c+7 (to k) of one row: g[t] out of R##c, the shared step, the update.
#define HSI_CD_CHUNK(c)                                                                         \
    if (c < chunks) {                                                                           \
        const int current = c, lanes = c == last ? k - 8 * c : 8;                               \
        for (int lane = 0; lane < lanes; lane++) {                                              \
            int t = 8 * c + lane;                                                               \
            const double *gt = gram + (long)t * k;                                              \
            __m512i index = _mm512_set1_epi64(lane);                                            \
            double d = hsi_cd_step(wr + t, HSI_CD_ROW_GRADIENT(R, c), gt[t], first, &violation, &gain); \
            HSI_CD_ROW_UPDATE(R, c, d, HSI_CD_OTHER_R)                                          \
        }                                                                                       \
    }
/// The same for rows A and B side by side; B's terms go to the per-coordinate buffers.
#define HSI_CD_CHUNK_PAIR(c)                                                                    \
    if (c < chunks) {                                                                           \
        const int current = c, lanes = c == last ? k - 8 * c : 8;                               \
        for (int lane = 0; lane < lanes; lane++) {                                              \
            int t = 8 * c + lane;                                                               \
            const double *gt = gram + (long)t * k;                                              \
            __m512i index = _mm512_set1_epi64(lane);                                            \
            double violationB = 0, gainB = 0;                                                   \
            double dA = hsi_cd_step(wa + t, HSI_CD_ROW_GRADIENT(A, c), gt[t], first, &violation, &gain); \
            double dB = hsi_cd_step(wb + t, HSI_CD_ROW_GRADIENT(B, c), gt[t], first, &violationB, &gainB); \
            violationTerms[t] = violationB;                                                     \
            gainTerms[t] = gainB;                                                               \
            HSI_CD_ROW_UPDATE(A, c, dA, HSI_CD_OTHER_A)                                         \
            HSI_CD_ROW_UPDATE(B, c, dB, HSI_CD_OTHER_B)                                         \
        }                                                                                       \
    }

/// HSI_CD_TILE_BODY for k in (8·(chunks − 1), 8·chunks]: rows in pairs while k ≤ 112 (the last
/// odd one alone), else one by one, each with g in registers.
__attribute__((target("avx512f"), always_inline))
static inline double tile_avx512_registers(const int chunks, int rows, int k, double *w, double *grad,
                                           const double *gram, int sweeps, double continue_ratio) {
    const int last = chunks - 1;
    const __mmask8 tail = (__mmask8)((1u << (k - 8 * last)) - 1);
    double violation = 0, firstGain = 0;
    double violationTerms[HSI_CD_MAX_PAIR_K], gainTerms[HSI_CD_MAX_PAIR_K];
    for (int sweep = 0; sweep < sweeps; sweep++) {
        double gain = 0;
        int first = sweep == 0, i = 0;
        if (8 * chunks <= HSI_CD_MAX_PAIR_K) {
            for (; i + 2 <= rows; i += 2) {
                double *wa = w + (long)i * k, *ga = grad + (long)i * k, *wb = wa + k, *gb = ga + k;
                HSI_CD_UNROLL16(HSI_CD_LOAD_A)
                HSI_CD_UNROLL16(HSI_CD_LOAD_B)
                HSI_CD_UNROLL16(HSI_CD_CHUNK_PAIR)
                HSI_CD_UNROLL16(HSI_CD_STORE_A)
                HSI_CD_UNROLL16(HSI_CD_STORE_B)
                for (int t = 0; t < k; t++) {   // row B's terms, after row A's, in its order
                    if (first) violation += violationTerms[t];
                    gain += gainTerms[t];
                }
            }
        }
        for (; i < rows; i++) {
            double *wr = w + (long)i * k, *g = grad + (long)i * k;
            HSI_CD_UNROLL16(HSI_CD_LOAD_R)
            HSI_CD_UNROLL16(HSI_CD_CHUNK)
            HSI_CD_UNROLL16(HSI_CD_STORE_R)
        }
        if (sweep == 0) firstGain = gain;
        else if (gain <= continue_ratio * firstGain) break;
        if (gain <= 0) break;
    }
    return violation;
}

/// Chunk counts 1 … 16 (n = 0 … 15).
#define HSI_CD_REGISTER_CASE(n) \
    case n + 1: return tile_avx512_registers(n + 1, rows, k, w, grad, gram, sweeps, continue_ratio);

__attribute__((target("avx512f")))
static double tile_avx512(int rows, int k, double *w, double *grad, const double *gram,
                          int sweeps, double continue_ratio) {
    switch (k <= HSI_CD_MAX_REGISTER_K ? (k + 7) / 8 : 0) {
    HSI_CD_UNROLL16(HSI_CD_REGISTER_CASE)
    default: break;   // k > 128 (or k < 1): g through memory
    }
    HSI_CD_TILE_BODY(update_avx512(k, d, gt, g))
}
#endif

double hsi_cd_tile(int path, int rows, int k, double *w, double *grad, const double *gram,
                   int sweeps, double continue_ratio) {
    if (path == HSI_CD_AUTO || !hsi_cd_path_supported(path)) path = hsi_cd_best_path();
#ifdef HSI_CD_X86
    if (path == HSI_CD_AVX512) return tile_avx512(rows, k, w, grad, gram, sweeps, continue_ratio);
    if (path == HSI_CD_AVX2) return tile_avx2(rows, k, w, grad, gram, sweeps, continue_ratio);
#endif
    return tile_plain(rows, k, w, grad, gram, sweeps, continue_ratio);
}
