package views

import (
	"testing"
)

// serialiseUI makes uiDo and uiDoAndWait serial (for the rest of the
// package's tests) and returns the function for a job runner's Dispatch.
func serialiseUI(*testing.T) func(func()) { return SerialiseForTests() }
