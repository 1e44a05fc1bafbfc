// Int8Kernels: the u8 × s8 hybrid products of CInt8.h on three paths — AVX-512 VNNI (vpdpbusd:
// 64 u8·s8 products summed in fours into 16 int32 lanes), AVX2 (widen to int16, vpmaddwd: exact,
// no saturation) and plain C — plus the plain-loop reference they are tested against, per-row
// asymmetric quantization and u8 im2col. The SIMD paths are compiled per function with
// __attribute__((target)), so this file builds on any x86-64 (and elsewhere without them), and
// the path is chosen at run time from CPUID.
#include "CInt8.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define HSI_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

// MARK: - CPU features

#ifdef HSI_X86
static unsigned long long hsi_xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

/// Bit 0: AVX2 usable; bit 1: AVX-512 F+BW+VNNI usable (CPU flags and OS-saved register state).
static int hsi_features(void) {
    static int cached = -1;
    if (cached >= 0) return cached;
    int found = 0;
    unsigned int a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 27))) {  // OSXSAVE
        unsigned long long xcr0 = hsi_xgetbv0();
        int avxState = (xcr0 & 0x6) == 0x6;
        int avx512State = avxState && (xcr0 & 0xE0) == 0xE0;
        if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
            if (avxState && (b & (1u << 5))) found |= 1;                                  // AVX2
            if (avx512State && (b & (1u << 16)) && (b & (1u << 30)) && (c & (1u << 11)))  // F, BW, VNNI
                found |= 2;
        }
    }
    cached = found;
    return found;
}
#else
static int hsi_features(void) { return 0; }
#endif

int hsi_i8_path_supported(int path) {
    switch (path) {
    case HSI_I8_AUTO:
    case HSI_I8_PLAIN_C: return 1;
    case HSI_I8_AVX2: return (hsi_features() & 1) != 0;
    case HSI_I8_AVX512_VNNI: return (hsi_features() & 2) != 0;
    default: return 0;
    }
}

int hsi_i8_best_path(void) {
    int f = hsi_features();
    if (f & 2) return HSI_I8_AVX512_VNNI;
    if (f & 1) return HSI_I8_AVX2;
    return HSI_I8_PLAIN_C;
}

// MARK: - Packing, sums, quantization, im2col

int hsi_i8_padded_k(int k) { return (k + HSI_I8_KGROUP - 1) / HSI_I8_KGROUP * HSI_I8_KGROUP; }

size_t hsi_i8_packed_bytes(int k, int n) {
    size_t panels = (size_t)((n + HSI_I8_PANEL - 1) / HSI_I8_PANEL);
    return panels * (size_t)hsi_i8_padded_k(k) * HSI_I8_PANEL;
}

void hsi_i8_pack(const int8_t *b, int k, int n, int8_t *packed) {
    int k4 = hsi_i8_padded_k(k) / 4, panels = (n + HSI_I8_PANEL - 1) / HSI_I8_PANEL;
    for (int p = 0; p < panels; p++)
        for (int q = 0; q < k4; q++)
            for (int j = 0; j < HSI_I8_PANEL; j++)
                for (int t = 0; t < 4; t++) {
                    int kk = 4 * q + t, col = HSI_I8_PANEL * p + j;
                    packed[(((size_t)p * k4 + q) * HSI_I8_PANEL + j) * 4 + t] =
                        (kk < k && col < n) ? b[(size_t)kk * n + col] : 0;
                }
}

void hsi_i8_column_sums(const int8_t *b, int k, int n, int32_t *sums) {
    for (int j = 0; j < n; j++) sums[j] = 0;
    for (int kk = 0; kk < k; kk++)
        for (int j = 0; j < n; j++) sums[j] += b[(size_t)kk * n + j];
}

// The range of a row: lo = min(0, x…), hi = max(0, x…) (0 belongs to every range, so vector
// tails loaded as zeros change nothing).
static void range_c(const float *x, int count, float *lo, float *hi) {
    float l = 0, h = 0;
    for (int i = 0; i < count; i++) {
        l = x[i] < l ? x[i] : l;
        h = x[i] > h ? x[i] : h;
    }
    *lo = l;
    *hi = h;
}

