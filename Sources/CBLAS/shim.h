// CBLAS: OpenBLAS' C interface, plus the few LAPACK routines HSIFlow calls (Fortran ABI).
#include <cblas.h>

/// Symmetric eigen-decomposition, divide and conquer (LAPACK).
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
             float *w, float *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
