package views

import (
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"embedscope/views/figures"
)

// scatterKnownData has four well separated points of three classes and one of
// class 0 hidden behind nothing: 0 (0,0) and 3 (10,10) are class 0.
func scatterKnownData() ScatterData {
	return ScatterData{
		X:       []float32{0, 10, 0, 10, 5},
		Y:       []float32{0, 0, 10, 10, 5},
		Labels:  []int{0, 1, 2, 0, 1},
		Classes: []string{"T-shirt/top", "Trouser", "Pullover"},
		Title:   "Known points", XLabel: "PC 1", YLabel: "PC 2",
		Marks: []Mark{{X: 5, Y: 7, Label: "centre"}},
	}
}

// newTestScatter shows s in an 800×600 window with scatterKnownData.
func newTestScatter(t *testing.T) (*Scatter, fyne.Window) {
	t.Helper()
	newTempApp(t)
	t.Cleanup(testUI.hold()) // the test is the UI goroutine
	s := NewScatter()
	w := test.NewTempWindow(t, s)
	settleScatter(t, s)
	w.Resize(fyne.NewSize(800, 600))
	settleScatter(t, s)
	if err := s.SetData(scatterKnownData()); err != nil {
		t.Fatal(err)
	}
	settleScatter(t, s)
	return s, w
}

// settleScatter waits until no render is pending or running, so that the test
// goroutine is the only one touching the widget.
func settleScatter(t *testing.T, s *Scatter) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.render.Lock()
		busy := s.render.running
		s.render.Unlock()
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("render did not finish")
		}
		testUI.sleep(5 * time.Millisecond)
	}
}

// scatterPointAt returns where point i is on the canvas (s is the window's content).
func scatterPointAt(s *Scatter, i int) fyne.Position {
	return s.Position().Add(s.toScreen(s.view, float64(s.data.X[i]), float64(s.data.Y[i])))
}

func TestScatterHoverAndTap(t *testing.T) {
	s, w := newTestScatter(t)
	hovered, tapped := -2, -2
	s.OnHover = func(i int) { hovered = i }
	s.OnTap = func(i int) { tapped = i }
	s.Thumbnail = func(i int) image.Image { return image.NewGray(image.Rect(0, 0, 28, 28)) }
	c := w.Canvas()
	for i := range 5 {
		test.MoveMouse(c, scatterPointAt(s, i).AddXY(4, -4)) // within 6 px
		if hovered != i {
			t.Fatalf("hover near point %d gave %d", i, hovered)
		}
	}
	if !s.ui.tip.Visible() || s.ui.tipText.Text != "#4 · Trouser" || s.ui.tipImg.Image == nil {
		t.Errorf("tooltip visible=%v text=%q", s.ui.tip.Visible(), s.ui.tipText.Text)
	}
	test.MoveMouse(c, scatterPointAt(s, 0).AddXY(40, -40))
	if hovered != -1 || s.ui.tip.Visible() {
		t.Errorf("hover over empty space gave %d, tooltip visible %v", hovered, s.ui.tip.Visible())
	}
	test.TapCanvas(c, scatterPointAt(s, 2).AddXY(-2, 2))
	if tapped != 2 || s.Selected() != 2 {
		t.Errorf("tap on point 2 gave %d (selected %d)", tapped, s.Selected())
	}
	settleScatter(t, s)
	test.TapCanvas(c, scatterPointAt(s, 0).AddXY(50, -50))
	if tapped != -1 || s.Selected() != -1 {
		t.Errorf("tap on empty space gave %d", tapped)
	}
	settleScatter(t, s)
	test.MoveMouse(c, fyne.NewPos(1, 1)) // over the title: no point
	if hovered != -1 {
		t.Errorf("hover outside the plot gave %d", hovered)
	}
}