// Stores u[i] = clamp(roundf(x[i] · inverse) + offset, qlo, qhi) + 128: roundf is round half away
// from zero, as TFLite's std::round.
static void quantize_c(const float *x, int count, float inverse, int32_t offset, int32_t qlo, int32_t qhi, uint8_t *u) {
    for (int i = 0; i < count; i++) {
        int32_t q = (int32_t)roundf(x[i] * inverse) + offset;
        q = q < qlo ? qlo : (q > qhi ? qhi : q);
        u[i] = (uint8_t)(q + 128);
    }
}

#ifdef HSI_X86
// The vector forms give the same bits as the plain loops: min/max are exact, x · inverse is one
// float product per lane, and round half away from zero is built exactly from truncation:
// t = trunc(v), then t ± 1 when |v − t| ≥ 0.5 (v − t is exact for any float v).
__attribute__((target("avx512f,avx512bw")))
static void range_avx512(const float *x, int count, float *lo, float *hi) {
    __m512 l = _mm512_setzero_ps(), h = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        l = _mm512_min_ps(l, v);
        h = _mm512_max_ps(h, v);
    }
    if (i < count) {
        __m512 v = _mm512_maskz_loadu_ps((__mmask16)((1u << (count - i)) - 1), x + i);
        l = _mm512_min_ps(l, v);
        h = _mm512_max_ps(h, v);
    }
    *lo = _mm512_reduce_min_ps(l);
    *hi = _mm512_reduce_max_ps(h);
}

__attribute__((target("avx512f,avx512bw")))
static void quantize_avx512(const float *x, int count, float inverse, int32_t offset, int32_t qlo, int32_t qhi, uint8_t *u) {
    const __m512 inv = _mm512_set1_ps(inverse), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    const __m512i off = _mm512_set1_epi32(offset + 128), lo = _mm512_set1_epi32(qlo + 128), hi = _mm512_set1_epi32(qhi + 128);
    for (int i = 0; i < count; i += 16) {
        __mmask16 mask = count - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1);
        __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x + i), inv);
        __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        __m512 f = _mm512_abs_ps(_mm512_sub_ps(v, t));
        __mmask16 up = _mm512_cmp_ps_mask(f, half, _CMP_GE_OQ);
        // t + copysign(1, v) where the fraction is at least one half
        __m512 step = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(one),
            _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000))));
        t = _mm512_mask_add_ps(t, up, t, step);
        __m512i q = _mm512_add_epi32(_mm512_cvttps_epi32(t), off);
        q = _mm512_min_epi32(_mm512_max_epi32(q, lo), hi);
        _mm512_mask_cvtepi32_storeu_epi8(u + i, mask, q);
    }
}

__attribute__((target("avx2")))
static void range_avx2(const float *x, int count, float *lo, float *hi) {
    __m256 l = _mm256_setzero_ps(), h = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        l = _mm256_min_ps(l, v);
        h = _mm256_max_ps(h, v);
    }
    float ls[8], hs[8];
    _mm256_storeu_ps(ls, l);
    _mm256_storeu_ps(hs, h);
    float lt, ht;
    range_c(x + i, count - i, &lt, &ht);
    for (int j = 0; j < 8; j++) {
        lt = ls[j] < lt ? ls[j] : lt;
        ht = hs[j] > ht ? hs[j] : ht;
    }
    *lo = lt;
    *hi = ht;
}

