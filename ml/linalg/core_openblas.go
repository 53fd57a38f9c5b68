//go:build !purego

package linalg

// char* openblas_get_corename(void);
// char* openblas_get_config(void);
// int openblas_get_num_threads(void);
import "C"

// libraryCore returns OpenBLAS's core name (e.g. "Haswell"), its build
// configuration (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen
// MAX_THREADS=64") and its number of threads.
func libraryCore() (core, config string, threads int) {
	return C.GoString(C.openblas_get_corename()), C.GoString(C.openblas_get_config()), int(C.openblas_get_num_threads())
}
