package service

import (
	"context"
	"math"
	"strings"
	"testing"
)

// TestMapUMAP runs the pipeline on the embedded data (8,000 training and
// 2,000 validation images): the first N items, a semi-supervised map, and
// a fit on training items with validation items placed into it.
func TestMapUMAP(t *testing.T) {
	svc := embeddedService(t)
	ctx := context.Background()
	req := DefaultUMAPRequest(2100)
	req.Epochs = 40
	var frames int
	r, err := svc.MapUMAP(ctx, req, nil, func(int, []float32) { frames++ })
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 2100 || r.Items[0].Split.Name != "validation" || r.Items[2099].Split.Name != "train" ||
		!strings.Contains(r.Note, "other 100") || r.Embedding.Rows != 2100 || r.Input.Cols != 50 || frames != 8 {
		t.Errorf("%d items (%s … %s), note %q, map %d rows, input %d columns, %d frames",
			len(r.Items), r.Items[0].Split.Name, r.Items[2099].Split.Name, r.Note, r.Embedding.Rows, r.Input.Cols, frames)
	}
	if r.KNN5 < 0.6 || r.TrustN != 2100 || !(r.Trustworthiness > 0.9) || !math.IsNaN(r.PlacedKNN5) || !math.IsNaN(r.KNN5Unlabelled) {
		t.Errorf("quality: 5-NN %.4f, trustworthiness %.4f on %d, placed %v, unlabelled %v", r.KNN5, r.Trustworthiness, r.TrustN, r.PlacedKNN5, r.KNN5Unlabelled)
	}

	req.Supervised, req.Trust = true, false
	r, err = svc.MapUMAP(ctx, req, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Unlabelled != 2000 || math.IsNaN(r.KNN5Unlabelled) || !math.IsNaN(r.Trustworthiness) {
		t.Errorf("semi-supervised: %d unlabelled, their 5-NN %v", r.Unlabelled, r.KNN5Unlabelled)
	}

	req = DefaultUMAPRequest(500)
	req.Epochs, req.Place, req.Supervised = 40, true, true
	r, err = svc.MapUMAP(ctx, req, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Items) != 500 || r.Items[0].Split.Name != "train" || len(r.Placed) != 500 || r.Placed[0].Split.Name != "validation" ||
		r.PlacedEmbedding.Rows != 500 || !(r.PlacedKNN5 > 0.5) || r.Unlabelled != 0 {
		t.Errorf("place: %d fitted, %d placed, placed 5-NN %v, %d unlabelled", len(r.Items), len(r.Placed), r.PlacedKNN5, r.Unlabelled)
	}

	for _, bad := range []struct {
		req  UMAPRequest
		want string
	}{
		{UMAPRequest{N: 100, Neighbors: 15, Spread: 1, Supervised: true}, "training split"},
		{UMAPRequest{N: 2, Neighbors: 15, Spread: 1}, "at least 4"},
		{UMAPRequest{N: 100, Neighbors: 15, Spread: 1, Metric: "l1"}, "unknown metric"},
		{UMAPRequest{N: 100, Neighbors: 15, Spread: 1, Input: "GLRM-2"}, "no run"},
	} {
		if _, err := svc.MapUMAP(ctx, bad.req, nil, nil); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: error %v, want %q", bad.req, err, bad.want)
		}
	}
}
