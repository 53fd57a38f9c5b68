//go:build !unix

package linalg

import "errors"

// reexec is not available on this system: the program keeps its core.
func reexec(args []string, env map[string]string) error {
	return errors.New("re-executing is not supported on this system")
}
