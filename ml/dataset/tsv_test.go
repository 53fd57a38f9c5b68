package dataset

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTSVPairRoundTrip(t *testing.T) {
	rows := []float32{1, 2.5, -3, 0.125, 7, 8}
	meta := [][]string{{"cat", "0"}, {"dog", "1"}, {"cat", "2"}}
	var v, m bytes.Buffer
	if err := WriteTSVPair(&v, &m, rows, 2, []string{"label", "index"}, meta); err != nil {
		t.Fatal(err)
	}
	ds, err := ReadTSVPair(context.Background(), &v, &m, "pets")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.N != 3 || ds.Dim != 2 || len(ds.Classes) != 2 || ds.Classes[0] != "cat" {
		t.Fatalf("read back %d×%d, classes %v", ds.Train.N, ds.Dim, ds.Classes)
	}
	for i, x := range rows {
		if ds.Train.Values[i] != x {
			t.Fatalf("value %d: %v, want %v", i, ds.Train.Values[i], x)
		}
	}
	if ds.Train.Labels[1] != 1 || ds.Train.Labels[2] != 0 {
		t.Errorf("labels %v", ds.Train.Labels)
	}
}

func TestTSVSingleColumnMetadataAndLoad(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "words.tsv"), []byte("0.1\t0.2\n0.3\t0.4\n0.5\t0.6\n0.7\t0.8\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "words_metadata.tsv"), []byte("king\nqueen\nking\nman\n"), 0o644)
	ds, err := Load(context.Background(), filepath.Join(dir, "words.tsv"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.N != 4 || strings.Join(ds.Classes, ",") != "king,man,queen" || ds.IsImage() {
		t.Errorf("loaded %d rows, classes %v", ds.Train.N, ds.Classes)
	}
}

func TestTSVErrors(t *testing.T) {
	cases := map[string]struct{ vec, meta, want string }{
		"ragged":     {"1\t2\n3\n", "a\nb\n", "same length"},
		"non-number": {"1\tx\n", "a\n", "not a number"},
		"nan":        {"1\tNaN\n", "a\n", "finite"},
		"count":      {"1\t2\n3\t4\n", "a\n", "2 vectors"},
		"empty":      {"", "a\n", "no rows"},
		"no meta":    {"1\n", "", "no rows"},
		"meta cols":  {"1\n2\n", "label\tx\na\tb\nc\n", "columns"},
	}
	for name, c := range cases {
		_, err := ReadTSVPair(context.Background(), strings.NewReader(c.vec), strings.NewReader(c.meta), "t")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one saying %q", name, err, c.want)
		}
	}
	if _, err := LoadTSVPair(context.Background(), filepath.Join(t.TempDir(), "x.tsv"), ""); err == nil {
		t.Error("a vectors file without metadata was accepted")
	}
}

func FuzzReadTSVPair(f *testing.F) {
	f.Add("1\t2\n3\t4\n", "a\nb\n")
	f.Add("0.5\n", "label\tx\nq\tr\n")
	f.Fuzz(func(t *testing.T, vec, meta string) {
		ds, err := ReadTSVPair(context.Background(), strings.NewReader(vec), strings.NewReader(meta), "fuzz")
		if err == nil {
			if ds.Validate() != nil || len(ds.Train.Values) != ds.Train.N*ds.Dim {
				t.Fatalf("inconsistent data set from %q / %q", vec, meta)
			}
		}
	})
}