__attribute__((target("avx2")))
static void quantize_avx2(const float *x, int count, float inverse, int32_t offset, int32_t qlo, int32_t qhi, uint8_t *u) {
    const __m256 inv = _mm256_set1_ps(inverse), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000));
    const __m256i off = _mm256_set1_epi32(offset + 128), lo = _mm256_set1_epi32(qlo + 128), hi = _mm256_set1_epi32(qhi + 128);
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), inv);
        __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        __m256 f = _mm256_andnot_ps(sign, _mm256_sub_ps(v, t));
        __m256 up = _mm256_cmp_ps(f, half, _CMP_GE_OQ);
        __m256 step = _mm256_or_ps(one, _mm256_and_ps(v, sign));
        t = _mm256_add_ps(t, _mm256_and_ps(up, step));
        __m256i q = _mm256_add_epi32(_mm256_cvttps_epi32(t), off);
        q = _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
        __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64((__m128i *)(u + i), _mm_packus_epi16(w, w));
    }
    quantize_c(x + i, count - i, inverse, offset, qlo, qhi, u + i);
}
#endif

static void range_on(int path, const float *x, int count, float *lo, float *hi) {
    if (path == HSI_I8_AUTO || !hsi_i8_path_supported(path)) path = hsi_i8_best_path();
#ifdef HSI_X86
    if (path == HSI_I8_AVX512_VNNI) { range_avx512(x, count, lo, hi); return; }
    if (path == HSI_I8_AVX2) { range_avx2(x, count, lo, hi); return; }
#endif
    range_c(x, count, lo, hi);
}

static void quantize_on(int path, const float *x, int count, float inverse, int32_t offset, int32_t qlo, int32_t qhi, uint8_t *u) {
    if (path == HSI_I8_AUTO || !hsi_i8_path_supported(path)) path = hsi_i8_best_path();
#ifdef HSI_X86
    if (path == HSI_I8_AVX512_VNNI) { quantize_avx512(x, count, inverse, offset, qlo, qhi, u); return; }
    if (path == HSI_I8_AVX2) { quantize_avx2(x, count, inverse, offset, qlo, qhi, u); return; }
#endif
    quantize_c(x, count, inverse, offset, qlo, qhi, u);
}

// TFLite's AsymmetricQuantizeFloats: range [min(0, lo), max(0, hi)] onto [-128, 127], the zero
// point taken from whichever end gives the smaller error and rounded; q = round(x / scale) + zp.
void hsi_i8_quantize_row_on(int path, const float *x, int count, uint8_t *u, float *scale, int32_t *zero_point) {
    float lo, hi;
    range_on(path, x, count, &lo, &hi);
    if (lo == hi) {  // all zeros: q = 0 everywhere
        memset(u, 128, (size_t)count);
        *scale = 1;
        *zero_point = 128;
        return;
    }
    const double qmin = -128, qmax = 127;
    const double rmin = lo, rmax = hi;
    const double s = (rmax - rmin) / (qmax - qmin);
    const double fromMin = qmin - rmin / s, fromMax = qmax - rmax / s;
    const double errorMin = qmin + fabs(rmin / s), errorMax = qmax + fabs(rmax / s);
    double zp = errorMin < errorMax ? fromMin : fromMax;
    zp = zp < qmin ? qmin : (zp > qmax ? qmax : zp);
    const int32_t nudged = (int32_t)round(zp);
    quantize_on(path, x, count, (float)(1.0 / s), nudged, -128, 127, u);
    *scale = (float)s;
    *zero_point = nudged + 128;
}

void hsi_i8_quantize_row(const float *x, int count, uint8_t *u, float *scale, int32_t *zero_point) {
    hsi_i8_quantize_row_on(HSI_I8_AUTO, x, count, u, scale, zero_point);
}

void hsi_i8_quantize_row_symmetric_on(int path, const float *x, int count, uint8_t *u, float *scale) {
    float lo, hi;
    range_on(path, x, count, &lo, &hi);
    const float range = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
    if (range == 0) {
        memset(u, 128, (size_t)count);
        *scale = 1;
        return;
    }
    quantize_on(path, x, count, 127.0f / range, 0, -127, 127, u);
    *scale = range / 127.0f;
}

void hsi_i8_quantize_row_symmetric(const float *x, int count, uint8_t *u, float *scale) {
    hsi_i8_quantize_row_symmetric_on(HSI_I8_AUTO, x, count, u, scale);
}

