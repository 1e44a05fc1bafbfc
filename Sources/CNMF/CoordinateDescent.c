// CoordinateDescent: NMF's coordinate-descent tile kernel (CNMF.h) on three paths — AVX-512F
// (8 doubles a vector, masked tail), AVX2+FMA (4 doubles, scalar FMA tail) and plain C — plus
// the plain-loop reference they are tested against. The SIMD paths are compiled per function with
// __attribute__((target)), so this file builds on any x86-64 (and elsewhere without them); the
// path is chosen at run time from CPUID. Only the gradient update is vectorised: the scalar steps
// (projected gradient, step, objective decrease) are one shared inline function, so every path
// does them identically, and no compiler contraction turns a multiply and an add into an FMA.
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

__attribute__((target("avx512f")))
static double tile_avx512(int rows, int k, double *w, double *grad, const double *gram,
                          int sweeps, double continue_ratio) {
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
