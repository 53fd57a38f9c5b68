package views

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"embedscope/app/workspace"
)

func TestInsidePolygon(t *testing.T) {
	// An L-shaped lasso: (1,1) is inside, (3,3) in the notch is not.
	poly := []fyne.Position{{X: 0, Y: 0}, {X: 4, Y: 0}, {X: 4, Y: 2}, {X: 2, Y: 2}, {X: 2, Y: 4}, {X: 0, Y: 4}}
	for _, c := range []struct {
		x, y float32
		in   bool
	}{{1, 1, true}, {3, 1, true}, {1, 3, true}, {3, 3, false}, {5, 1, false}, {-1, -1, false}} {
		if got := insidePolygon(poly, c.x, c.y); got != c.in {
			t.Errorf("(%v, %v): inside %v, want %v", c.x, c.y, got, c.in)
		}
	}
}

// TestScatterBoxAndLassoSelect drags a box, then a lasso, over the known
// points (0 (0,0), 1 (10,0), 2 (0,10), 3 (10,10), 4 (5,5)).
func TestScatterBoxAndLassoSelect(t *testing.T) {
	s, _ := newTestScatter(t)
	var got []int
	var mode workspace.SelectMode
	s.OnSelect = func(p []int, m workspace.SelectMode) { got, mode = p, m }
	s.SetTool("box")
	// A box around points 0 and 4 (from below-left of 0 to beyond 4).
	a, b := scatterPointAt(s, 0).AddXY(-8, 8), scatterPointAt(s, 4).AddXY(8, -8)
	// (fyne's test.Drag reports the start as the position; a real drag
	// reports the cursor, with the step since the last event.)
	s.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: a.AddXY(1, 1)}, Dragged: fyne.NewDelta(1, 1)})
	s.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: b}, Dragged: fyne.NewDelta(b.X-a.X-1, b.Y-a.Y-1)})
	s.DragEnd()
	if !slices.Equal(got, []int{0, 4}) || mode != workspace.Replace {
		t.Fatalf("box selected %v (mode %v), want [0 4]", got, mode)
	}
	// Shift held: the lasso adds. A triangle around 1 and 3 only.
	s.MouseDown(&desktop.MouseEvent{Modifier: fyne.KeyModifierShift})
	s.SetTool("lasso")
	p1, p3 := scatterPointAt(s, 1), scatterPointAt(s, 3)
	s.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: p1.AddXY(12, 12)}, Dragged: fyne.NewDelta(1, 1)})
	for _, p := range []fyne.Position{p1.AddXY(-20, 12), p3.AddXY(-20, -12), p3.AddXY(12, -12)} {
		s.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: p}, Dragged: fyne.NewDelta(1, 1)})
	}
	if len(s.ui.outline.Objects) == 0 {
		t.Error("no lasso outline drawn while dragging")
	}
	s.DragEnd()
	if !slices.Equal(got, []int{1, 3}) || mode != workspace.Add {
		t.Errorf("lasso selected %v (mode %v), want [1 3] added", got, mode)
	}
	if len(s.ui.outline.Objects) != 0 {
		t.Error("the outline stayed after the drag")
	}
}

// TestLinkedScatters selects in one scatter and sees the items ringed in
// another that shows them in a different order, colours by a labelling,
// and isolates.
func TestLinkedScatters(t *testing.T) {
	env := newTestEnv(t)
	openEmbedded(t, env)
	ws := env.Workspace
	n := workspace.NewItems(ws.Splits()).Len()
	labels := workspace.NewItems(ws.Splits()).Labels()
	a, b := NewScatter(), NewScatter()
	a.Link(ws, "A")
	b.Link(ws, "B")
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = float32(i)
	}
	if err := a.SetData(ScatterData{X: xs, Y: xs, Labels: labels, Classes: ws.Data().Classes, Items: allItems(n)}); err != nil {
		t.Fatal(err)
	}
	// b shows the items in reverse order.
	rev := allItems(n)
	slices.Reverse(rev)
	revLabels := make([]int, n)
	for p, it := range rev {
		revLabels[p] = labels[it]
	}
	if err := b.SetData(ScatterData{X: xs, Y: xs, Labels: revLabels, Classes: ws.Data().Classes, Items: rev}); err != nil {
		t.Fatal(err)
	}
	a.OnSelect([]int{5, 9000}, workspace.Replace)
	if refs, src := ws.Selection(); len(refs) != 2 || src != "A" {
		t.Fatalf("selection %v from %q", refs, src)
	}
	if h := slices.Sorted(slices.Values(b.highlight)); !slices.Equal(h, []int{n - 1 - 9000, n - 1 - 5}) {
		t.Errorf("b rings %v, want the same two items", h)
	}
	ws.SetIsolated(true)
	if len(b.drawOrder()) != 2 || len(a.drawOrder()) != 2 {
		t.Errorf("isolated: a draws %d, b draws %d points", len(a.drawOrder()), len(b.drawOrder()))
	}
	ws.SetIsolated(false)
	if len(b.drawOrder()) != n {
		t.Error("show all did not restore the points")
	}
	// Colour by a prediction labelling: correct / wrong.
	pred := slices.Clone(labels)
	pred[7] = (pred[7] + 1) % 10
	pred[0] = -1
	if err := ws.SetLabeling(&workspace.Labeling{Name: "test prediction", Labels: pred, Classes: ws.Data().Classes, Prediction: true}, ws.Generation()); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(a.ui.colour.Options, "Colour: test prediction: correct / wrong") {
		t.Fatalf("colour options %v", a.ui.colour.Options)
	}
	a.ui.colour.SetSelected("Colour: test prediction: correct / wrong")
	if a.data.Classes[1] != "wrong" || a.data.Labels[7] != 1 || a.data.Labels[0] != 2 || a.data.Labels[1] != 0 {
		t.Errorf("correct/wrong colouring: classes %v, labels %v", a.data.Classes, a.data.Labels[:8])
	}
	a.ui.colour.SetSelected(colourTruth)
	if !slices.Equal(a.data.Labels, labels) {
		t.Error("back to the true class lost the labels")
	}
	// New data clears the selection everywhere.
	ds, err := workspace.Open(context.Background(), workspace.Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetData(ds)
	if refs, _ := ws.Selection(); len(refs) != 0 || len(a.highlight) != 0 {
		t.Errorf("after new data: %d selected, %d ringed", len(refs), len(a.highlight))
	}
}
