package views

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"embedscope/app/workspace"
)

// TestPanelsFitWithManyClasses opens word vectors with one class per word
// (1,000 classes, as a projector TSV pair) and checks that every panel
// still fits a laptop window: no per-class widget row may grow without
// bound (the confusion grid once asked for 52,000 pixels).
func TestPanelsFitWithManyClasses(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	var vec, meta strings.Builder
	for i := range 1000 {
		for j := range 20 {
			if j > 0 {
				vec.WriteByte('\t')
			}
			fmt.Fprintf(&vec, "%.4f", r.NormFloat64())
		}
		vec.WriteByte('\n')
		fmt.Fprintf(&meta, "word%04d\n", i)
	}
	path := filepath.Join(dir, "words.tsv")
	os.WriteFile(path, []byte(vec.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "words_metadata.tsv"), []byte(meta.String()), 0o644)

	env := newTestEnv(t)
	sizes := map[string]func() fyne.Size{}
	for _, p := range Panels {
		c := p.View(env)
		sizes[p.ID] = c.MinSize
	}
	ds, err := workspace.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Classes) != 1000 {
		t.Fatalf("%d classes", len(ds.Classes))
	}
	if err := env.Workspace.SetData(ds); err != nil {
		t.Fatal(err)
	}
	waitJobs(t, env, "the panels' automatic work", jobLimit)
	for id, min := range sizes {
		var s fyne.Size
		testUI.do(func() { s = min() })
		if s.Width > 1280 || s.Height > 800 {
			t.Errorf("the %s panel needs %.0f × %.0f pixels with 1,000 classes", id, s.Width, s.Height)
		}
	}
}
