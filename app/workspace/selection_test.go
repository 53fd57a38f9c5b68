package workspace

import (
	"context"
	"slices"
	"testing"

	"embedscope/ml/dataset"
)

func TestSelectionSurvivesSplitAndScaling(t *testing.T) {
	ws := New()
	ds, err := Open(context.Background(), Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	calls := 0
	ws.OnSelectionChange(func() { calls++ })
	items := NewItems(ws.Splits())
	// Items 3 and 8500 (a validation item): refs keep the original rows.
	a, b := items.Ref(3), items.Ref(8500)
	if a.Part != "train" || a.Row != items.At(3).Row() {
		t.Fatalf("ref of item 3: %v", a)
	}
	ws.Select([]Ref{b, a, a}, Replace, "test")
	refs, src := ws.Selection()
	if len(refs) != 2 || src != "test" || refs[0].Compare(refs[1]) >= 0 {
		t.Fatalf("selection %v from %q", refs, src)
	}
	if f, ok := ws.Focus(); !ok || f != b {
		t.Errorf("focus %v %v, want the first item selected", f, ok)
	}
	if got := items.Positions(refs); !slices.Equal(got, []int{3, 8500}) {
		t.Errorf("positions %v", got)
	}
	// A new split moves the items; the refs still find them.
	if err := ws.SetSplit(dataset.SplitOptions{ValFraction: 0.5, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	moved := NewItems(ws.Splits())
	pos := moved.Positions(refs)
	if len(pos) != 2 {
		t.Fatalf("after re-splitting the selection maps to %v", pos)
	}
	for _, p := range pos {
		if r := moved.Ref(p); r != a && r != b {
			t.Errorf("position %d holds %v", p, r)
		}
	}
	ws.SetScaling(dataset.ScaleStandardize)
	if refs2, _ := ws.Selection(); len(refs2) != 2 {
		t.Error("scaling cleared the selection")
	}
	ws.Select([]Ref{a}, Remove, "test")
	ws.SetIsolated(true)
	if refs, _ := ws.Selection(); len(refs) != 1 || refs[0] != b || !ws.Isolated() {
		t.Errorf("after removing: %v isolated %v", refs, ws.Isolated())
	}
	ws.ClearSelection()
	if refs, _ := ws.Selection(); len(refs) != 0 || ws.Isolated() {
		t.Error("clear kept items or isolation")
	}
	ws.SetIsolated(true)
	if ws.Isolated() {
		t.Error("an empty selection was isolated")
	}
	// New data clears the selection.
	ws.Select([]Ref{a}, Add, "test")
	n := calls
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	if refs, _ := ws.Selection(); len(refs) != 0 || calls != n+1 {
		t.Errorf("new data: selection %v, %d notifications", refs, calls-n)
	}
}

func TestLabelings(t *testing.T) {
	ws := New()
	ds, err := Open(context.Background(), Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetData(ds)
	n := NewItems(ws.Splits()).Len()
	if err := ws.SetLabeling(&Labeling{Name: "short", Labels: make([]int, n-1)}, ws.Generation()); err == nil {
		t.Error("a labelling of the wrong length was stored")
	}
	if err := ws.SetLabeling(&Labeling{Name: "stale", Labels: make([]int, n)}, ws.Generation()-1); err == nil {
		t.Error("a stale labelling was stored")
	}
	if err := ws.SetLabeling(&Labeling{Name: "kNN", Labels: make([]int, n), Prediction: true}, ws.Generation()); err != nil {
		t.Fatal(err)
	}
	if l := ws.Labelings(); len(l) != 1 || ws.Labeling("kNN") == nil {
		t.Errorf("labelings %v", l)
	}
	ws.SetScaling(dataset.ScaleStandardize)
	if len(ws.Labelings()) != 0 {
		t.Error("labelings survived a change of scaling")
	}
}