func TestScatterZoomAndPan(t *testing.T) {
	s, w := newTestScatter(t)
	c := w.Canvas()
	v0 := s.View()
	cursor := scatterPointAt(s, 3) // zoom around point 3
	test.MoveMouse(c, cursor)
	test.Scroll(c, cursor, 0, 20)
	settleScatter(t, s)
	v1 := s.View()
	if !(v1.XMax-v1.XMin < v0.XMax-v0.XMin && v1.YMax-v1.YMin < v0.YMax-v0.YMin) {
		t.Fatalf("scrolling up did not zoom in: %+v → %+v", v0, v1)
	}
	if got := scatterPointAt(s, 3); math.Abs(float64(got.X-cursor.X)) > 0.5 || math.Abs(float64(got.Y-cursor.Y)) > 0.5 {
		t.Errorf("point under the cursor moved from %v to %v", cursor, got)
	}
	// A real driver sends the position with the event.
	s.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: s.toScreen(s.view, 0, 0), AbsolutePosition: fyne.NewPos(1, 1)}, Scrolled: fyne.NewDelta(0, -20)})
	settleScatter(t, s)
	if v := s.View(); v.XMax-v.XMin <= v1.XMax-v1.XMin {
		t.Errorf("scrolling down did not zoom out: %+v", v)
	}
	s.ResetView()
	settleScatter(t, s)
	if s.View() != v0 {
		t.Errorf("ResetView gave %+v, want %+v", s.View(), v0)
	}

	// Drag right by 80 px: the view moves left by 80 px worth of data.
	centre := s.Position().Add(s.area).AddXY(s.areaSize.Width/2, s.areaSize.Height/2)
	before := scatterPointAt(s, 1)
	test.Drag(c, centre, 80, 30)
	settleScatter(t, s)
	after := scatterPointAt(s, 1)
	if math.Abs(float64(after.X-before.X-80)) > 0.5 || math.Abs(float64(after.Y-before.Y-30)) > 0.5 {
		t.Errorf("drag by (80, 30) moved point 1 from %v to %v", before, after)
	}
	v2 := s.View()
	if math.Abs((v2.XMax-v2.XMin)-(v0.XMax-v0.XMin)) > 1e-9 {
		t.Errorf("panning changed the zoom: %+v", v2)
	}
	// A drag that starts outside the plot (e.g. on the legend) does nothing.
	test.Drag(c, fyne.NewPos(790, 300), -50, 0)
	settleScatter(t, s)
	if s.View() != v2 {
		t.Error("a drag from the legend panned")
	}
	test.TapCanvas(c, s.Position().Add(s.ui.reset.Position()).AddXY(5, 5))
	settleScatter(t, s)
	if s.View() != v0 {
		t.Error("the reset button did not reset the view")
	}
}

func TestScatterLegendToggle(t *testing.T) {
	s, w := newTestScatter(t)
	hovered := -2
	s.OnHover = func(i int) { hovered = i }
	entry := s.ui.legend.Objects[1].(*legendEntry) // class 0
	test.Tap(entry)
	settleScatter(t, s)
	if s.ClassVisible(0) || !entry.off {
		t.Fatal("tapping the legend did not hide class 0")
	}
	test.MoveMouse(w.Canvas(), scatterPointAt(s, 1))
	if hovered != 1 {
		t.Errorf("hover over a visible point gave %d", hovered)
	}
	test.MoveMouse(w.Canvas(), scatterPointAt(s, 3))
	if hovered != -1 {
		t.Errorf("hover over a hidden point gave %d", hovered)
	}
	p := s.Figure()
	if p.X.Min != s.View().XMin || p.Y.Max != s.View().YMax {
		t.Errorf("figure shows x %v..%v, view is %+v", p.X.Min, p.X.Max, s.View())
	}
	test.Tap(entry)
	settleScatter(t, s)
	test.MoveMouse(w.Canvas(), scatterPointAt(s, 3))
	if !s.ClassVisible(0) || hovered != 3 {
		t.Errorf("class 0 shown again: visible %v, hover %d", s.ClassVisible(0), hovered)
	}
}

func TestScatterRejectsBadData(t *testing.T) {
	s, _ := newTestScatter(t)
	bad := map[string]ScatterData{
		"x/y":         {X: []float32{1, 2}, Y: []float32{1}},
		"labels":      {X: []float32{1, 2}, Y: []float32{1, 2}, Labels: []int{0}, Classes: []string{"a"}},
		"label range": {X: []float32{1, 2}, Y: []float32{1, 2}, Labels: []int{0, 1}, Classes: []string{"a"}},
		"negative":    {X: []float32{1}, Y: []float32{1}, Labels: []int{-1}, Classes: []string{"a"}},
		"no classes":  {X: []float32{1}, Y: []float32{1}, Labels: []int{0}},
	}
	for name, d := range bad {
		if err := s.SetData(d); err == nil {
			t.Errorf("%s: SetData accepted it", name)
		}
	}
	if s.data.Len() != 5 {
		t.Errorf("rejected data replaced the old: %d points", s.data.Len())
	}
}

func TestScatterEmptyAndOdd(t *testing.T) {
	s, w := newTestScatter(t)
	nan := float32(math.NaN())
	for _, d := range []ScatterData{{}, {X: []float32{1}, Y: []float32{1}}, {X: []float32{nan, 2}, Y: []float32{1, nan}}} {
		if err := s.SetData(d); err != nil {
			t.Fatal(err)
		}
		c, p := w.Canvas(), fyne.NewPos(300, 300)
		for _, step := range []func(){
			func() { test.MoveMouse(c, p) }, func() { test.TapCanvas(c, p) }, func() { test.Scroll(c, p, 0, 10) },
			func() { test.Drag(c, p, 10, 10) }, func() { s.Highlight([]int{0, 1, 99, -4}) }, func() { s.Select(7) },
		} {
			settleScatter(t, s)
			step()
		}
		settleScatter(t, s)
		if _, err := figures.Encode(s.Figure(), 300, 200, ".png"); err != nil {
			t.Error(err)
		}
		c.Capture()
	}
}

