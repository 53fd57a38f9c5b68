//go:build unix

package linalg

import (
	"os"
	"syscall"
)

// reexec replaces the process by a fresh run of its own executable with
// args and the environment changed by env ("" unsets a variable). It
// returns only on failure.
func reexec(args []string, env map[string]string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, args, mergeEnv(os.Environ(), env))
}
