package app

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"embedscope/app/service"
)

// refreshCounter counts what makes a real window repaint: every
// canvas.Refresh (each widget's Refresh ends in one; the GL driver marks
// the window dirty and paints it at its next frame) and the animations
// started and not stopped (the GL driver paints every frame while one
// runs). It wraps Fyne's test app and driver.
type refreshCounter struct {
	mu        sync.Mutex
	refreshes int
	first     string // the type of the first object refreshed since reset, and where
	anims     map[*fyne.Animation]bool
}

func (c *refreshCounter) refreshed(o fyne.CanvasObject) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshes++
	if c.first == "" {
		buf := make([]byte, 4096)
		c.first = fmt.Sprintf("%T\n%s", o, buf[:runtime.Stack(buf, false)])
	}
}

// reset returns the refreshes counted since the last reset, and the first.
func (c *refreshCounter) reset() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, f := c.refreshes, c.first
	c.refreshes, c.first = 0, ""
	return n, f
}

func (c *refreshCounter) running() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.anims)
}

type countingCanvas struct {
	fyne.Canvas
	c *refreshCounter
}

func (k countingCanvas) Refresh(o fyne.CanvasObject) {
	k.c.refreshed(o)
	k.Canvas.Refresh(o)
}

type countingDriver struct {
	fyne.Driver
	c *refreshCounter
}

func (d countingDriver) CanvasForObject(o fyne.CanvasObject) fyne.Canvas {
	cv := d.Driver.CanvasForObject(o)
	if cv == nil {
		return nil
	}
	return countingCanvas{cv, d.c}
}

func (d countingDriver) StartAnimation(a *fyne.Animation) {
	d.c.mu.Lock()
	d.c.anims[a] = true
	d.c.mu.Unlock()
	d.Driver.StartAnimation(a)
}

func (d countingDriver) StopAnimation(a *fyne.Animation) {
	d.c.mu.Lock()
	delete(d.c.anims, a)
	d.c.mu.Unlock()
	d.Driver.StopAnimation(a)
}

type countingApp struct {
	fyne.App
	d fyne.Driver
}

func (a countingApp) Driver() fyne.Driver { return a.d }

// newCountingUI builds the window on the embedded data in an app whose
// repaints are counted.
func newCountingUI(t *testing.T) (*UI, *refreshCounter) {
	t.Helper()
	base := test.NewTempApp(t)
	c := &refreshCounter{anims: map[*fyne.Animation]bool{}}
	a := countingApp{base, countingDriver{base.Driver(), c}}
	fyne.SetCurrentApp(a)
	u, err := newUIOn(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	uiDo(func() { u.Window.Resize(fyne.NewSize(1280, 800)) })
	waitFor(t, "the data set to load", 20*time.Second, func() bool { return u.Env.Workspace.Data() != nil })
	return u, c
}

// settle waits until every job and its callbacks are done, the status bar
// has gone to sleep, and the window has stopped changing (the figures drawn
// for the results just computed are in: no refresh for half a second); it
// fails the test when that takes more than a minute.
func settle(t *testing.T, u *UI, c *refreshCounter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := u.Env.Jobs.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-u.Status.Asleep():
	case <-ctx.Done():
		t.Fatal("the status bar still polls a minute after the last job")
	}
	for {
		c.reset()
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			n, first := c.reset()
			t.Fatalf("the window never stops repainting: %d refreshes in the last half second, the first of %s", n, first)
		}
		if n, _ := c.reset(); n == 0 {
			return
		}
	}
}

// quiet fails the test when anything refreshes or animates in the window
// during the next two seconds: an idle window must not repaint (issue 15:
// a desktop app at rest uses no CPU). It fails at the first refresh.
func quiet(t *testing.T, c *refreshCounter, when string) {
	t.Helper()
	if n := c.running(); n > 0 {
		t.Fatalf("%s: %d animation(s) still running while idle", when, n)
	}
	c.reset()
	deadline := time.After(2 * time.Second)
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-deadline:
			return
		case <-poll.C:
			c.mu.Lock()
			n, first := c.refreshes, c.first
			c.mu.Unlock()
			if n > 0 {
				t.Fatalf("%s: the idle window refreshed: %s", when, first)
			}
		}
	}
}

// TestIdleWindowDoesNotRepaint: once the data has loaded, and again after
// a computation and on every panel, nothing refreshes or animates while
// the user does nothing.
func TestIdleWindowDoesNotRepaint(t *testing.T) {
	u, c := newCountingUI(t)
	settle(t, u, c)
	quiet(t, c, "after start")
	// The counter sees a change: a note in the status bar is one refresh
	// or more.
	uiDo(func() { u.Env.Notify("counted") })
	if n, _ := c.reset(); n == 0 {
		t.Fatal("a status bar note was not counted as a refresh")
	}
	uiDo(func() { u.Env.Notify("") })

	if _, err := u.Env.Service.FitPCA(context.Background(), service.PCARequest{Components: 10, Solver: "full"}, nil); err != nil {
		t.Fatal(err)
	}
	settle(t, u, c)
	quiet(t, c, "after fitting PCA")
	var got string
	uiDo(func() { got = u.Status.Text() })
	if got != "Ready" {
		t.Errorf("status bar %q while idle, want Ready", got)
	}
	for _, id := range []string{"pca", "embedding", "maps", "selection"} {
		uiDo(func() { u.ShowPanel(id) })
		settle(t, u, c)
		quiet(t, c, "on the "+id+" panel")
	}
}
