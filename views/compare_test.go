package views

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"embedscope/app/service"
	"embedscope/app/workspace"
)

// comparedPanel returns a Compare panel on the embedded data that has
// compared PCA-16 (A) with the pixels (B) on the 2,000 validation items.
func comparedPanel(t *testing.T) (*Env, *compareView) {
	t.Helper()
	env := newTestEnv(t)
	v := newCompareView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	v.pcaK.SetText("16")
	v.startCompare()
	waitUntil(t, "the comparison", 120*time.Second, func() bool {
		return v.shown != nil && v.histogram.Plot() != nil && v.perClass.Plot() != nil && len(env.Jobs.Active()) == 0
	})
	return env, v
}

// TestComparePanel: the panel's numbers are the service's; the histogram,
// both views, the morph, a clicked item's domino and the grouped list are
// shown; clicking a bar of the histogram selects exactly its items.
func TestComparePanel(t *testing.T) {
	env, v := comparedPanel(t)
	res := v.shown.res
	want, err := env.Service.Compare(context.Background(), service.CompareRequest{A: res.A, B: "pixels", N: 10000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 2000 || res.Split != "validation" || res.A != "PCA-16" || res.B != "pixels" || res.MeanAgreement != want.MeanAgreement {
		t.Fatalf("compared %d %s items of %s and %s: %v, the service gives %v", res.Items, res.Split, res.A, res.B, res.MeanAgreement, want.MeanAgreement)
	}
	if !strings.Contains(v.summary.Text, "Mean agreement "+fmt.Sprintf("%.4f", res.MeanAgreement)) {
		t.Errorf("summary %q", v.summary.Text)
	}

	// Both views: every compared item, linked to the workspace's items.
	for _, sc := range []*Scatter{v.viewA, v.viewB, v.morph.scatter} {
		if sc.data.Len() != 2000 || len(sc.sel2.items) != 2000 || len(sc.data.Colors) != res.K+1 {
			t.Fatalf("a view shows %d points (%d linked, %d colours)", sc.data.Len(), len(sc.sel2.items), len(sc.data.Colors))
		}
	}

	// A click on the histogram's bar of 5 shared neighbours selects
	// exactly the items that share 5.
	v.tabs.SelectIndex(0)
	waitUntil(t, "the histogram laid out", 5*time.Second, func() bool { return v.histogram.area.Size().Width > 100 })
	const s = 5
	bar := res.Histogram[s]
	if bar.Items == 0 {
		t.Fatalf("no items in bar %d: %+v", s, res.Histogram)
	}
	pos, ok := v.histogram.PositionOf(s, float64(bar.Items)/2)
	if !ok {
		t.Fatal("the histogram is not laid out")
	}
	v.histogram.Tapped(&fyne.PointEvent{Position: pos})
	refs, source := env.Workspace.Selection()
	wantRefs := res.Refs(res.InBin(s))
	slices.SortFunc(wantRefs, workspace.Ref.Compare)
	if !slices.Equal(refs, wantRefs) || v.bar != s || !strings.Contains(source, "5 of 10") {
		t.Fatalf("the bar selected %d items (%q), want its %d", len(refs), source, bar.Items)
	}
	// A click beside the bars selects nothing new.
	pos, _ = v.histogram.PositionOf(s+0.5, float64(bar.Items)/2)
	v.histogram.Tapped(&fyne.PointEvent{Position: pos})
	if v.bar != s {
		t.Errorf("a click between bars chose bar %d", v.bar)
	}

	// The selection is ringed in the views.
	if len(v.viewA.highlight) != bar.Items || len(v.viewB.highlight) != bar.Items {
		t.Errorf("%d and %d ringed, want %d", len(v.viewA.highlight), len(v.viewB.highlight), bar.Items)
	}

	// Click an item in A's view: its domino.
	v.tabs.SelectIndex(1)
	waitUntil(t, "the views laid out", 5*time.Second, func() bool { return v.viewA.areaSize.Width > 50 })
	i := 17
	at := v.viewA.toScreen(v.viewA.view, float64(v.viewA.data.X[i]), float64(v.viewA.data.Y[i]))
	v.viewA.Tapped(&fyne.PointEvent{Position: at})
	i = v.viewA.Selected() // the point on top there
	if i < 0 || v.domino != i || v.viewB.Selected() != i {
		t.Fatalf("clicked item %d: domino of %d, B rings %d", i, v.domino, v.viewB.Selected())
	}
	d := &v.dominoes
	rowA, rowB := d.rowA.Items(), d.rowB.Items()
	if len(rowA) != 10 || len(rowB) != 10 || len(d.item.Items()) != 1 {
		t.Fatalf("domino rows of %d and %d", len(rowA), len(rowB))
	}
	if m := len(d.rowA.Marked()); m != res.SharedOf(i) || len(d.rowB.Marked()) != m {
		t.Errorf("%d and %d outlined, the item shares %d", m, len(d.rowB.Marked()), res.SharedOf(i))
	}
	inA, _, _ := res.Domino(i)
	if rowA[0].Index != inA[0].Item || !strings.Contains(rowA[0].Caption, fmt.Sprintf("%.3g", inA[0].Dist)) {
		t.Errorf("first tile %+v, want item %d at %v", rowA[0], inA[0].Item, inA[0].Dist)
	}
	// A thumbnail leads to its own domino.
	d.rowB.OnTap(rowB[3].Index)
	if v.domino != rowB[3].Index {
		t.Errorf("followed to %d, want %d", v.domino, rowB[3].Index)
	}

	// The most-changed list: one readable line per group; a line selects
	// its items.
	c := &v.changed
	if len(c.groups) != len(res.MostChanged) || len(c.groups) == 0 || !strings.Contains(c.groups[0], " in A → among ") {
		t.Fatalf("most-changed lines %q", c.groups)
	}
	c.list.Select(0)
	refs, _ = env.Workspace.Selection()
	wantRefs = res.Refs(res.GroupItems(0))
	slices.SortFunc(wantRefs, workspace.Ref.Compare)
	if !slices.Equal(refs, wantRefs) || len(c.gallery.Items()) != min(len(wantRefs), 200) {
		t.Errorf("line 0 selected %d items (%d shown), want %d", len(refs), len(c.gallery.Items()), len(wantRefs))
	}

	// In the morph, the selected items leave trails from their place in A
	// to their place in the frame.
	v.morph.slider.SetValue(0.5)
	p := v.morph.scatter.highlight[0]
	mid := (v.shown.views.AX[p] + v.shown.views.BX[p]) / 2
	tr := v.morph.scatter.trails
	if math.Abs(float64(v.morph.scatter.data.X[p]-mid)) > 1e-4 || len(tr) != len(wantRefs) || tr[0].X[0] != v.shown.views.AX[p] || tr[0].X[1] != v.morph.scatter.data.X[p] {
		t.Errorf("half-way frame: x %v, want %v; %d trails for %d items", v.morph.scatter.data.X[p], mid, len(tr), len(wantRefs))
	}

	// Colour by class: the class palette, with the classes as legend.
	v.colourBy.SetSelected("class")
	if v.viewA.data.Colors != nil || len(v.viewA.data.Classes) != 10 || v.viewA.data.Labels[0] != res.ItemList[0].Label() {
		t.Error("the views are not coloured by class")
	}
}

// TestCompareQualityTable: the table lists the pixels and two runs, fills
// in their rows one job after the other, saves them in the runs' records
// and sorts by a column.
func TestCompareQualityTable(t *testing.T) {
	skipShort(t)
	env := newTestEnv(t)
	v := newCompareView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	ctx := context.Background()
	var ids []string
	for _, k := range []int{4, 16} {
		p, err := env.Service.FitPCA(ctx, service.PCARequest{Components: k}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.Run.ID)
	}
	q := v.quality
	q.sample = 1000
	waitUntil(t, "the runs listed", 5*time.Second, func() bool { return len(q.list) == 3 })
	q.computeMissing()
	waitUntil(t, "every row", 300*time.Second, func() bool { return !q.busy && len(q.Rows()) == 3 })
	rows := map[string]service.QualityRow{}
	for _, r := range q.Rows() {
		rows[r.ID] = r
	}
	for _, id := range ids {
		r := rows[id]
		rec, _ := env.Service.Run(id)
		if rec.Metrics["agreement_pixels"] != r.AgreementPixels || rec.Metrics["trust10_pixels"] != r.Trust10 || r.KNN5Val == nil || r.TrustItems != 1000 {
			t.Errorf("run %s: row %+v, metrics %v", id, r, rec.Metrics)
		}
	}
	if px := rows["pixels"]; px.AgreementPixels != 1 || px.Trust5 != 1 {
		t.Errorf("the pixels' row %+v", px)
	}
	// More components keep more of the pixels' neighbourhoods.
	if !(rows[ids[1]].AgreementPixels > rows[ids[0]].AgreementPixels) {
		t.Errorf("PCA-16 agrees %v with the pixels, PCA-4 %v", rows[ids[1]].AgreementPixels, rows[ids[0]].AgreementPixels)
	}
	col := slices.IndexFunc(qualityColumns[:], func(c qualityColumn) bool { return c.title == "Agreement" })
	q.sortBy(col) // descending first
	if got := []string{q.list[0].choice.ID, q.list[1].choice.ID, q.list[2].choice.ID}; !slices.Equal(got, []string{"pixels", ids[1], ids[0]}) {
		t.Errorf("sorted by agreement: %v", got)
	}
	if q.export.Disabled() {
		t.Error("Export CSV is disabled with every row computed")
	}
	b, err := service.EncodeQualityCSV(q.Rows())
	if err != nil || strings.Count(string(b), "\n") != 4 {
		t.Errorf("CSV %q, %v", b, err)
	}
	// A new panel (a new session) shows the runs' rows from their records.
	v2 := newCompareView(env)
	waitUntil(t, "the saved rows", 5*time.Second, func() bool { return len(v2.quality.Rows()) == 2 })
}
