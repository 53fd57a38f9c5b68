package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestPrototypesCommand checks the command's invariants on the embedded set
// (8,000 train / 2,000 validation); the values against scikit-learn's
// NearestCentroid on the full set are in ml/prototype/fashion_test.go.
func TestPrototypesCommand(t *testing.T) {
	code, out, e := run(t, "prototypes", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var r PrototypesResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.EvalSplit != "validation" || len(r.Confusion) != 10 {
		t.Fatalf("result %+v", r)
	}
	total, diag := 0, 0
	for i, row := range r.Confusion {
		for j, v := range row {
			total += v
			if i == j {
				diag += v
			}
		}
	}
	if total != 2000 || float64(diag)/2000 != r.Accuracy["validation"] {
		t.Errorf("confusion sums to %d with %d right; accuracy says %v", total, diag, r.Accuracy["validation"])
	}
	if a := r.Accuracy["train"]; a < 0.6 || a > 0.75 {
		t.Errorf("train accuracy %v, expected near the full set's 0.686", a)
	}
}

func TestScalingCommand(t *testing.T) {
	skipShort(t)
	code, out, e := run(t, "scaling", "--start", "1000", "--ks", "1,5", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var r ScalingResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Points) != 4 || r.Points[3].N != 8000 || r.Slope >= 0 || len(r.SweepAcc) != 2 {
		t.Errorf("result %+v", r)
	}
	if r.Extrapolated >= r.Points[3].Error {
		t.Errorf("extrapolating to %d images gave %v, not below the error at 8,000 (%v)", r.FullSize, r.Extrapolated, r.Points[3].Error)
	}
	if code, _, _ := run(t, "scaling", "--start", "2"); code != 1 {
		t.Errorf("--start below k: exit %d", code)
	}
}

func TestPrototypeFigures(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"prototypes", "confusion-matrix"} {
		if code, _, e := run(t, "export-figure", "--figure", f, "--out", filepath.Join(dir, f+".png")); code != 0 {
			t.Errorf("%s: %s", f, e)
		}
	}
}

func TestKMeansCommand(t *testing.T) {
	skipShort(t)
	code, out, e := run(t, "kmeans", "--k", "10", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var r KMeansResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Rows != 8000 || r.Inertia <= 0 || r.PurityWeighted < 0.4 || r.PurityWeighted > r.PurityMean+0.2 || r.NMI < 0.3 || r.ARI <= 0 {
		t.Errorf("result %+v", r)
	}
	if code, _, e := run(t, "kmeans", "--k", "9000"); code != 1 || e == "" {
		t.Errorf("k above the rows: exit %d", code)
	}
	if code, _, _ := run(t, "kmeans", "--features", "ae"); code != 1 {
		t.Errorf("unknown features: exit %d", code)
	}
}

func TestGLRMCommand(t *testing.T) {
	skipShort(t)
	code, out, e := run(t, "glrm", "--k", "4", "--impute", "0.2", "--compress", "2,8", "--iters", "20", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	var r GLRMResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Imputation == nil || !(r.Imputation.GLRM < r.Imputation.Mean) || len(r.Compression) != 2 || r.Compression[1].Accuracy < r.Compression[0].Accuracy {
		t.Errorf("result %+v", r)
	}
	if code, _, _ := run(t, "glrm", "--k", "784"); code != 1 {
		t.Errorf("rank 784: exit %d", code)
	}
}
