package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagValuesRefused: NaN, infinite, negative and zero values where
// they make no sense are refused before any work, with the flag, the value
// and the accepted range in the message (issue 14, items 3 and 9).
func TestFlagValuesRefused(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "f.png")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"info", "--val", "-5"}, "--val -5 is out of range: the validation fraction (the share of the training part held out) must be from 0 up to (not including) 1"},
		{[]string{"info", "--val", "NaN"}, "--val NaN: give a finite number"},
		{[]string{"info", "--near", "-1"}, "--near -1 is out of range: the near-duplicate threshold (an RMS difference in grey levels) must be from 0 to 255"},
		{[]string{"info", "--near", "Inf"}, "--near +Inf: give a finite number"},
		{[]string{"export-figure", "--figure", "class-counts", "--out", png, "--width", "-5"}, "--width -5 is out of range: the figure width in inches must be from 0.5 to 200"},
		{[]string{"export-figure", "--figure", "class-counts", "--out", png, "--width", "1e9"}, "--width 1e+09 is out of range"},
		{[]string{"export-figure", "--figure", "class-counts", "--out", png, "--width", "Inf"}, "--width +Inf: give a finite number"},
		{[]string{"export-figure", "--figure", "class-counts", "--out", png, "--width", "150", "--height", "150"}, "14400 × 14400 pixels (150 × 150 inches at 96 dpi) is too large an image"},
		{[]string{"export-figure", "--figure", "class-counts", "--out", png, "--dpi", "5000"}, "--dpi 5000 is out of range: the resolution in dots per inch must be from 24 to 1200"},
		{[]string{"kmeans", "--n-init", "0"}, "--n-init 0 is out of range: the number of k-means restarts must be from 1 to 1000"},
		{[]string{"kmeans", "--k", "-3"}, "--k -3 is out of range"},
		{[]string{"train-siamese", "--dim", "100000000"}, "--dim 100000000 is out of range: the embedding (code) dimension 100000000 must be from 1 to 4096"},
		{[]string{"train-siamese", "--epochs", "0"}, "--epochs 0 is out of range"},
		{[]string{"train-siamese", "--lr", "0"}, "--lr 0 is out of range: the learning rate must be above 0 to 10"},
		{[]string{"train-ae", "--dim", "0"}, "--dim 0 is out of range"},
		{[]string{"tsne", "--perplexity", "NaN"}, "--perplexity NaN: give a finite number"},
		{[]string{"glrm", "--impute", "1"}, "--impute 1 is out of range"},
		{[]string{"train-siamese", "--out", dir}, "is a folder: give the name of a file"},
		{[]string{"train-ae", "--out", filepath.Join(dir, "missing", "m.esm")}, "the folder " + filepath.Join(dir, "missing") + " does not exist"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, e := run(t, tc.args...)
			if code != 1 || !strings.Contains(e, tc.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, e, tc.want)
			}
			if out != "" {
				t.Errorf("work began before the refusal: stdout %q", out)
			}
		})
	}
	if _, err := os.Stat(png); err == nil {
		t.Error("a figure was written")
	}
}
