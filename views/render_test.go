package views

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/workspace"
)

var regenRender = flag.Bool("regen", false, "rewrite the golden images of views/testdata/render")

// renderSizes are the window sizes the panels must fit (issue 15).
var renderSizes = []fyne.Size{{Width: 1024, Height: 700}, {Width: 1600, Height: 1000}}

// menuAndStatus is the height the app's main menu bar and status bar take
// from the window (measured under Xvfb: 37 + 45 pixels).
const menuAndStatus = 82

// tabBar is the height of the panels' tab bar.
const tabBar = 40

// renderShot is one golden image: a panel, and optionally one of its
// inner tabs.
type renderShot struct {
	panel, tab string
	// chaotic marks a panel whose scatter shows the end of a chaotic
	// optimisation (a t-SNE map): the last bit of a BLAS kernel moves
	// its points, so the golden compares everything but the scatter.
	chaotic bool
}

func (s renderShot) name() string {
	if s.tab == "" {
		return s.panel
	}
	return s.panel + "-" + strings.ToLower(strings.ReplaceAll(s.tab, " ", "-"))
}

// TestPanelsRender renders every panel, populated with results on the
// embedded data, with Fyne's software renderer at 1024×700 and 1600×1000
// and compares it with golden images (go test -tags ci ./views -run
// PanelsRender -regen rewrites them); at each size no text may be
// truncated or overlap another, and the window's content must fit.
func TestPanelsRender(t *testing.T) {
	skipShort(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	// The Runs panel shows its folder: a fixed path keeps the goldens
	// the same from one run to the next.
	runsDir := filepath.Join(os.TempDir(), "embedscope-render-runs")
	if err := os.RemoveAll(runsDir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(runsDir) })
	t.Setenv("EMBEDSCOPE_RUNS", runsDir)
	env := newTestEnvIn(t, runsDir)
	test.ApplyTheme(t, theme.DefaultTheme()) // the app's look: screenshots and goldens agree
	tabs := container.NewAppTabs()
	for _, p := range Panels {
		tabs.Append(container.NewTabItem(p.Title, p.Content(env)))
	}
	env.Window.SetContent(tabs)
	env.Window.Resize(renderSizes[0])
	openEmbedded(t, env)
	populate(t, env, tabs)

	for _, it := range tabs.Items {
		leaves(it.Content, func(o fyne.CanvasObject) {
			if s, ok := o.(*sidePanel); ok && s.MinSize().Width > sidePanelWidth {
				t.Errorf("panel %s: the side column needs %.0f pixels, more than %d", it.Text, s.MinSize().Width, sidePanelWidth)
			}
		})
		if ms := it.Content.MinSize(); ms.Width > renderSizes[0].Width || ms.Height > renderSizes[0].Height-menuAndStatus-tabBar {
			t.Errorf("panel %s needs %.0f×%.0f; the window must fit 1024×700 with its menu, tab and status bars", it.Text, ms.Width, ms.Height)
			leaves(it.Content, func(o fyne.CanvasObject) {
				if m := o.MinSize(); m.Width > renderSizes[0].Width-sidePanelWidth && widgetText(o) != "" {
					t.Logf("  %T %q needs %.0f×%.0f", o, widgetText(o), m.Width, m.Height)
				}
			})
		}
	}
	shots := []renderShot{{panel: "data"}, {panel: "pca"}, {panel: "embedding"}, {panel: "prototypes"},
		{panel: "prototypes", tab: "Confusion matrix"}, {panel: "clusters"}, {panel: "lowrank", tab: "Imputation"},
		{panel: "maps", chaotic: true}, {panel: "compare"}, {panel: "selection"}, {panel: "runs"}}
	for _, shot := range shots {
		for _, size := range renderSizes {
			name := fmt.Sprintf("%s-%.0fx%.0f", shot.name(), size.Width, size.Height)
			// No subtests: the test's goroutine is the UI goroutine.
			showShot(t, tabs, shot)
			env.Window.Resize(size)
			relayout(env.Window.Content())
			waitSettled(t, env, tabs)
			checkText(t, name, tabs.Selected().Content)
			img := env.Window.Canvas().Capture()
			var mask []image.Rectangle
			if shot.chaotic {
				mask = scatterRects(env.Window, tabs.Selected().Content, img.Bounds())
			}
			compareGolden(t, filepath.Join("testdata", "render", name+".png"), img, mask)
		}
	}
}

