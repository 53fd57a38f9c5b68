package service

import (
	"context"
	"testing"

	"embedscope/app/workspace"
)

func TestNearDuplicatesOnEmbeddedData(t *testing.T) {
	ws := workspace.New()
	ds, err := workspace.Open(context.Background(), workspace.Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Plant a near copy: training row 5 becomes row 3 with one pixel changed by 10.
	copy(ds.Train.Pixels[5*784:6*784], ds.Train.Pixels[3*784:4*784])
	ds.Train.Pixels[5*784+400] ^= 10
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	svc, _ := New(ws, nil)
	nd, err := svc.FindNearDuplicates(context.Background(), 1.0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nd.WithinTrain < 2 || len(nd.Pairs) < 1 {
		t.Fatalf("planted pair not found: %+v", nd)
	}
	p := nd.Pairs[0]
	// One pixel of 784 differs by ≤ 10 grey levels: RMS ≤ 10/28.
	if p.A != 3 || p.B != 5 || p.RMS > 10.0/28+1e-9 || p.RMS <= 0 {
		t.Errorf("closest pair %+v, want train rows 3 and 5", p)
	}
	if _, err := svc.FindNearDuplicates(context.Background(), -1, nil); err == nil {
		t.Error("a negative threshold was accepted")
	}
}
