package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUMAPCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "map.csv")
	code, stdout, e := run(t, "umap", "--n", "600", "--epochs", "60", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var r UMAPResult
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	if r.N != 600 || r.Items != "validation" || r.Neighbors != 15 || r.Epochs != 60 || r.MinDist != 0.1 || r.Metric != "euclidean" {
		t.Errorf("result %+v", r)
	}
	// umap-learn's find_ab_params(1, 0.1) = (1.5769434604035877, 0.8950608780665811).
	if r.A < 1.5769 || r.A > 1.5770 || r.B < 0.8950 || r.B > 0.8951 {
		t.Errorf("a = %v, b = %v", r.A, r.B)
	}
	if r.KNN5 < 0.6 || r.Trustworthiness == nil || *r.Trustworthiness < 0.9 || r.TrustN != 600 || r.Seconds <= 0 {
		t.Errorf("quality %+v", r)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 601 || strings.Join(rows[0], ",") != "split,index,label,umap_1,umap_2" || rows[1][0] != "validation" {
		t.Errorf("%d CSV rows, first %v %v", len(rows), rows[0], rows[1])
	}

	// Fit on training items with their classes, place validation items.
	code, stdout, e = run(t, "umap", "--n", "400", "--epochs", "60", "--place", "--supervised", "--trust=false", "--json")
	if code != 0 {
		t.Fatalf("--place --supervised: exit %d: %s", code, e)
	}
	r = UMAPResult{}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Items != "train" || r.N != 400 || r.Placed != 400 || r.KNN5Placed == nil || *r.KNN5Placed < 0.5 || !r.Supervised || r.Trustworthiness != nil {
		t.Errorf("--place --supervised: %s", stdout)
	}
	// Text output of a semi-supervised map of validation then training items.
	code, stdout, e = run(t, "umap", "--n", "2300", "--epochs", "30", "--supervised", "--trust=false", "--metric", "cosine")
	if code != 0 || !strings.Contains(stdout, "supervised UMAP of 2300 validation+train items") || !strings.Contains(stdout, "2000 items whose classes were hidden") {
		t.Errorf("semi-supervised text: exit %d\n%s%s", code, stdout, e)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--metric", "manhattan"}, "unknown metric"},
		{[]string{"--min-dist", "2"}, "min_dist"},
		{[]string{"--neighbors", "1"}, "neighbours"},
		{[]string{"--n", "3"}, "from 4 to"},
		{[]string{"--n", "100", "--supervised"}, "training split"},
		{[]string{"--n", "100", "--place", "--umap-learn"}, "--place"},
	} {
		if code, _, e := run(t, append([]string{"umap", "--epochs", "5"}, bad.args...)...); code != 1 || !strings.Contains(e, bad.want) {
			t.Errorf("%v: exit %d, %s", bad.args, code, e)
		}
	}
}