// showShot selects the shot's panel and inner tab.
func showShot(t *testing.T, tabs *container.AppTabs, shot renderShot) {
	t.Helper()
	p, _ := PanelByID(shot.panel)
	for _, it := range tabs.Items {
		if it.Text == p.Title {
			tabs.Select(it)
		}
	}
	if shot.tab == "" {
		return
	}
	var found bool
	walkShown(tabs.Selected().Content, func(s shownObject) {
		if in, ok := s.obj.(*container.AppTabs); ok {
			for _, it := range in.Items {
				if it.Text == shot.tab {
					in.Select(it)
					found = true
				}
			}
		}
	})
	if !found {
		t.Fatalf("panel %s has no tab %q", shot.panel, shot.tab)
	}
}

// populate runs quick computations in the panels on the embedded data.
func populate(t *testing.T, env *Env, tabs *container.AppTabs) {
	t.Helper()
	root := func(id string) fyne.CanvasObject {
		p, _ := PanelByID(id)
		for _, it := range tabs.Items {
			if it.Text == p.Title {
				return it.Content
			}
		}
		t.Fatalf("no panel %s", id)
		return nil
	}
	waitIdle(t, env, "the data, PCA and prototypes")
	choose(t, root("embedding"), "MLP (fastest)")
	setEntry(t, root("embedding"), "Epochs", "1")
	tapButton(t, root("embedding"), "Start")
	waitIdle(t, env, "one epoch of the MLP")
	tapButton(t, root("pca"), "Classify with kNN")
	waitIdle(t, env, "kNN")
	tapButton(t, root("clusters"), "Run k-means")
	waitIdle(t, env, "k-means")
	tapButton(t, root("lowrank"), "Imputation study")
	waitIdle(t, env, "the imputation study")
	setEntry(t, root("maps"), "N", "1000")
	tapButton(t, root("maps"), "Make the map")
	waitIdle(t, env, "the t-SNE map")
	tapButton(t, root("compare"), "Compare")
	waitIdle(t, env, "the comparison")
	items := workspace.NewItems(env.Workspace.Splits())
	env.Workspace.Select([]workspace.Ref{items.Ref(3), items.Ref(17), items.Ref(42)}, workspace.Replace, "test")
	env.Workspace.SetFocus(items.Ref(17))
	tapButton(t, root("selection"), "Find nearest items")
	waitIdle(t, env, "the nearest items")
}

func waitIdle(t *testing.T, env *Env, what string) {
	t.Helper()
	waitUntil(t, what, 5*time.Minute, func() bool { return len(env.Jobs.Active()) == 0 })
}

// waitSettled waits for the jobs to end and every figure and scatter
// shown to be drawn at its size.
func waitSettled(t *testing.T, env *Env, tabs *container.AppTabs) {
	t.Helper()
	waitUntil(t, "the figures drawn", time.Minute, func() bool {
		if len(env.Jobs.Active()) > 0 {
			return false
		}
		ok := true
		walkShown(tabs.Selected().Content, func(s shownObject) {
			switch o := s.obj.(type) {
			case *FigureView:
				o.mu.Lock()
				ok = ok && (o.plot == nil || (o.shown == o.size && !o.pending))
				o.mu.Unlock()
			case *Scatter:
				r := &o.render
				r.Lock()
				ok = ok && (o.data.Len() == 0 || (!r.running && r.pending == nil && o.shown != nil))
				r.Unlock()
			}
		})
		return ok
	})
}

// tapButton taps the button with the given text under root.
func tapButton(t *testing.T, root fyne.CanvasObject, text string) {
	t.Helper()
	var b *widget.Button
	leaves(root, func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Button); ok && x.Text == text && b == nil {
			b = x
		}
	})
	if b == nil {
		t.Fatalf("no button %q", text)
	}
	test.Tap(b)
}

