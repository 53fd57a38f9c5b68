package service

import (
	"context"
	"math"
	"testing"

	"embedscope/ml/progress"
)

func TestCompareUsesTheCache(t *testing.T) {
	svc := embeddedService(t)
	ws := svc.WS
	ctx := context.Background()
	cache := &NeighbourCache{}
	req := CompareRequest{A: "pixels", B: "pca:16", N: 600, Cache: cache}
	first, err := svc.Compare(ctx, req, progress.New())
	if err != nil {
		t.Fatal(err)
	}
	// k = 5 is served by the cached k = 10 neighbourhoods: the same
	// objects, and the agreement of their first 5.
	req.K = 5
	second, err := svc.Compare(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if second.NeighboursA != first.NeighboursA || second.NeighboursB != first.NeighboursB {
		t.Error("the cached neighbourhoods were not reused")
	}
	if first.Items != 600 || first.Split != "validation" || len(first.Agreement) != 600 || len(first.ItemList) != 600 {
		t.Errorf("items %d (%s)", first.Items, first.Split)
	}
	if second.K != 5 || second.MeanAgreement == first.MeanAgreement || len(second.Histogram) != 6 {
		t.Errorf("k = 5: %+v", second.Histogram)
	}
	// A different scaling is a new generation: nothing is reused.
	ws.SetScaling(ws.Scaling() + 1)
	third, err := svc.Compare(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if third.NeighboursA == first.NeighboursA {
		t.Error("neighbourhoods of an older generation were reused")
	}
}

func TestQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("exact trustworthiness of 10,000 items against the pixels: about 10 s")
	}
	svc := embeddedService(t)
	ctx := context.Background()
	q, err := svc.Quality(ctx, "pca:32", nil)
	if err != nil {
		t.Fatal(err)
	}
	// 8,000 train / 2,000 validation items, no test part.
	if q.Items != 10000 || !math.IsNaN(q.KNNTest) || q.KNNValidation < 0.8 || q.Trust[0].Items != 10000 {
		t.Errorf("quality %+v", q)
	}
	for _, v := range []float64{q.Trust[0].Value, q.Trust[1].Value, q.Continuity[0].Value, q.Continuity[1].Value} {
		if v < 0.99 || v > 1 {
			t.Errorf("trustworthiness/continuity %v: PCA-32 keeps over 99 %% of Fashion-MNIST's local structure", v)
		}
	}
	if q.Agreement < 0.4 || q.Agreement > 0.6 || q.Purity < 0.5 || q.NMI < 0.4 {
		t.Errorf("agreement %v, purity %v, NMI %v", q.Agreement, q.Purity, q.NMI)
	}
	if _, err := svc.Quality(ctx, "nope", nil); err == nil {
		t.Error("no error for an unknown space")
	}
}
