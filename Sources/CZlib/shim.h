// CZlib: zlib's inflate, used to validate compressed .mat v5 elements before libmatio sees them.
#include <zlib.h>

static inline int hsf_inflateInit(z_stream *stream) { return inflateInit(stream); }
