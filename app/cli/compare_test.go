package cli

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"embedscope/app/service"
)

// TestCompareSklearn compares every item of a folder holding the first
// 1,500 embedded images as the training part and the next 500 as the test
// part: pixels against PCA-32 fitted on the training part. scikit-learn
// 1.2.1 on the same data:
//
//	with gzip.open("assets/t10k-images-idx3-ubyte.gz") as f:
//	    X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:2000]
//	with gzip.open("assets/t10k-labels-idx1-ubyte.gz") as f:
//	    y = np.frombuffer(f.read(), np.uint8, offset=8)[:2000]
//	A = (X.astype(np.float32) / np.float32(255)).astype(np.float64)
//	B = PCA(32, svd_solver="full").fit(A[:1500]).transform(A)
//	ia = NearestNeighbors(n_neighbors=10).fit(A).kneighbors(return_distance=False)
//	ib = NearestNeighbors(n_neighbors=10).fit(B).kneighbors(return_distance=False)
//	s = (ia[:, :, None] == ib[:, None, :]).sum(axis=(1, 2))
//	j = s / (20 - s)
//	print(j.mean(), j[y == 5].mean(), np.bincount(s, minlength=11))
//
// gives 0.5658985770851095, 0.43169014441936565 (sandals) and the
// histogram below (the smallest relative gap between an item's 10th and
// 11th distance in B is 1.4e-6, far above the PCA solvers' differences).
func TestCompareSklearn(t *testing.T) {
	dir := writeSmallIDX(t, 1500, 500)
	items := filepath.Join(t.TempDir(), "items.csv")
	code, out, errOut := run(t, "compare", "--data", dir, "--a", "pixels", "--b", "pca:32", "--all", "--out", items, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r service.CompareResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if r.A != "pixels" || r.B != "PCA-32" || r.DimA != 784 || r.DimB != 32 || r.K != 10 || r.Metric != "euclidean" || r.Split != "all" || r.Items != 2000 {
		t.Errorf("header %+v", r)
	}
	if math.Abs(r.MeanAgreement-0.5658985770851095) > 1e-13 {
		t.Errorf("mean agreement %.16g, sklearn 0.5658985770851095", r.MeanAgreement)
	}
	if c := r.PerClass[5]; c.Class != "5" || math.Abs(c.MeanAgreement-0.43169014441936565) > 1e-13 {
		t.Errorf("sandals %+v, sklearn 0.43169014441936565", c)
	}
	for s, want := range []int{0, 3, 7, 25, 74, 182, 326, 534, 550, 251, 48} {
		if b := r.Histogram[s]; b.Shared != s || b.Items != want {
			t.Errorf("histogram bin %+v, sklearn %d items", b, want)
		}
	}
	grouped := 0
	for _, g := range r.MostChanged {
		grouped += g.Items
		if g.Items < len(g.Examples) || len(g.Examples) == 0 || len(g.Examples) > 10 {
			t.Errorf("group %+v", g)
		}
	}
	if r.ChangedItems != 100 || grouped != 100 {
		t.Errorf("%d items grouped in the most-changed list, want 100 (5 %%)", grouped)
	}
	// The JSON keys are snake_case.
	for _, key := range []string{`"mean_agreement":`, `"per_class":`, `"most_changed":`, `"dim_a":`, `"neighbours_a_seconds":`} {
		if !strings.Contains(out, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
	// The items CSV: a header and one row per item, the same mean (the
	// folder in TempDir has digit class names).
	f, err := os.Open(items)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2001 || strings.Join(rows[0], ",") != "split,index,label,agreement,shared,majority_a,majority_b" {
		t.Fatalf("%d CSV rows, header %v", len(rows), rows[0])
	}
	if strings.Join(rows[1501][:3], ",") != "test,0,3" {
		t.Errorf("row of the first test item: %v", rows[1501])
	}
	sum := 0.0
	for _, row := range rows[1:] {
		s, _ := strconv.Atoi(row[4])
		sum += float64(s) / float64(20-s)
	}
	if math.Abs(sum/2000-r.MeanAgreement) > 1e-12 {
		t.Errorf("the CSV's mean agreement %v, the summary's %v", sum/2000, r.MeanAgreement)
	}
}

func TestCompareTextAndErrors(t *testing.T) {
	code, out, errOut := run(t, "compare", "--a", "pixels", "--b", "pca:16", "--n", "300", "--metric", "cosine", "--k", "5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"mean agreement", "on 300 validation items", "Jaccard of the 5 nearest items (cosine)", "Ankle boot", "most changed"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--b", "pca:32"}, "--a and --b are required"},
		{[]string{"--a", "pixels", "--b", "umap"}, "no space \"umap\" on this data"},
		{[]string{"--a", "pixels", "--b", "pca:x"}, "pca:K"},
		{[]string{"--a", "pixels", "--b", "pca:8", "--metric", "manhattan"}, "euclidean or cosine"},
		{[]string{"--a", "pixels", "--b", "pca:8", "--n", "5", "--k", "5"}, "k = 5"},
		{[]string{"--a", "pixels", "--b", "pca:8", "--out", filepath.Join(t.TempDir(), "missing", "x.csv"), "--n", "50"}, "does not exist"},
	} {
		code, _, e := run(t, append([]string{"compare"}, c.args...)...)
		if code != 1 || !strings.Contains(e, c.want) {
			t.Errorf("%v: exit %d, %q; want an error containing %q", c.args, code, e, c.want)
		}
	}
}
