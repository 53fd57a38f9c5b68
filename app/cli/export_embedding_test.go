package cli

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
)

// TestExportEmbeddingTSVRoundTrip exports PCA-8 coordinates as a projector
// TSV pair and reads the pair back as a data set: same rows, same values,
// same labels.
func TestExportEmbeddingTSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "pca.tsv")
	if code, _, e := run(t, "export-embedding", "--space", "pca", "--components", "8", "--format", "tsv", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	back, err := dataset.LoadTSVPair(context.Background(), out, "")
	if err != nil {
		t.Fatal(err)
	}
	ws := workspace.New()
	ds, _ := workspace.Open(context.Background(), workspace.Embedded, nil)
	ws.SetData(ds)
	svc, _ := service.New(ws, nil)
	p, err := svc.FitPCA(context.Background(), service.PCARequest{Components: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	items := p.Items
	if back.Train.N != items.Len() || back.Dim != 8 {
		t.Fatalf("read back %d×%d, want %d×8", back.Train.N, back.Dim, items.Len())
	}
	for i := 0; i < items.Len(); i++ {
		row := items.Row(p.Space, i)
		for j, v := range row {
			if math.Abs(float64(back.Train.Values[i*8+j]-v)) > 1e-6*math.Max(1, math.Abs(float64(v))) {
				t.Fatalf("item %d, coordinate %d: %v read back, %v computed", i, j, back.Train.Values[i*8+j], v)
			}
		}
		if back.Classes[back.Train.Labels[i]] != ds.Classes[items.At(i).Label()] {
			t.Fatalf("item %d: label %q read back, %q expected", i, back.Classes[back.Train.Labels[i]], ds.Classes[items.At(i).Label()])
		}
	}
	// CSV too.
	csvOut := filepath.Join(dir, "pca.csv")
	if code, _, e := run(t, "export-embedding", "--space", "pixels", "--format", "csv", "--out", csvOut); code != 0 {
		t.Fatalf("csv: %s", e)
	}
	b, _ := os.ReadFile(csvOut)
	if lines := strings.Count(string(b), "\n"); lines != 10001 {
		t.Errorf("CSV has %d lines, want a header and 10,000 rows", lines)
	}
	if code, _, _ := run(t, "export-embedding", "--space", "embedding", "--out", csvOut); code != 1 {
		t.Errorf("embedding without --model: exit %d", code)
	}
}

func TestTSNECommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "map.csv")
	code, stdout, e := run(t, "tsne", "--n", "600", "--iters", "300", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, e)
	}
	if !strings.Contains(stdout, `"knn5"`) || !strings.Contains(stdout, `"trustworthiness"`) {
		t.Errorf("output %s", stdout)
	}
	if b, err := os.ReadFile(out); err != nil || strings.Count(string(b), "\n") != 601 {
		t.Errorf("map CSV: %v", err)
	}
	if code, _, _ := run(t, "tsne", "--n", "30", "--perplexity", "30"); code != 1 {
		t.Errorf("perplexity ≥ n/3: exit %d", code)
	}
}
