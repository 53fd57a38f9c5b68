package views

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"embedscope/app/service"
	"embedscope/app/workspace"
)

// TestExportSpaceRoundTrip exports the pixel space as a projector TSV pair
// from the GUI's export job, opens the pair as a data set, and finds the
// same vectors and classes in the same order.
func TestExportSpaceRoundTrip(t *testing.T) {
	env := newTestEnv(t)
	openEmbedded(t, env)
	ws := env.Workspace
	path := filepath.Join(t.TempDir(), "pixels.tsv")
	exportSpace(env, service.SpaceChoice{ID: workspace.PixelsSpace, Label: workspace.PixelsSpace}, true, path)
	waitUntil(t, "the export", 30*time.Second, func() bool {
		_, err := os.Stat(service.MetadataPath(path))
		return err == nil && len(env.Jobs.Active()) == 0
	})
	back, err := workspace.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	px, err := ws.PixelSpace(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	items := workspace.NewItems(ws.Splits())
	if back.Train.N != items.Len() || back.Dim != px.Dim() {
		t.Fatalf("read back %d × %d, wrote %d × %d", back.Train.N, back.Dim, items.Len(), px.Dim())
	}
	for _, i := range []int{0, 1, 4321, items.Len() - 1} {
		row := items.Row(px, i)
		for j, v := range row {
			if got := back.Train.Value(i, j); got != v {
				t.Fatalf("item %d value %d: %v, wrote %v", i, j, got, v)
			}
		}
		if got, want := back.Classes[back.Train.Labels[i]], ws.Data().Classes[items.At(i).Label()]; got != want {
			t.Errorf("item %d class %q, wrote %q", i, got, want)
		}
	}
	// CSV, and a space that has gone.
	csvPath := filepath.Join(t.TempDir(), "pixels.csv")
	exportSpace(env, service.SpaceChoice{ID: workspace.PixelsSpace, Label: workspace.PixelsSpace}, false, csvPath)
	waitUntil(t, "the CSV", 30*time.Second, func() bool { _, err := os.Stat(csvPath); return err == nil })
	b, _ := os.ReadFile(csvPath)
	if !strings.HasPrefix(string(b), "split,index,label,pixels_1,") {
		t.Errorf("CSV header %q", strings.SplitN(string(b), "\n", 2)[0])
	}
}

func TestToggleTraining(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := newTestEnv(t)
	v := newEmbeddingView(env)
	openEmbedded(t, env)
	v.arch.SetSelected("MLP (fastest)")
	v.epochs.SetText("50")
	env.ToggleTraining() // start
	if v.job == nil {
		t.Fatal("Ctrl+T did not start training")
	}
	waitUntil(t, "a batch", 30*time.Second, func() bool { return len(v.trainer.Snapshot().BatchLoss) > 0 })
	env.ToggleTraining() // pause
	waitUntil(t, "the pause", 30*time.Second, func() bool { return v.job == nil })
	before := v.trainer
	env.ToggleTraining() // resume the same trainer
	if v.job == nil || v.trainer != before {
		t.Error("Ctrl+T did not resume the paused training")
	}
	v.halt(true)
	waitUntil(t, "the stop", 30*time.Second, func() bool { return v.job == nil })
}
