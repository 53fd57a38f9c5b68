package embed

import (
	"context"
	"math"
	"slices"
	"testing"
)

// TestSampleEmbedding: after each epoch the snapshot holds the projection
// sample's embeddings, the network's embeddings of those evaluation rows.
func TestSampleEmbedding(t *testing.T) {
	d := tiny(t, 256, 96)
	cfg := DefaultConfig(MLP, Softmax)
	cfg.Epochs, cfg.Batch, cfg.ProjectionSample, cfg.Dim = 1, 64, 40, 8
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Snapshot(); s.SampleEmbedding.Rows != 0 {
		t.Fatalf("a sample embedding before training: %d rows", s.SampleEmbedding.Rows)
	}
	if err := tr.Run(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	s := tr.Snapshot()
	E := s.SampleEmbedding
	if E.Rows != 40 || E.Cols != 8 || s.SampleEpoch != 1 || len(s.SampleIndex) != 40 {
		t.Fatalf("sample embedding %d×%d after epoch %d for %d sample items", E.Rows, E.Cols, s.SampleEpoch, len(s.SampleIndex))
	}
	want, err := tr.Embed(context.Background(), gatherRows(d.Eval, s.SampleIndex))
	if err != nil {
		t.Fatal(err)
	}
	// The same network on other batches: equal up to float32 rounding
	// (the sgemm blocks differ).
	full, err := tr.Embed(context.Background(), d.Eval)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(E.Data, gatherRows(full, s.SampleIndex).Data) {
		t.Error("the sample's embeddings differ from those of the evaluation rows")
	}
	for i, v := range want.Data {
		if math.Abs(float64(v-E.Data[i])) > 1e-5*(1+math.Abs(float64(v))) {
			t.Fatalf("value %d: %v, Embed of the sample rows gives %v", i, E.Data[i], v)
		}
	}
}
