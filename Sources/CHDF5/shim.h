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

/// Closes every HDF5 object still open. libmatio leaks identifiers on some error paths of
/// corrupt v7.3 files; without this, HDF5 complains at process exit.
static inline void hsf_close_all_open_objects(void) {
    ssize_t n = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (n <= 0) return;
    hid_t ids[256];
    if (n > 256) n = 256;
    n = H5Fget_obj_ids((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL, (size_t)n, ids);
    for (ssize_t i = 0; i < n; i++) {
        switch (H5Iget_type(ids[i])) {
        case H5I_FILE: H5Fclose(ids[i]); break;
        case H5I_GROUP: H5Gclose(ids[i]); break;
        case H5I_DATASET: H5Dclose(ids[i]); break;
        case H5I_DATATYPE: H5Tclose(ids[i]); break;
        case H5I_ATTR: H5Aclose(ids[i]); break;
        default: break;
        }
    }
}

/// Object-creation property lists that record no modification times, so writing the same
/// model twice gives byte-identical files (and a cached stage's dependents stay cached).
static inline hid_t hsf_untimed_group_create(void) {
    hid_t plist = H5Pcreate(H5P_GROUP_CREATE);
    if (plist >= 0) H5Pset_obj_track_times(plist, 0);
    return plist;
}
static inline hid_t hsf_untimed_dataset_create(void) {
    hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
    if (plist >= 0) H5Pset_obj_track_times(plist, 0);
    return plist;
}
