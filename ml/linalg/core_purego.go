//go:build purego

package linalg

import "runtime"

// libraryCore returns no core and no configuration in the pure-Go build,
// and GOMAXPROCS as the number of threads gonum may use.
func libraryCore() (core, config string, threads int) { return "", "", runtime.GOMAXPROCS(0) }
