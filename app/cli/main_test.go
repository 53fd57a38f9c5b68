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

// skipShort skips a test that trains, maps or benchmarks with -short: the
// race detector's run in CI (.ci/run) uses -short, and these single-threaded
// commands would take it past its time; the plain run covers them.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("long: skipped with -short")
	}
}
