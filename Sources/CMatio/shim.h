// CMatio: libmatio, the MATLAB .mat reader (v4, v5, v7.3 through HDF5).
#include <matio.h>
