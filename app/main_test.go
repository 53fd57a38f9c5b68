package app

import (
	"os"
	"testing"

	"embedscope/views"
)

// uiDo runs widget work as the app's UI goroutine would: one function at a
// time with the panels' own.
var uiDo func(func())

// TestMain keeps the runs of the tests in a temporary folder, never in the
// user's.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "embedscope-app-runs")
	if err != nil {
		panic(err)
	}
	os.Setenv("EMBEDSCOPE_RUNS", dir)
	uiDo = views.SerialiseForTests()
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// skipShort skips a long test with -short: the race detector's run in CI
// (.ci/run) uses -short and would take too long; the plain run covers it.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("long: skipped with -short")
	}
}
