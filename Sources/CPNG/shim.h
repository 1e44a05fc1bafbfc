// CPNG: libpng's simplified API (png_image_*), which reports errors by return value, not longjmp.
#include <png.h>

static inline unsigned hsf_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline unsigned hsf_png_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline unsigned hsf_png_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline unsigned hsf_png_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline int hsf_png_image_failed(const png_image *image) { return PNG_IMAGE_FAILED(*image); }
