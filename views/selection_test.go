package views

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/knn"
)

func ref(row int) workspace.Ref { return workspace.Ref{Part: "train", Row: row} }

// refsOf returns the Refs of thumbnails.
func refsOf(thumbs []Thumb) []workspace.Ref {
	var out []workspace.Ref
	for _, th := range thumbs {
		if th.Ref != nil {
			out = append(out, *th.Ref)
		}
	}
	return out
}

func galleryCell(g *Gallery, k int) *thumbCell { return g.grid.cells.Objects[k].(*thumbCell) }

func TestSelectionPanel(t *testing.T) {
	env := newTestEnv(t)
	v := newSelectionView(env)
	env.Window.SetContent(v.content)
	ws := env.Workspace
	if !strings.Contains(v.summary.Text, "Open a data set") {
		t.Errorf("before data: %q", v.summary.Text)
	}
	openEmbedded(t, env)
	waitUntil(t, "the empty selection", 5*time.Second, func() bool { return strings.Contains(v.summary.Text, "Nothing selected") })

	// The gallery follows ws.Select: sorted, with original indices and classes.
	ws.Select([]workspace.Ref{ref(17), ref(3), ref(5)}, workspace.Replace, "a test scatter")
	waitUntil(t, "the selection gallery", 5*time.Second, func() bool { return len(v.gallery.Items()) == 3 })
	ds := ws.Data()
	items := v.gallery.Items()
	if !slices.Equal(refsOf(items), []workspace.Ref{ref(3), ref(5), ref(17)}) {
		t.Errorf("gallery shows %v", refsOf(items))
	}
	if want := "train #17 · " + ds.Classes[ds.Train.Labels[17]]; items[2].Caption != want || items[2].Image == nil {
		t.Errorf("caption %q, want %q (image %v)", items[2].Caption, want, items[2].Image != nil)
	}
	if !strings.Contains(v.summary.Text, "3 items selected in a test scatter") || !strings.Contains(v.summary.Text, "By class:") {
		t.Errorf("summary %q", v.summary.Text)
	}
	// The first item given is focused; clicking a thumbnail focuses it.
	if f, _ := ws.Focus(); f != ref(17) {
		t.Errorf("focus %v, want the first item given", f)
	}
	test.Tap(galleryCell(v.gallery, 1))
	if f, _ := ws.Focus(); f != ref(5) {
		t.Errorf("focus %v after clicking train #5", f)
	}
	waitUntil(t, "the focus mark", 5*time.Second, func() bool {
		m := v.gallery.grid.Marked()
		return len(m) == 1 && *m[0].Ref == ref(5) && strings.Contains(v.focusInfo.Text, "train #5")
	})
	if v.remove.Disabled() || !v.showAll.Disabled() {
		t.Error("remove should be enabled, show all disabled")
	}

	// Isolate / show all.
	test.Tap(v.isolate)
	waitUntil(t, "isolation", 5*time.Second, func() bool { return ws.Isolated() && !v.showAll.Disabled() && v.isolate.Disabled() })
	if !strings.Contains(v.summary.Text, "Isolated") {
		t.Errorf("summary %q", v.summary.Text)
	}
	test.Tap(v.showAll)
	waitUntil(t, "show all", 5*time.Second, func() bool { return !ws.Isolated() && !v.isolate.Disabled() })

	// Remove the clicked item: the next one is focused.
	test.Tap(v.remove)
	refs, source := ws.Selection()
	if !slices.Equal(refs, []workspace.Ref{ref(3), ref(17)}) || source != "a test scatter" {
		t.Errorf("after removing train #5: %v from %q", refs, source)
	}
	if f, _ := ws.Focus(); f != ref(17) {
		t.Errorf("focus %v after the removal", f)
	}
	waitUntil(t, "the gallery after the removal", 5*time.Second, func() bool { return len(v.gallery.Items()) == 2 })

	// A large selection: a few hundred shown, the count in the title.
	all := make([]workspace.Ref, 0, ds.Train.N)
	for r := 0; r < ds.Train.N; r++ {
		all = append(all, ref(r))
	}
	ws.Select(all, workspace.Replace, "everything")
	waitUntil(t, "the large selection", 5*time.Second, func() bool { return len(v.gallery.Items()) == SelectionGallerySize })
	if !strings.Contains(v.gallery.title.Text, "10,000 items selected") || !strings.Contains(v.gallery.title.Text, "first 300") {
		t.Errorf("title %q", v.gallery.title.Text)
	}
	// Updating shows the first 300: it must not build 10,000 thumbnails
	// (about 4 KiB each). Measured in bytes allocated, not seconds.
	if b := allocated(func() { uiDoAndWait(v.update) }); b > 8<<20 {
		t.Errorf("updating with 10,000 selected allocated %d MiB", b>>20)
	}

	// Clear.
	test.Tap(v.clear)
	waitUntil(t, "the cleared selection", 5*time.Second, func() bool { return len(v.gallery.Items()) == 0 })
	if refs, _ := ws.Selection(); len(refs) != 0 || ws.Isolated() {
		t.Errorf("after Clear: %d selected", len(refs))
	}
	saveSnapshot(t, env.Window, "selection-empty.png")
}

