package views

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/views/figures"
)

// The Compare panel's 2-D views: A and B side by side (B aligned onto A),
// and the morph from one to the other with trails for the selected items.

// morphSeconds is how long Play takes from A's view to B's.
const morphSeconds = 3.0

// maxTrails is the largest selection whose items leave trails.
const maxTrails = 300

type morphView struct {
	content fyne.CanvasObject
	scatter *Scatter
	slider  *widget.Slider
	play    *widget.Button
	info    *widget.Label
	stop    chan struct{} // closed to stop playing; nil when not playing
	x, y    []float32     // the frame shown
}

func (v *compareView) buildMorph() {
	m := &v.morph
	m.scatter = NewScatter()
	m.scatter.Link(v.env.Workspace, "Compare: morph")
	m.scatter.Name = "compare-morph"
	m.scatter.OnTap = func(i int) { v.showDomino(i) }
	m.slider = widget.NewSlider(0, 1)
	m.slider.Step = 0.01
	m.slider.OnChanged = func(f float64) { v.setFrame(f) }
	m.play = widget.NewButtonWithIcon("Play", theme.MediaPlayIcon(), v.togglePlay)
	m.info = wrapLabel("Compare first. Then drag the slider or press Play: the points move from A's view (left) to B's view aligned onto it (right); select items (box or lasso, or a histogram bar) to see their trails.")
	bar := container.NewBorder(nil, nil, container.NewHBox(m.play, widget.NewLabel("A")), widget.NewLabel("B"), m.slider)
	m.content = container.NewBorder(bar, m.info, nil, nil, m.scatter)
	v.env.Workspace.OnSelectionChange(func() { uiDo(v.updateTrails) })
}

// colouring returns the labels, class names and colours of the compared
// points: their number of shared neighbours on the agreement scale, or
// their class.
func (v *compareView) colouring() ([]int, []string, []color.NRGBA) {
	res := v.shown.res
	if v.colourBy.Selected == "class" {
		labels := make([]int, res.Items)
		for i, it := range res.ItemList {
			labels[i] = it.Label()
		}
		return labels, v.env.Workspace.Data().Classes, nil
	}
	labels := make([]int, res.Items)
	for i := range labels {
		labels[i] = res.SharedOf(i)
	}
	classes := make([]string, res.K+1)
	for s := range classes {
		classes[s] = fmt.Sprintf("%d shared · %.2f", s, res.Histogram[s].Agreement)
	}
	return labels, classes, figures.AgreementColors(res.K)
}

// shortName cuts a space's name to n characters for a scatter's title
// (the axis labels carry it in full).
func shortName(name string, n int) string {
	r := []rune(name)
	if len(r) <= n {
		return name
	}
	return string(r[:n-1]) + "…"
}

// colourName names the colouring in the scatters' colour lists.
func (v *compareView) colourName() string {
	if v.colourBy.Selected == "class" {
		return ""
	}
	return "shared neighbours"
}

// colourViews draws the side-by-side views and the morph with the chosen
// colouring.
func (v *compareView) colourViews() {
	sh := v.shown
	if sh == nil {
		return
	}
	res, vw := sh.res, sh.views
	labels, classes, colors := v.colouring()
	a := ScatterData{X: vw.AX, Y: vw.AY, Labels: labels, Classes: classes, Colors: colors, ColourName: v.colourName(), Items: sh.pos,
		Title: "A: " + shortName(res.A, 22), XLabel: vw.XLabelA, YLabel: vw.YLabelA}
	b := a
	b.X, b.Y, b.Title = vw.BX, vw.BY, "B: "+shortName(res.B, 22)
	b.XLabel, b.YLabel = vw.XLabelB+" (aligned)", vw.YLabelB+" (aligned)"
	for _, s := range []struct {
		sc *Scatter
		d  ScatterData
	}{{v.viewA, a}, {v.viewB, b}} {
		if err := s.sc.SetData(s.d); err != nil {
			v.env.ShowError(err)
			return
		}
		v.describePoints(s.sc)
	}
	if v.domino >= 0 {
		v.viewA.Select(v.domino)
		v.viewB.Select(v.domino)
	}
	v.showMorph()
}

