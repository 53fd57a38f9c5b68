package views

import (
	"os"
	"testing"

	"fyne.io/fyne/v2/test"
)

// serialiseUI makes uiDo and uiDoAndWait serial (for the rest of the
// package's tests) and returns the function for a job runner's Dispatch.
func serialiseUI(*testing.T) func(func()) { return SerialiseForTests() }

// skipShort skips a long test with -short: the race detector's run in CI
// (.ci/run) uses -short and would take too long; the plain run covers it.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("long: skipped with -short")
	}
}

// TestMain serialises the UI work of every test of the package (see
// SerialiseForTests).
func TestMain(m *testing.M) {
	SerialiseForTests()
	os.Exit(m.Run())
}

// newTempApp is test.NewTempApp with the test app's creation, and its
// replacement when the test ends, serialised with the panels' UI work:
// jobs of the test that are still winding down after their cancellation
// may be updating widgets then.
func newTempApp(t *testing.T) {
	t.Helper()
	testUI.do(func() { test.NewApp() })
	t.Cleanup(func() { testUI.do(func() { test.NewApp() }) })
}