void hsi_i8_im2col(const uint8_t *x, int h, int w, int c, int kh, int kw, int pt, int pl,
                   int oh, int ow, uint8_t pad, uint8_t *cols, int ldc) {
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            uint8_t *row = cols + (size_t)(oy * ow + ox) * ldc;
            for (int ky = 0; ky < kh; ky++) {
                int iy = oy + ky - pt;
                for (int kx = 0; kx < kw; kx++) {
                    int ix = ox + kx - pl;
                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                        memcpy(row, x + ((size_t)iy * w + ix) * c, (size_t)c);
                    else
                        memset(row, pad, (size_t)c);
                    row += c;
                }
            }
        }
}

// MARK: - Tiles: int32 sums of R rows × P panels into acc (row stride HSI_TILE_STRIDE)

#define HSI_TILE_STRIDE 64  // up to 4 panels of 16 columns

// Plain C: one row, one panel.
static void tile_c(int k4, const uint8_t *a, const int8_t *w, int32_t *acc) {
    int32_t s[HSI_I8_PANEL] = {0};
    for (int q = 0; q < k4; q++) {
        const int32_t a0 = a[4 * q], a1 = a[4 * q + 1], a2 = a[4 * q + 2], a3 = a[4 * q + 3];
        const int8_t *wq = w + (size_t)q * 64;
        for (int j = 0; j < HSI_I8_PANEL; j++)
            s[j] += a0 * wq[j * 4] + a1 * wq[j * 4 + 1] + a2 * wq[j * 4 + 2] + a3 * wq[j * 4 + 3];
    }
    for (int j = 0; j < HSI_I8_PANEL; j++) acc[j] = s[j];
}

#ifdef HSI_X86
// AVX2: R rows (≤ 2) × one panel. 16 bytes of weights (4 columns × 4 k) widen to 16 int16;
// vpmaddwd with (a0, a1, a2, a3) repeated gives each column as two int32 halves, summed at the end.
__attribute__((target("avx2"), always_inline))
static inline void tile_avx2(const int R, int k4, const uint8_t *a, int lda, const int8_t *w, int32_t *acc) {
    __m256i c[2][4];
    for (int r = 0; r < R; r++)
        for (int g = 0; g < 4; g++) c[r][g] = _mm256_setzero_si256();
    for (int q = 0; q < k4; q++) {
        __m256i b[4];
        for (int g = 0; g < 4; g++)
            b[g] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + (size_t)q * 64 + g * 16)));
        for (int r = 0; r < R; r++) {
            int32_t av;
            memcpy(&av, a + (size_t)r * lda + 4 * q, 4);
            // (a0, a1, a2, a3) widened to int16 and repeated across the register.
            __m256i ab = _mm256_broadcastq_epi64(_mm_cvtepu8_epi16(_mm_cvtsi32_si128(av)));
            for (int g = 0; g < 4; g++) c[r][g] = _mm256_add_epi32(c[r][g], _mm256_madd_epi16(b[g], ab));
        }
    }
    for (int r = 0; r < R; r++)
        for (int g = 0; g < 4; g++) {
            int32_t halves[8];
            _mm256_storeu_si256((__m256i *)halves, c[r][g]);
            for (int jj = 0; jj < 4; jj++) acc[r * HSI_TILE_STRIDE + g * 4 + jj] = halves[2 * jj] + halves[2 * jj + 1];
        }
}

__attribute__((target("avx2"))) static void tile_avx2_1(int k4, const uint8_t *a, int lda, const int8_t *w, int32_t *acc) {
    tile_avx2(1, k4, a, lda, w, acc);
}
__attribute__((target("avx2"))) static void tile_avx2_2(int k4, const uint8_t *a, int lda, const int8_t *w, int32_t *acc) {
    tile_avx2(2, k4, a, lda, w, acc);
}