// describePoints gives a scatter of the compared items their captions and
// thumbnails.
func (v *compareView) describePoints(sc *Scatter) {
	res := v.shown.res
	ds := v.env.Workspace.Data()
	sc.Caption = func(i int) string {
		return fmt.Sprintf("%s · shares %d of %d", itemCaption(ds, res.ItemList[i]), res.SharedOf(i), res.K)
	}
	sc.Thumbnail = nil
	if ds.IsImage() {
		sc.Thumbnail = func(i int) image.Image {
			it := res.ItemList[i]
			return ds.Image(it.Split.Part, it.Row())
		}
	}
}

// showMorph draws the morph at the slider's frame.
func (v *compareView) showMorph() {
	sh := v.shown
	m := &v.morph
	if sh == nil {
		return
	}
	res := sh.res
	labels, classes, colors := v.colouring()
	d := ScatterData{X: sh.views.AX, Y: sh.views.AY, Labels: labels, Classes: classes, Colors: colors, ColourName: v.colourName(), Items: sh.pos,
		Title: fmt.Sprintf("Morph: %s → %s", res.A, res.B), XLabel: "A's view → B's view aligned onto it", YLabel: ""}
	if err := m.scatter.SetData(d); err != nil {
		return
	}
	v.describePoints(m.scatter)
	// Show the extent of both views, so that no frame leaves the plot.
	if err := m.scatter.SetPositions(sh.views.BX, sh.views.BY); err == nil {
		m.scatter.ResetView()
	}
	if v.domino >= 0 {
		m.scatter.Select(v.domino)
	}
	v.setFrame(m.slider.Value)
}

// setFrame moves the morph's points to frame f and redraws the trails.
func (v *compareView) setFrame(f float64) {
	sh := v.shown
	m := &v.morph
	if sh == nil {
		return
	}
	m.x, m.y = sh.views.Frame(f, m.x, m.y)
	if err := m.scatter.SetPositions(m.x, m.y); err != nil {
		return
	}
	v.updateTrails()
	m.info.SetText(fmt.Sprintf("Frame %.2f: %.0f %% of the way from A's view (%s) to B's (%s) aligned onto it. Selected items (up to %d) leave trails from where they are in A.",
		f, 100*f, sh.res.A, sh.res.B, maxTrails))
}

// updateTrails draws a trail from each selected item's place in A's view
// to its place in the frame shown.
func (v *compareView) updateTrails() {
	sh := v.shown
	m := &v.morph
	if sh == nil || len(m.x) != len(sh.views.AX) {
		return
	}
	sel := m.scatter.highlight
	if len(sel) == 0 || len(sel) > maxTrails || m.slider.Value == 0 {
		m.scatter.SetTrails(nil)
		return
	}
	trails := make([]Trail, 0, len(sel))
	for _, p := range sel {
		trails = append(trails, Trail{X: []float32{sh.views.AX[p], m.x[p]}, Y: []float32{sh.views.AY[p], m.y[p]}})
	}
	m.scatter.SetTrails(trails)
}

// togglePlay plays the morph from the slider's frame (from A's view when
// at the end) to B's view, or pauses it.
func (v *compareView) togglePlay() {
	m := &v.morph
	if m.stop != nil {
		v.stopPlaying()
		return
	}
	if v.shown == nil {
		return
	}
	f := m.slider.Value
	if f >= 1 {
		f = 0
	}
	stop := make(chan struct{})
	m.stop = stop
	m.play.SetText("Pause")
	m.play.SetIcon(theme.MediaPauseIcon())
	const tick = 40 * time.Millisecond
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			f = min(1, f+tick.Seconds()/morphSeconds)
			frame := f
			uiDo(func() {
				if m.stop != stop {
					return
				}
				m.slider.SetValue(frame)
				if frame >= 1 {
					v.stopPlaying()
				}
			})
			if frame >= 1 {
				return
			}
		}
	}()
}

// stopPlaying stops the morph's animation.
func (v *compareView) stopPlaying() {
	m := &v.morph
	if m.stop == nil {
		return
	}
	close(m.stop)
	m.stop = nil
	m.play.SetText("Play")
	m.play.SetIcon(theme.MediaPlayIcon())
}