// bruteItems ranks every item but ref by its exact float64 distance in
// space, as the panel orders them (distance, then position).
func bruteItems(space *workspace.Space, items workspace.Items, q workspace.Ref, n int, m knn.Metric) []service.NearestHit {
	qi := items.Positions([]workspace.Ref{q})[0]
	qv := items.Row(space, qi)
	norm := func(a []float32) float64 {
		s := 0.0
		for _, v := range a {
			s += float64(v) * float64(v)
		}
		return math.Sqrt(s)
	}
	var out []service.NearestHit
	for i := 0; i < items.Len(); i++ {
		if i == qi {
			continue
		}
		r := items.Row(space, i)
		s, dot := 0.0, 0.0
		for j := range qv {
			d := float64(qv[j]) - float64(r[j])
			s += d * d
			dot += float64(qv[j]) * float64(r[j])
		}
		d := math.Sqrt(s)
		if m == knn.Cosine {
			d = 1 - dot/(norm(qv)*norm(r))
		}
		out = append(out, service.NearestHit{Ref: items.Ref(i), Item: i, Dist: d})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Dist < out[b].Dist })
	return out[:n]
}

func sameHits(t *testing.T, name string, got, want []service.NearestHit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items, want %d", name, len(got), len(want))
	}
	for k := range want {
		if got[k].Ref != want[k].Ref || math.Abs(got[k].Dist-want[k].Dist) > 1e-9*(1+want[k].Dist) {
			t.Fatalf("%s: item %d is %+v, brute force %+v", name, k, got[k], want[k])
		}
	}
}

