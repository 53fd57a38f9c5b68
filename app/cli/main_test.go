package cli

import (
	"os"
	"testing"
)

// TestMain keeps the runs of the tests in a temporary folder, never in the
// user's.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "embedscope-cli-runs")
	if err != nil {
		panic(err)
	}
	os.Setenv("EMBEDSCOPE_RUNS", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
