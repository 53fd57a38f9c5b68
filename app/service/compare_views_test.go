package service

import (
	"context"
	"math"
	"slices"
	"testing"

	"embedscope/app/workspace"
)

// TestCompareViewsAndDominoes: the side-by-side views, the morph, the
// dominoes and the items behind the histogram's bars of pixels against
// PCA-16 on 600 validation items.
func TestCompareViewsAndDominoes(t *testing.T) {
	svc := embeddedService(t)
	ctx := context.Background()
	res, err := svc.Compare(ctx, CompareRequest{A: "pixels", B: "pca:16", N: 600}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.CompareViews(ctx, &res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.AX) != 600 || len(v.BY) != 600 || v.XLabelA != "PC 1 of pixels" || v.XLabelB != "PC 1" {
		t.Fatalf("views of %d and %d points, labels %q, %q", len(v.AX), len(v.BY), v.XLabelA, v.XLabelB)
	}
	// The pixels' view is their first two principal components, and so
	// are PCA-16's first two coordinates: aligned, they coincide (up to
	// the solvers' rounding), with no scaling.
	if v.Disparity > 1e-6 || math.Abs(v.Scale-1) > 1e-3 {
		t.Errorf("disparity %g, scale %g", v.Disparity, v.Scale)
	}
	for i := range v.AX {
		if math.Abs(float64(v.AX[i]-v.BX[i])) > 1e-2 || math.Abs(float64(v.AY[i]-v.BY[i])) > 1e-2 {
			t.Fatalf("item %d at (%v, %v) in A and (%v, %v) in B", i, v.AX[i], v.AY[i], v.BX[i], v.BY[i])
		}
	}
	x0, y0 := v.Frame(0, nil, nil)
	x1, y1 := v.Frame(1, nil, nil)
	xh, _ := v.Frame(0.5, nil, nil)
	if !slices.Equal(x0, v.AX) || !slices.Equal(y0, v.AY) || !slices.Equal(x1, v.BX) || !slices.Equal(y1, v.BY) {
		t.Error("the morph does not start at A's view and end at B's")
	}
	if d := xh[7] - (v.AX[7]+v.BX[7])/2; math.Abs(float64(d)) > 1e-5 {
		t.Errorf("the half-way frame is off by %v", d)
	}

	// Dominoes: K neighbours in each space, nearest first, shared ones in
	// both rows, as many as the agreement says.
	for _, i := range []int{0, 17, 599} {
		inA, inB, err := res.Domino(i)
		if err != nil {
			t.Fatal(err)
		}
		if len(inA) != 10 || len(inB) != 10 {
			t.Fatalf("domino of %d: %d and %d tiles", i, len(inA), len(inB))
		}
		shared := 0
		for j, tl := range inA {
			if j > 0 && tl.Dist < inA[j-1].Dist {
				t.Errorf("domino of %d: A's row not nearest first", i)
			}
			inBoth := slices.ContainsFunc(inB, func(b DominoTile) bool { return b.Item == tl.Item })
			if tl.Shared != inBoth || tl.Item == i {
				t.Errorf("domino of %d: tile %+v, in B's row %v", i, tl, inBoth)
			}
			if tl.Shared {
				shared++
			}
		}
		if shared != res.SharedOf(i) {
			t.Errorf("domino of %d: %d shared, the agreement says %d", i, shared, res.SharedOf(i))
		}
	}
	if _, _, err := res.Domino(600); err == nil {
		t.Error("no error for an item out of range")
	}

	// The bars' items: every item in exactly one bar, as many as it counts.
	seen := 0
	for _, b := range res.Histogram {
		items := res.InBin(b.Shared)
		if len(items) != b.Items {
			t.Errorf("bar %d: %d items, the histogram says %d", b.Shared, len(items), b.Items)
		}
		for _, i := range items {
			if res.SharedOf(i) != b.Shared {
				t.Errorf("item %d shares %d, in bar %d", i, res.SharedOf(i), b.Shared)
			}
		}
		seen += len(items)
	}
	if seen != 600 {
		t.Errorf("%d items in the bars", seen)
	}
	refs := res.Refs([]int{0, 599})
	if want := workspace.SplitRef(res.ItemList[599].Split, res.ItemList[599].Pos); refs[1] != want || refs[0].Part != "train" {
		t.Errorf("refs %v, want %v last", refs, want)
	}
	if g := res.GroupItems(0); len(g) != res.MostChanged[0].Items {
		t.Errorf("group 0 has %d items, the list says %d", len(g), res.MostChanged[0].Items)
	}
}

// TestQualityRowIsKeptInTheRun: a run's quality row is saved in its
// metrics, computed once per session, and its agreement with the pixels
// is Compare's over all items.
func TestQualityRowIsKeptInTheRun(t *testing.T) {
	if testing.Short() {
		t.Skip("the pixels' neighbours of 10,000 items: several seconds")
	}
	svc := embeddedService(t)
	ctx := context.Background()
	row, err := svc.QualityRow(ctx, QualityRequest{Space: "pca:8", Sample: 500}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if row.Kind != "pca" || row.Dim != 8 || row.Items != 10000 || row.TrustItems != 500 || row.KNN5Val == nil || row.KNN5Test != nil {
		t.Fatalf("row %+v", row)
	}
	r, _ := svc.Run(row.ID)
	m := r.Metrics
	if m["trust5_pixels"] != row.Trust5 || m["continuity10_pixels"] != row.Continuity10 || m["agreement_pixels"] != row.AgreementPixels ||
		m["kmeans_nmi"] != row.NMI || m["knn5_val"] != *row.KNN5Val || row.RunSeconds != r.Seconds {
		t.Errorf("metrics %v for row %+v", m, row)
	}
	again, err := svc.QualityRow(ctx, QualityRequest{Space: row.ID, Sample: 500}, nil)
	if err != nil || again != row {
		t.Errorf("second call %+v, %v: not the cached row", again, err)
	}
	res, err := svc.Compare(ctx, CompareRequest{A: "pixels", B: row.ID, All: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.MeanAgreement != row.AgreementPixels {
		t.Errorf("agreement %v in the row, %v by Compare", row.AgreementPixels, res.MeanAgreement)
	}
	px, err := svc.QualityRow(ctx, QualityRequest{Space: "pixels", Sample: 500}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if px.AgreementPixels != 1 || px.Trust10 != 1 || px.Continuity5 != 1 || px.RunSeconds != 0 {
		t.Errorf("the pixels against themselves: %+v", px)
	}
}