// AVX-512 VNNI: R rows (≤ 4) × P panels (≤ 4); per group of 4 k, one 64-byte load per panel, one
// 4-byte broadcast per row, R·P independent vpdpbusd.
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline))
static inline void tile_vnni(const int R, const int P, int k4, const uint8_t *a, int lda, const int8_t *w,
                             size_t panelBytes, int32_t *acc) {
    __m512i c[4][4];
    for (int r = 0; r < R; r++)
        for (int p = 0; p < P; p++) c[r][p] = _mm512_setzero_si512();
    for (int q = 0; q < k4; q++) {
        __m512i b[4];
        for (int p = 0; p < P; p++) b[p] = _mm512_loadu_si512((const void *)(w + p * panelBytes + (size_t)q * 64));
        for (int r = 0; r < R; r++) {
            int32_t av;
            memcpy(&av, a + (size_t)r * lda + 4 * q, 4);
            __m512i ab = _mm512_set1_epi32(av);
            for (int p = 0; p < P; p++) c[r][p] = _mm512_dpbusd_epi32(c[r][p], ab, b[p]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int p = 0; p < P; p++) _mm512_storeu_si512((void *)(acc + r * HSI_TILE_STRIDE + p * 16), c[r][p]);
}

#define HSI_VNNI_TILE(R, P)                                                                                \
    __attribute__((target("avx512f,avx512bw,avx512vnni"))) static void tile_vnni_##R##_##P(               \
        int k4, const uint8_t *a, int lda, const int8_t *w, size_t panelBytes, int32_t *acc) {              \
        tile_vnni(R, P, k4, a, lda, w, panelBytes, acc);                                                    \
    }
HSI_VNNI_TILE(1, 1) HSI_VNNI_TILE(1, 2) HSI_VNNI_TILE(1, 3) HSI_VNNI_TILE(1, 4)
HSI_VNNI_TILE(2, 1) HSI_VNNI_TILE(2, 2) HSI_VNNI_TILE(2, 3) HSI_VNNI_TILE(2, 4)
HSI_VNNI_TILE(3, 1) HSI_VNNI_TILE(3, 2) HSI_VNNI_TILE(3, 3) HSI_VNNI_TILE(3, 4)
HSI_VNNI_TILE(4, 1) HSI_VNNI_TILE(4, 2) HSI_VNNI_TILE(4, 3) HSI_VNNI_TILE(4, 4)

typedef void (*vnni_tile_fn)(int, const uint8_t *, int, const int8_t *, size_t, int32_t *);
static const vnni_tile_fn vnni_tiles[4][4] = {
    {tile_vnni_1_1, tile_vnni_1_2, tile_vnni_1_3, tile_vnni_1_4},
    {tile_vnni_2_1, tile_vnni_2_2, tile_vnni_2_3, tile_vnni_2_4},
    {tile_vnni_3_1, tile_vnni_3_2, tile_vnni_3_3, tile_vnni_3_4},
    {tile_vnni_4_1, tile_vnni_4_2, tile_vnni_4_3, tile_vnni_4_4},
};
#endif

// MARK: - Driver

/// What to do with a tile's sums: store int32 (out32) or run the float epilogue (y).
typedef struct {
    const int32_t *zp;
    const float *rowScale;
    const int32_t *colsum;
    const float *colScale;
    const float *bias;
    int relu;
    float *y;
    int ldy;
    int32_t *out32;
    int ld32;
} hsi_epilogue;

// Not inlined into the SIMD tiles, and compiled for baseline x86-64: the float arithmetic (no FMA
// contraction) is the same on every path and in the reference.
__attribute__((noinline))
static void finish(const hsi_epilogue *e, int i0, int R, int j0, int columns, const int32_t *acc) {
    for (int r = 0; r < R; r++) {
        int i = i0 + r;
        for (int jj = 0; jj < columns; jj++) {
            int j = j0 + jj;
            int32_t v = acc[r * HSI_TILE_STRIDE + jj];
            if (e->out32) {
                e->out32[(size_t)i * e->ld32 + j] = v;
                continue;
            }
            v -= e->zp[i] * e->colsum[j];
            float scale = e->rowScale[i] * e->colScale[j];
            float o = (float)v * scale;
            if (e->bias) o += e->bias[j];
            if (e->relu && !(o > 0)) o = 0;
            e->y[(size_t)i * e->ldy + j] = o;
        }
    }
}

#ifdef HSI_X86
// The same epilogue 16 (AVX-512) or 8 (AVX2) columns at a time, with the same operations in the same
// order: int32 v − zp·colsum (wrapping as the scalar form does), one rounding to float, × (rowScale ×
// colScale), + bias, then max(o, 0), which gives 0 for NaN and −0 as !(o > 0) does. Mul and add are
// separate intrinsics (never contracted to an FMA), so the bits equal `finish`'s (tested).
__attribute__((target("avx512f,avx512bw"), noinline))
static void finish_avx512(const hsi_epilogue *e, int i0, int R, int j0, int columns, const int32_t *acc) {
    for (int r = 0; r < R; r++) {
        const int i = i0 + r;
        const int32_t *a = acc + r * HSI_TILE_STRIDE;
        for (int jj = 0; jj < columns; jj += 16) {
            const __mmask16 m = columns - jj >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - jj)) - 1);
            __m512i v = _mm512_maskz_loadu_epi32(m, a + jj);
            if (e->out32) {
                _mm512_mask_storeu_epi32(e->out32 + (size_t)i * e->ld32 + j0 + jj, m, v);
                continue;
            }
            v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_set1_epi32(e->zp[i]), _mm512_maskz_loadu_epi32(m, e->colsum + j0 + jj)));
            __m512 scale = _mm512_mul_ps(_mm512_set1_ps(e->rowScale[i]), _mm512_maskz_loadu_ps(m, e->colScale + j0 + jj));
            __m512 o = _mm512_mul_ps(_mm512_cvtepi32_ps(v), scale);
            if (e->bias) o = _mm512_add_ps(o, _mm512_maskz_loadu_ps(m, e->bias + j0 + jj));
            if (e->relu) o = _mm512_max_ps(o, _mm512_setzero_ps());
            _mm512_mask_storeu_ps(e->y + (size_t)i * e->ldy + j0 + jj, m, o);
        }
    }
}