func TestScatterLargeRenders(t *testing.T) {
	s, w := newTestScatter(t)
	r := rand.New(rand.NewPCG(1, 2))
	n := 70000
	d := ScatterData{X: make([]float32, n), Y: make([]float32, n), Labels: make([]int, n), Classes: make([]string, 10)}
	for i := range n {
		d.Labels[i] = i % 10
		a := float64(d.Labels[i]) / 10 * 2 * math.Pi
		d.X[i], d.Y[i] = float32(10*math.Cos(a)+2*r.NormFloat64()), float32(10*math.Sin(a)+2*r.NormFloat64())
	}
	for c := range 10 {
		d.Classes[c] = string(rune('A' + c))
	}
	s.render.Lock()
	frames := s.render.frames
	s.render.Unlock()
	start := time.Now()
	if err := s.SetData(d); err != nil {
		t.Fatal(err)
	}
	settleScatter(t, s)
	t.Logf("70,000 points: SetData and first frame in %v", time.Since(start))
	s.render.Lock()
	got := s.render.frames
	s.render.Unlock()
	if got <= frames || s.shown == nil || s.shown.data.Len() != n {
		t.Fatalf("no frame of the 70,000 points was shown")
	}
	if b := s.ui.img.Image.Bounds(); b.Dx() != s.pixels(s.areaSize.Width) || b.Dy() != s.pixels(s.areaSize.Height) {
		t.Errorf("frame is %v, plot area %v", b, s.areaSize)
	}
	hovered := -2
	s.OnHover = func(i int) { hovered = i }
	start = time.Now()
	test.MoveMouse(w.Canvas(), scatterPointAt(s, 12345))
	t.Logf("hit test over 70,000 points: %v", time.Since(start))
	if hovered < 0 {
		t.Error("no point found under a point")
	}
	// Many quick pans render far fewer frames than events.
	s.render.Lock()
	frames = s.render.frames
	s.render.Unlock()
	for range 60 {
		s.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: s.area.AddXY(100, 100)}, Dragged: fyne.NewDelta(1, 0)})
	}
	s.DragEnd()
	settleScatter(t, s)
	s.render.Lock()
	frames = s.render.frames - frames
	s.render.Unlock()
	if frames < 1 || frames > 30 {
		t.Errorf("60 drag events rendered %d frames", frames)
	}
	saveSnapshot(t, w, "scatter_70k.png")
}

func TestScatterThemesAndExportHook(t *testing.T) {
	s, w := newTestScatter(t)
	s.Highlight([]int{0, 1})
	s.Select(4)
	s.Thumbnail = func(i int) image.Image { return grayGarment(200) }
	settleScatter(t, s)
	test.MoveMouse(w.Canvas(), scatterPointAt(s, 2).AddXY(2, 2))
	saveSnapshot(t, w, "scatter_light.png")
	fyne.CurrentApp().Settings().SetTheme(theme.DarkTheme())
	s.Refresh()
	settleScatter(t, s)
	saveSnapshot(t, w, "scatter_dark.png")
	test.Tap(s.ui.export) // the built-in flow: FigureView's save dialog
	if w.Canvas().Overlays().Top() == nil {
		t.Error("Export… opened no dialog")
	}
	exported := false
	s.OnExport = func() { exported = true }
	test.Tap(s.ui.export)
	if !exported {
		t.Error("Export… did not call OnExport")
	}
}

// saveSnapshot writes the window to $EMBEDSCOPE_SNAPSHOTS/name when set, to
// look at the widget.
func saveSnapshot(t *testing.T, w fyne.Window, name string) {
	dir := os.Getenv("EMBEDSCOPE_SNAPSHOTS")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

func TestNiceTicks(t *testing.T) {
	ticks, step := niceTicks(-0.13, 0.92, 450)
	if step != 0.2 || len(ticks) != 5 || tickLabel(ticks[0], step) != "0.0" || tickLabel(ticks[4], step) != "0.8" {
		t.Errorf("ticks %v step %v", ticks, step)
	}
	if ticks, _ := niceTicks(1, 1, 100); ticks != nil {
		t.Errorf("empty range gave %v", ticks)
	}
	// Zoomed in on a short axis (190 px: two intervals of 0.26 wanted,
	// rounded up to a step of 0.5 that leaves only 0.5 in [0.01, 0.53]):
	// the step falls to 0.2, giving 0.2 and 0.4.
	if ticks, step := niceTicks(0.01, 0.53, 190); step != 0.2 || len(ticks) != 2 || math.Abs(ticks[0]-0.2) > 1e-12 || math.Abs(ticks[1]-0.4) > 1e-12 {
		t.Errorf("short zoomed axis: ticks %v step %v, want 0.2 and 0.4", ticks, step)
	}
	// Deep zoom: a range of 0.003 inside one 0.01 step.
	if ticks, _ := niceTicks(2.0041, 2.0072, 150); len(ticks) < 2 {
		t.Errorf("deep zoom: ticks %v, want at least two", ticks)
	}
	if got := tickLabel(-2500, 500); got != "−2500" {
		t.Errorf("label %q", got)
	}
}
