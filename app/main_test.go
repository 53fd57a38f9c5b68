package app

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

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
	stopAllJobs()
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

// The windows the tests built, whose jobs must end before the process
// exits: under the race detector, exiting runs the C library's exit
// handlers, and OpenBLAS's joins its worker threads — with a background
// job still inside a BLAS call that can hang the process (it did in CI,
// after every test had passed).
var built struct {
	sync.Mutex
	uis []*UI
}

func track(u *UI) {
	built.Lock()
	built.uis = append(built.uis, u)
	built.Unlock()
}

// stopJobs cancels u's running jobs and waits for them to end.
func stopJobs(u *UI) {
	u.Env.Jobs.CancelAll()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := u.Env.Jobs.WaitIdle(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "app tests: jobs did not end after cancel:", err)
	}
}

// stopAllJobs stops the jobs of every window the tests built.
func stopAllJobs() {
	built.Lock()
	uis := built.uis
	built.uis = nil
	built.Unlock()
	for _, u := range uis {
		stopJobs(u)
	}
}