__attribute__((target("avx2"), noinline))
static void finish_avx2(const hsi_epilogue *e, int i0, int R, int j0, int columns, const int32_t *acc) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int r = 0; r < R; r++) {
        const int i = i0 + r;
        const int32_t *a = acc + r * HSI_TILE_STRIDE;
        for (int jj = 0; jj < columns; jj += 8) {
            const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(columns - jj), lane);  // lanes < columns − jj
            __m256i v = _mm256_maskload_epi32(a + jj, m);
            if (e->out32) {
                _mm256_maskstore_epi32(e->out32 + (size_t)i * e->ld32 + j0 + jj, m, v);
                continue;
            }
            v = _mm256_sub_epi32(v, _mm256_mullo_epi32(_mm256_set1_epi32(e->zp[i]), _mm256_maskload_epi32(e->colsum + j0 + jj, m)));
            __m256 scale = _mm256_mul_ps(_mm256_set1_ps(e->rowScale[i]), _mm256_maskload_ps(e->colScale + j0 + jj, m));
            __m256 o = _mm256_mul_ps(_mm256_cvtepi32_ps(v), scale);
            if (e->bias) o = _mm256_add_ps(o, _mm256_maskload_ps(e->bias + j0 + jj, m));
            if (e->relu) o = _mm256_max_ps(o, _mm256_setzero_ps());
            _mm256_maskstore_ps(e->y + (size_t)i * e->ldy + j0 + jj, m, o);
        }
    }
}
#endif