func TestSelectionNearestSearch(t *testing.T) {
	env := newTestEnv(t)
	v := newSelectionView(env)
	env.Window.SetContent(v.content)
	ws := env.Workspace
	s := v.search
	openEmbedded(t, env) // 8,000 train and 2,000 validation items

	// Nothing focused, nothing typed: a clear message, no job.
	s.start()
	if !strings.Contains(s.info.Text, "nothing to search from") {
		t.Errorf("without an item: %q", s.info.Text)
	}
	ws.Select([]workspace.Ref{ref(17)}, workspace.Replace, "test")
	waitUntil(t, "the focus", 5*time.Second, func() bool { return strings.Contains(v.focusInfo.Text, "train #17") })
	pixels, err := ws.PixelSpace(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	items := workspace.NewItems(ws.Splits())

	// Pixels, Euclidean.
	s.count.SetText("10")
	s.start()
	waitUntil(t, "the pixel search", 10*time.Second, func() bool { return s.result != nil })
	sameHits(t, "pixels, Euclidean", s.result.Hits, bruteItems(pixels, items, ref(17), 10, knn.Euclidean))
	thumbs := s.gallery.Items()
	if len(thumbs) != 11 || !strings.HasPrefix(thumbs[0].Caption, "query: train #17") || !strings.Contains(thumbs[1].Caption, " · d=") {
		t.Fatalf("%d thumbnails, first captions %q, %q", len(thumbs), thumbs[0].Caption, thumbs[1].Caption)
	}
	if !strings.Contains(s.note.Text, "Euclidean distance") || !strings.Contains(s.note.Text, "/255-scaled pixel values (784 values per item)") {
		t.Errorf("note %q", s.note.Text)
	}

	// Cosine.
	s.metric.SetSelected(metricCosine)
	s.result = nil
	s.start()
	waitUntil(t, "the cosine search", 10*time.Second, func() bool { return s.result != nil })
	sameHits(t, "pixels, cosine", s.result.Hits, bruteItems(pixels, items, ref(17), 10, knn.Cosine))
	if !strings.Contains(s.note.Text, "1 − cos θ") {
		t.Errorf("note %q", s.note.Text)
	}

	// Clicking another item searches from it.
	ws.SetFocus(ref(5))
	waitUntil(t, "the search from the new focus", 10*time.Second, func() bool { return s.result != nil && s.result.query == ref(5) })

	// Add the neighbours to the selection.
	test.Tap(s.add)
	if refs, _ := ws.Selection(); len(refs) != 11 {
		t.Errorf("%d selected after adding the 10 neighbours of train #5 to train #17", len(refs))
	}
	// Select all in the results gallery: the query and its neighbours.
	s.gallery.SelectAll()
	if refs, src := ws.Selection(); len(refs) != 11 || !strings.Contains(src, "nearest") {
		t.Errorf("select all: %d from %q", len(refs), src)
	}

	// A typed reference; PCA with 16 components.
	s.query.SetText("train #42")
	s.space.Select.SetSelected(spaceOptionPCA)
	s.pcaK.SetText("16")
	s.metric.SetSelected(metricEuclidean)
	s.count.SetText("5")
	s.result = nil
	s.start()
	waitUntil(t, "the PCA search", 30*time.Second, func() bool { return s.result != nil })
	if s.result.query != ref(42) || s.result.Space.Name != "PCA-16" || len(s.result.Hits) != 5 || !strings.Contains(s.note.Text, "PCA-16 coordinates") {
		t.Errorf("PCA search: %+v, note %q", s.result, s.note.Text)
	}
	pca16 := s.result.Space
	sameHits(t, "PCA-16", s.result.Hits, bruteItems(pca16, items, ref(42), 5, knn.Euclidean))

	// Bad references: clear messages, the results kept.
	for text, want := range map[string]string{
		"shoe":        "is not an item",
		"test 17":     "no test part",
		"train 10000": "there is no train #10000: the train part has rows 0 to 9999",
		"val 3":       "rows of the training file",
	} {
		s.query.SetText(text)
		s.start()
		if !strings.Contains(s.info.Text, want) {
			t.Errorf("%q: message %q, want %q", text, s.info.Text, want)
		}
	}
	s.count.SetText("0")
	s.query.SetText("17") // the part may be left out: the data has no test part
	s.start()
	if !strings.Contains(s.info.Text, "N must be") {
		t.Errorf("N=0: %q", s.info.Text)
	}
	saveSnapshot(t, env.Window, "selection.png")
}

func TestParseRef(t *testing.T) {
	ds := &dataset.Dataset{Train: dataset.Part{N: 100}, Test: dataset.Part{N: 20}}
	for text, want := range map[string]workspace.Ref{
		"test 17": {Part: "test", Row: 17}, "TRAIN#5": {Part: "train", Row: 5}, " train # 99 ": {Part: "train", Row: 99},
	} {
		if got, err := parseRef(ds, text); err != nil || got != want {
			t.Errorf("%q: %v, %v", text, got, err)
		}
	}
	for text, want := range map[string]string{"17": "say which part", "test 20": "rows 0 to 19", "test -1": "there is no", "": "is not an item"} {
		if _, err := parseRef(ds, text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
	if got := groupDigits(70000); got != "70,000" {
		t.Errorf("groupDigits: %q", got)
	}
}

// A numeric table: captions instead of thumbnails, features instead of pixels.
func TestSelectionNearestOnTable(t *testing.T) {
	env := newTestEnv(t)
	v := newSelectionView(env)
	env.Window.SetContent(v.content)
	ws := env.Workspace
	// Rows on a line: row i at (i, 2i, 0) plus a little noise by class.
	const n = 50
	ds := &dataset.Dataset{Name: "line", Source: "test", Classes: []string{"low", "high"}, Dim: 3,
		Train: dataset.Part{N: n, Dim: 3, Values: make([]float32, 3*n), Labels: make([]int, n)}}
	for i := range n {
		ds.Train.Values[3*i], ds.Train.Values[3*i+1], ds.Train.Values[3*i+2] = float32(i), float32(2*i), float32(i%3)
		if i >= n/2 {
			ds.Train.Labels[i] = 1
		}
	}
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	ws.Select([]workspace.Ref{ref(10), ref(30)}, workspace.Replace, "test")
	waitUntil(t, "the selection", 5*time.Second, func() bool { return len(v.gallery.Items()) == 2 })
	if th := v.gallery.Items()[1]; th.Image != nil || th.Caption != "train #30 · high" {
		t.Errorf("table item: %q, image %v", th.Caption, th.Image != nil)
	}
	s := v.search
	s.count.SetText("4")
	s.start()
	waitUntil(t, "the search", 10*time.Second, func() bool { return s.result != nil })
	pixels, _ := ws.PixelSpace(context.Background())
	sameHits(t, "table", s.result.Hits, bruteItems(pixels, workspace.NewItems(ws.Splits()), ref(10), 4, knn.Euclidean))
	if !strings.Contains(s.note.Text, "standardised (z-scored) feature values (3 values per item)") {
		t.Errorf("note %q", s.note.Text)
	}
	for _, th := range s.gallery.Items() {
		if th.Image != nil || !strings.HasPrefix(strings.TrimPrefix(th.Caption, "query: "), "train #") {
			t.Errorf("result %q has an image or no reference", th.Caption)
		}
	}
	if p := s.gallery.Figure(); p == nil {
		t.Error("no figure to export")
	}
}

func TestGallerySelection(t *testing.T) {
	env := newTestEnv(t)
	ws := env.Workspace
	openEmbedded(t, env)
	g := NewGallery("g", env.Window)
	env.Window.SetContent(g)
	tapped := -1
	g.OnTap = func(i int) { tapped = i }
	ds := ws.Data()
	var thumbs []Thumb
	for k, r := range []int{4, 8} {
		th, _ := RefThumb(ds, ref(r), k)
		thumbs = append(thumbs, th)
	}
	// Not linked: a tap only calls OnTap, no "Select all".
	g.SetItems("two", thumbs)
	test.Tap(galleryCell(g, 1))
	if refs, _ := ws.Selection(); tapped != 1 || len(refs) != 0 || g.selectAll.Visible() {
		t.Errorf("unlinked gallery: tapped %d, %d selected", tapped, len(refs))
	}
	// Linked: tap selects, shift-tap adds, Select all selects the full list.
	g.LinkSelection(ws, "a gallery")
	all := []workspace.Ref{ref(4), ref(8), ref(15), ref(16), ref(23)}
	g.SetItemsRefs("two of five", thumbs, all)
	if !g.selectAll.Visible() || g.selectAll.Text != "Select all 5" {
		t.Errorf("select all button %q visible %v", g.selectAll.Text, g.selectAll.Visible())
	}
	test.Tap(galleryCell(g, 0))
	if refs, src := ws.Selection(); !slices.Equal(refs, all[:1]) || src != "a gallery" || tapped != 0 {
		t.Errorf("tap: %v from %q", refs, src)
	}
	c := galleryCell(g, 1)
	c.MouseDown(&desktop.MouseEvent{Modifier: fyne.KeyModifierShift})
	test.Tap(c)
	if refs, _ := ws.Selection(); !slices.Equal(refs, all[:2]) {
		t.Errorf("shift-tap: %v", refs)
	}
	waitUntil(t, "both marked", 5*time.Second, func() bool { return len(g.grid.Marked()) == 2 })
	ws.Select([]workspace.Ref{ref(8)}, workspace.Replace, "elsewhere")
	waitUntil(t, "one marked", 5*time.Second, func() bool {
		m := g.grid.Marked()
		return len(m) == 1 && *m[0].Ref == ref(8)
	})
	test.Tap(g.selectAll)
	if refs, _ := ws.Selection(); !slices.Equal(refs, all) {
		t.Errorf("select all: %v", refs)
	}
	// SetItems: Select all selects the items' refs.
	g.SetItems("two", thumbs)
	g.SelectAll()
	if refs, _ := ws.Selection(); !slices.Equal(refs, all[:2]) {
		t.Errorf("select all after SetItems: %v", refs)
	}
}

func TestPrototypesGallerySelectsAll(t *testing.T) {
	env := newTestEnv(t)
	v := newPrototypesView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	waitUntil(t, "the analysis", 30*time.Second, func() bool { return v.an != nil && len(v.wrong.AllRefs()) > ErrorGallerySize })
	ws := env.Workspace
	an := v.an
	var wrong []workspace.Ref
	for i, p := range an.Pred {
		if p.Class != an.Split.Split.Label(i) {
			wrong = append(wrong, *splitRef(an.Split.Split, i))
		}
	}
	slices.SortFunc(wrong, workspace.Ref.Compare)
	v.wrong.SelectAll()
	refs, src := ws.Selection()
	if !slices.Equal(refs, wrong) || !strings.Contains(src, "Prototypes") {
		t.Errorf("select all in the confidently-wrong gallery: %d selected from %q, want all %d errors", len(refs), src, len(wrong))
	}
	// Every shown thumbnail names its item; a tap selects it (and still explains it).
	th := v.wrong.Items()[3]
	if th.Ref == nil || ws.Data().Train.Labels[th.Ref.Row] != an.Split.Split.Label(th.Index) {
		t.Fatalf("thumbnail %q has ref %v", th.Caption, th.Ref)
	}
	test.Tap(galleryCell(v.wrong, 3))
	if refs, _ := ws.Selection(); !slices.Equal(refs, []workspace.Ref{*th.Ref}) {
		t.Errorf("tap selected %v", refs)
	}
	// A confusion cell: all its images, not only those shown.
	v.showCell(6, 0)
	v.cellGallery.SelectAll()
	if refs, _ := ws.Selection(); len(refs) != an.Confusion.Counts[6][0] {
		t.Errorf("cell: %d selected, the matrix says %d", len(refs), an.Confusion.Counts[6][0])
	}
}

func TestClustersCellGallerySelects(t *testing.T) {
	env := newTestEnv(t)
	v := newClustersView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	v.space.Select.SetSelected(spaceOptionPCA)
	v.pcaK.SetText("8")
	v.nInit.SetText("1")
	v.startClustering()
	waitUntil(t, "k-means", 60*time.Second, func() bool { return v.cl != nil })
	class := v.cl.Majority[0]
	v.showCell(0, class)
	v.cellGallery.SelectAll()
	refs, src := env.Workspace.Selection()
	if len(refs) != v.cl.Contingency[0][class] || !strings.Contains(src, "C0") {
		t.Errorf("%d selected from %q, the table says %d", len(refs), src, v.cl.Contingency[0][class])
	}
}

// TestSelectionFullFashionMNIST checks that the panel stays responsive with
// the 70,000 items of the full Fashion-MNIST (skipped when it is not
// installed, or with -short).
func TestSelectionFullFashionMNIST(t *testing.T) {
	if !workspace.FullFashionMNISTAvailable() || testing.Short() {
		t.Skip("full Fashion-MNIST not installed, or -short")
	}
	env := newTestEnv(t)
	v := newSelectionView(env)
	env.Window.SetContent(v.content)
	ws := env.Workspace
	ds, err := workspace.Open(context.Background(), workspace.FashionMNISTDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	items := workspace.NewItems(ws.Splits())
	all := make([]workspace.Ref, items.Len())
	for i := range all {
		all[i] = items.Ref(i)
	}
	start := time.Now()
	ws.Select(all, workspace.Replace, "everything")
	waitUntil(t, "70,000 selected", 10*time.Second, func() bool { return strings.Contains(v.gallery.title.Text, "70,000 items selected") })
	t.Logf("selecting 70,000 items and showing them: %v", time.Since(start))
	// Moving the focus redraws one mark, not the 70,000 selected items.
	if b := allocated(func() { ws.SetFocus(workspace.Ref{Part: "test", Row: 17}) }); b > 8<<20 {
		t.Errorf("moving the focus with 70,000 selected allocated %d MiB", b>>20)
	}
	s := v.search
	for _, m := range []string{metricEuclidean, metricCosine} {
		s.metric.SetSelected(m)
		s.result = nil
		s.start()
		waitUntil(t, "the search", 60*time.Second, func() bool { return s.result != nil })
		t.Logf("%s: first search %v (with the norms)", m, s.result.Took)
		s.result = nil
		s.start()
		waitUntil(t, "the search", 60*time.Second, func() bool { return s.result != nil })
		t.Logf("%s: second search %v", m, s.result.Took)
		if s.result.Searched != 70000 || s.result.Took > 2*time.Second {
			t.Errorf("%s: searched %d items in %v", m, s.result.Searched, s.result.Took)
		}
	}
}

// allocated returns the bytes allocated while f runs (by every goroutine:
// a bound on the work f causes, without a clock).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
