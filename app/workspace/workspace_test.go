package workspace

import (
	"context"
	"testing"

	"embedscope/ml/dataset"
)

func TestWorkspaceLifecycle(t *testing.T) {
	ws := New()
	if _, _, _, err := ws.Features(context.Background()); err == nil {
		t.Error("features without data succeeded")
	}
	ds, err := Open(context.Background(), Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	changes := 0
	ws.OnChange(func() { changes++ })
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	if ws.Scaling() != dataset.ScaleDiv255 {
		t.Errorf("default scaling %v, want div255", ws.Scaling())
	}
	tr, val, te, err := ws.Features(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tr.X.Rows != 8000 || val.X.Rows != 2000 || te.X.Rows != 0 || tr.X.Cols != 784 {
		t.Fatalf("feature sizes %d/%d/%d × %d", tr.X.Rows, val.X.Rows, te.X.Rows, tr.X.Cols)
	}
	// The first pixel of the first training row, scaled by /255.
	r := tr.Split.Index[0]
	if got, want := tr.X.Data[0], float32(ds.Train.Pixels[r*784])/255; got != want {
		t.Errorf("feature %v, want %v", got, want)
	}
	tr2, _, _, _ := ws.Features(context.Background())
	if &tr2.X.Data[0] != &tr.X.Data[0] {
		t.Error("features were recomputed instead of cached")
	}
	gen := ws.Generation()
	ws.SetScaling(dataset.ScaleStandardize)
	if ws.Generation() == gen {
		t.Error("changing the scaling kept the generation")
	}
	tr3, _, _, _ := ws.Features(context.Background())
	if &tr3.X.Data[0] == &tr.X.Data[0] {
		t.Error("features not recomputed after a scaling change")
	}
	if err := ws.SetSplit(dataset.SplitOptions{ValFraction: 0.5, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if s := ws.Splits(); s.Train.Len() != 5000 || s.Val.Len() != 5000 {
		t.Errorf("split %d/%d, want 5000/5000", s.Train.Len(), s.Val.Len())
	}
	if err := ws.SetSplit(dataset.SplitOptions{ValFraction: 2}); err == nil {
		t.Error("an impossible split was accepted")
	}
	if changes != 3 {
		t.Errorf("%d change notifications, want 3 (data, scaling, split)", changes)
	}
	d, err := ws.Duplicates()
	if err != nil || len(d.Groups) != 0 {
		t.Errorf("duplicates %+v, %v", d, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ws.SetScaling(dataset.ScaleNone)
	if _, _, _, err := ws.Features(ctx); err == nil {
		t.Error("features with a cancelled context succeeded")
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(context.Background(), t.TempDir(), nil); err == nil {
		t.Error("opening an empty folder succeeded")
	}
}