static void run(int path, int m, int n, int k, const uint8_t *a, int lda, const int8_t *packed, const hsi_epilogue *e) {
    if (m <= 0 || n <= 0) return;
    if (path == HSI_I8_AUTO || !hsi_i8_path_supported(path)) path = hsi_i8_best_path();
    const int k4 = hsi_i8_padded_k(k) / 4;
    const int panels = (n + HSI_I8_PANEL - 1) / HSI_I8_PANEL;
    const size_t panelBytes = (size_t)k4 * 64;
    int32_t acc[4 * HSI_TILE_STRIDE];
    int rowBlock = path == HSI_I8_AVX512_VNNI ? 4 : (path == HSI_I8_AVX2 ? 2 : 1);
    int panelBlock = path == HSI_I8_AVX512_VNNI ? 4 : 1;
    // Panels outer, rows inner: a block of panels (≤ 64 columns × K) stays in cache while every
    // row passes over it.
    for (int p = 0; p < panels; p += panelBlock) {
        int P = panels - p < panelBlock ? panels - p : panelBlock;
        const int8_t *wp = packed + p * panelBytes;
        for (int i = 0; i < m; i += rowBlock) {
            int R = m - i < rowBlock ? m - i : rowBlock;
            const uint8_t *ai = a + (size_t)i * lda;
            switch (path) {
#ifdef HSI_X86
            case HSI_I8_AVX512_VNNI:
                vnni_tiles[R - 1][P - 1](k4, ai, lda, wp, panelBytes, acc);
                break;
            case HSI_I8_AVX2:
                if (R == 2) tile_avx2_2(k4, ai, lda, wp, acc); else tile_avx2_1(k4, ai, lda, wp, acc);
                break;
#endif
            default:
                tile_c(k4, ai, wp, acc);
                break;
            }
            int j0 = p * HSI_I8_PANEL;
            int columns = n - j0 < P * HSI_I8_PANEL ? n - j0 : P * HSI_I8_PANEL;
#ifdef HSI_X86
            if (path == HSI_I8_AVX512_VNNI) { finish_avx512(e, i, R, j0, columns, acc); continue; }
            if (path == HSI_I8_AVX2) { finish_avx2(e, i, R, j0, columns, acc); continue; }
#endif
            finish(e, i, R, j0, columns, acc);
        }
    }
}

void hsi_i8_hybrid_gemm(int path, int m, int n, int k, const uint8_t *a, int lda, const int8_t *packed,
                        const int32_t *zp, const float *row_scale, const int32_t *colsum, const float *col_scale,
                        const float *bias, int relu, float *y, int ldy) {
    hsi_epilogue e = {zp, row_scale, colsum, col_scale, bias, relu, y, ldy, NULL, 0};
    run(path, m, n, k, a, lda, packed, &e);
}

void hsi_i8_gemm_s32(int path, int m, int n, int k, const uint8_t *a, int lda, const int8_t *packed,
                     int32_t *c, int ldc) {
    hsi_epilogue e = {NULL, NULL, NULL, NULL, NULL, 0, NULL, 0, c, ldc};
    run(path, m, n, k, a, lda, packed, &e);
}

// MARK: - Plain-loop references (unpacked B)

void hsi_i8_gemm_s32_reference(int m, int n, int k, const uint8_t *a, int lda, const int8_t *b, int32_t *c, int ldc) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            int32_t s = 0;
            for (int kk = 0; kk < k; kk++) s += (int32_t)a[(size_t)i * lda + kk] * (int32_t)b[(size_t)kk * n + j];
            c[(size_t)i * ldc + j] = s;
        }
}

void hsi_i8_hybrid_gemm_reference(int m, int n, int k, const uint8_t *a, int lda, const int8_t *b,
                                  const int32_t *zp, const float *row_scale, const float *col_scale,
                                  const float *bias, int relu, float *y, int ldy) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            // Σ (u − zp) · w directly, not Σ u·w − zp·Σw: the same integer, reached another way.
            int32_t s = 0;
            for (int kk = 0; kk < k; kk++)
                s += ((int32_t)a[(size_t)i * lda + kk] - zp[i]) * (int32_t)b[(size_t)kk * n + j];
            float scale = row_scale[i] * col_scale[j];
            float o = (float)s * scale;
            if (bias) o += bias[j];
            if (relu && !(o > 0)) o = 0;
            y[(size_t)i * ldy + j] = o;
        }
}