// choose selects option in the select under root that offers it.
func choose(t *testing.T, root fyne.CanvasObject, option string) {
	t.Helper()
	var s *widget.Select
	leaves(root, func(o fyne.CanvasObject) {
		if x, ok := o.(*widget.Select); ok && s == nil && slices.Contains(x.Options, option) {
			s = x
		}
	})
	if s == nil {
		t.Fatalf("no choice %q", option)
	}
	s.SetSelected(option)
}

// setEntry types text into the entry of the form item labelled label.
func setEntry(t *testing.T, root fyne.CanvasObject, label, text string) {
	t.Helper()
	var e *widget.Entry
	leaves(root, func(o fyne.CanvasObject) {
		if f, ok := o.(*widget.Form); ok {
			for _, it := range f.Items {
				if x, ok := it.Widget.(*widget.Entry); ok && it.Text == label && e == nil {
					e = x
				}
			}
		}
	})
	if e == nil {
		t.Fatalf("no entry %q", label)
	}
	e.SetText(text)
}

// leaves calls fn for o and everything under it that the panels build
// (containers, scrolls, splits, tabs, forms), shown or not.
func leaves(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	var kids []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		kids = c.Objects
	case *container.Scroll:
		kids = []fyne.CanvasObject{c.Content}
	case *sidePanel:
		kids = []fyne.CanvasObject{c.Scroll}
	case *container.Split:
		kids = []fyne.CanvasObject{c.Leading, c.Trailing}
	case *container.AppTabs:
		for _, it := range c.Items {
			kids = append(kids, it.Content)
		}
	case *widget.Form:
		for _, it := range c.Items {
			kids = append(kids, it.Widget)
		}
	}
	for _, k := range kids {
		if k != nil {
			leaves(k, fn)
		}
	}
}

// checkText fails the test for a text that is cut short ("…" added, or
// narrower than it needs), and for two texts that overlap, among the
// visible parts of the texts under root.
func checkText(t *testing.T, name string, root fyne.CanvasObject) {
	t.Helper()
	type box struct {
		text     string
		pos, end fyne.Position
	}
	var boxes []box
	// A text that ends in "…" is cut short unless a widget was given it so.
	given := map[string]bool{}
	walkShown(root, func(s shownObject) {
		switch o := s.obj.(type) {
		case *widget.Label:
			given[o.Text] = true
		case *widget.Button:
			given[o.Text] = true
		case *widget.Check:
			given[o.Text] = true
		case *widget.Select:
			given[o.Selected], given[o.PlaceHolder] = true, true
		case *widget.Entry:
			given[o.Text], given[o.PlaceHolder] = true, true
		}
	})
	walkShown(root, func(s shownObject) {
		switch o := s.obj.(type) {
		case *widget.Button, *widget.Select, *widget.Check:
			if ms, sz := o.MinSize(), o.Size(); ms.Width > sz.Width+0.5 {
				t.Errorf("%s: %T %q is %.0f wide, needs %.0f", name, o, widgetText(o), sz.Width, ms.Width)
			}
		case *canvas.Text:
			if o.Text == "" || s.clipSize.Width == 0 || s.clipSize.Height == 0 {
				return
			}
			if strings.HasSuffix(o.Text, "…") && !given[o.Text] {
				t.Errorf("%s: text truncated: %q", name, o.Text)
			}
			ms, sz := o.MinSize(), o.Size()
			if sz.Width > 0 && ms.Width > sz.Width+1 { // texts placed without a size draw whole
				t.Errorf("%s: text %q is %.0f wide, needs %.0f", name, o.Text, sz.Width, ms.Width)
			}
			// The text's own extent (its left-aligned or centred run of
			// glyphs), clipped by the scrolls above it.
			w, h := ms.Width, ms.Height
			if sz.Width > 0 {
				w, h = min(w, sz.Width), min(h, sz.Height)
			}
			x := s.pos.X
			switch o.Alignment {
			case fyne.TextAlignCenter:
				x += (sz.Width - w) / 2
			case fyne.TextAlignTrailing:
				x += sz.Width - w
			}
			p, e := intersect(s.clipPos, s.clipSize, fyne.NewPos(x, s.pos.Y), fyne.NewSize(w, h))
			if e.Width < 1 || e.Height < 1 {
				return
			}
			boxes = append(boxes, box{o.Text, p, fyne.NewPos(p.X+e.Width, p.Y+e.Height)})
		}
	})
	const slack = 2 // glyph boxes include line spacing
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if a.pos.X+slack < b.end.X && b.pos.X+slack < a.end.X && a.pos.Y+slack < b.end.Y && b.pos.Y+slack < a.end.Y {
				t.Errorf("%s: texts overlap: %q at %v and %q at %v", name, a.text, a.pos, b.text, b.pos)
			}
		}
	}
}

