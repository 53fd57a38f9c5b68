package service

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"embedscope/ml/dataset"
)

// TestSpaceFilesPairTogether: a projector pair is replaced together or not
// at all (issue 14, item 4): when the metadata cannot be written, the old
// vectors stay; and vectors beside metadata written for others (a crash
// between the two renames, or a hand-made mix) are refused when read,
// even with the same number of rows.
func TestSpaceFilesPairTogether(t *testing.T) {
	ctx := context.Background()
	svc := embeddedService(t)
	encode := func(k int) SpaceFiles {
		t.Helper()
		p, err := svc.FitPCA(ctx, PCARequest{Components: k}, nil)
		if err != nil {
			t.Fatal(err)
		}
		f, err := svc.EncodeSpace(p.Space, "tsv")
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	write := func(f SpaceFiles, path string) error {
		return WritePair(path, f.Vectors, MetadataPath(path), f.Metadata)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "pca.tsv")
	old, next := encode(2), encode(3)
	if err := write(old, path); err != nil {
		t.Fatal(err)
	}
	if ds, err := dataset.Load(ctx, path, nil); err != nil || ds.Dim != 2 {
		t.Fatalf("the pair written together: %v", err)
	}

	// The metadata's place is taken by a folder: nothing changes.
	meta := MetadataPath(path)
	oldMeta, _ := os.ReadFile(meta)
	os.Remove(meta)
	if err := os.MkdirAll(filepath.Join(meta, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := write(next, path); err == nil {
		t.Fatal("writing over a folder succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != string(old.Vectors) {
		t.Error("the vectors were replaced although their metadata could not be")
	}
	os.RemoveAll(meta)
	os.WriteFile(meta, oldMeta, 0o644)

	// New vectors beside the old metadata (what a crash between the two
	// renames leaves): the same 10,000 rows, refused.
	os.WriteFile(path, next.Vectors, 0o644)
	_, err := dataset.Load(ctx, path, nil)
	if err == nil || !strings.Contains(err.Error(), "the two files were not written together") || !strings.Contains(err.Error(), "pca_metadata.tsv") {
		t.Errorf("a mismatched pair: %v", err)
	}
}
