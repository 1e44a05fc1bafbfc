// CHDF5: libhdf5's C API, with functions for the macros Swift cannot import
// (native types and property lists are globals behind H5open()).
#include <hdf5.h>

static inline hid_t hsf_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t hsf_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t hsf_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t hsf_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t hsf_native_int16(void) { return H5T_NATIVE_INT16; }
static inline hid_t hsf_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t hsf_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t hsf_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t hsf_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t hsf_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t hsf_c_s1(void) { return H5T_C_S1; }
static inline hid_t hsf_p_default(void) { return H5P_DEFAULT; }
static inline hid_t hsf_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t hsf_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t hsf_s_all(void) { return H5S_ALL; }
static inline hid_t hsf_e_default(void) { return H5E_DEFAULT; }
static inline unsigned hsf_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned hsf_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned hsf_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline size_t hsf_variable(void) { return H5T_VARIABLE; }
/// Turns off HDF5's automatic printing of error stacks; callers report errors themselves.
static inline void hsf_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