// widgetText is the text a control shows.
func widgetText(o fyne.CanvasObject) string {
	switch w := o.(type) {
	case *widget.Label:
		return w.Text
	case *widget.Button:
		return w.Text
	case *widget.Check:
		return w.Text
	case *widget.Select:
		return w.Selected
	}
	return ""
}

// compareGolden compares img, halved and in grey levels (the goldens are
// committed: that keeps them small and still shows every layout change),
// with the golden image at path, tolerating antialiasing: a pixel differs
// when its grey level differs by more than 40, and at most 0.5 % may.
func compareGolden(t *testing.T, path string, img image.Image, mask []image.Rectangle) {
	t.Helper()
	got := halve(img)
	if *regenRender {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(f, got); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (go test -tags ci ./views -run PanelsRender -regen writes it)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != got.Bounds() {
		t.Fatalf("rendered %v, golden %v", got.Bounds(), want.Bounds())
	}
	wantGrey := image.NewGray(want.Bounds())
	draw.Draw(wantGrey, wantGrey.Bounds(), want, want.Bounds().Min, draw.Src)
	compared := image.NewGray(got.Bounds())
	copy(compared.Pix, got.Pix)
	for _, r := range mask {
		half := image.Rect(r.Min.X/2, r.Min.Y/2, (r.Max.X+1)/2, (r.Max.Y+1)/2)
		blank(compared, half)
		blank(wantGrey, half)
	}
	differ := 0
	b := got.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if colourDistance(compared.At(x, y), wantGrey.At(x, y)) > 40 {
				differ++
			}
		}
	}
	if share := float64(differ) / float64(b.Dx()*b.Dy()); share > 0.005 {
		out := filepath.Join(os.TempDir(), "embedscope-render-"+filepath.Base(path))
		if w, err := os.Create(out); err == nil {
			png.Encode(w, got)
			w.Close()
		}
		t.Errorf("%.2f %% of the pixels differ from %s (rendered: %s)", 100*share, path, out)
	}
}

// scatterRects returns the rectangles, in the pixels of a capture of w
// with bounds b, that the scatters shown under root cover.
func scatterRects(w fyne.Window, root fyne.CanvasObject, b image.Rectangle) []image.Rectangle {
	scale := float32(b.Dx()) / w.Canvas().Size().Width
	var rects []image.Rectangle
	walkShown(root, func(s shownObject) {
		if _, ok := s.obj.(*Scatter); !ok {
			return
		}
		p := fyne.CurrentApp().Driver().AbsolutePositionForObject(s.obj)
		sz := s.obj.Size()
		rects = append(rects, image.Rect(int(p.X*scale), int(p.Y*scale),
			int((p.X+sz.Width)*scale+1), int((p.Y+sz.Height)*scale+1)))
	})
	return rects
}

// blank paints r of img mid grey.
func blank(img *image.Gray, r image.Rectangle) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetGray(x, y, color.Gray{Y: 128})
		}
	}
}

// halve averages 2×2 blocks of img into grey levels.
func halve(img image.Image) *image.Gray {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
	for y := 0; y < b.Dy()/2; y++ {
		for x := 0; x < b.Dx()/2; x++ {
			var s uint32
			for dy := 0; dy < 2; dy++ {
				for dx := 0; dx < 2; dx++ {
					s += uint32(color.GrayModel.Convert(img.At(b.Min.X+2*x+dx, b.Min.Y+2*y+dy)).(color.Gray).Y)
				}
			}
			out.SetGray(x, y, color.Gray{Y: uint8(s / 4)})
		}
	}
	return out
}

// colourDistance is the difference of the grey levels (0–255).
func colourDistance(a, b color.Color) int {
	return abs(int(color.GrayModel.Convert(a).(color.Gray).Y) - int(color.GrayModel.Convert(b).(color.Gray).Y))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
