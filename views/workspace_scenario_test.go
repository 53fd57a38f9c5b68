package views

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"embedscope/app/workspace"
)

// TestSandalsAcrossPanelsAndSessions is issue 8's scenario: select the
// wrongly classified sandals in the prototypes panel, see them ringed in
// the embedding scatter, save the session, restore it into a fresh
// workspace with fresh panels, and find the selection, the embedding (its
// scatter, curves and decoder-less network) and the labelling as they
// were.
func TestSandalsAcrossPanelsAndSessions(t *testing.T) {
	skipShort(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := newTestEnv(t)
	ev := newEmbeddingView(env)
	pv := newPrototypesView(env)
	openEmbedded(t, env)
	ws := env.Workspace

	// A quick embedding (MLP, one epoch), published with its scatter.
	ev.arch.SetSelected("MLP (fastest)")
	ev.loss.SetSelected("softmax, in-batch (best)")
	ev.epochs.SetText("1")
	ev.startTraining()
	waitUntil(t, "the embedding and its scatter", 120*time.Second, func() bool {
		return ev.result != nil && spaceNamed(ws, "MLP · softmax · 32-d · 1 ep") != nil && ev.live.embScatter.data.Len() == 10000
	})

	// Sandals predicted as anything else, selected from the prototypes
	// panel's confusion cells with "Select all".
	waitUntil(t, "the prototypes analysis", 30*time.Second, func() bool { return pv.an != nil })
	const sandal = 5
	var want []workspace.Ref
	for p := range ws.Data().Classes {
		if p == sandal || pv.an.Confusion.Counts[sandal][p] == 0 {
			continue
		}
		pv.showCell(sandal, p)
		want = append(want, pv.cellGallery.AllRefs()...)
		if len(want) == len(pv.cellGallery.AllRefs()) {
			pv.cellGallery.SelectAll() // the first cell replaces the selection
		} else {
			ws.Select(pv.cellGallery.AllRefs(), workspace.Add, "prototypes")
		}
	}
	if len(want) == 0 {
		t.Fatal("no misclassified sandals")
	}
	slices.SortFunc(want, workspace.Ref.Compare)
	got, _ := ws.Selection()
	if !slices.Equal(got, want) {
		t.Fatalf("selected %d items, want the %d misclassified sandals", len(got), len(want))
	}
	ringed := func(s *Scatter) []workspace.Ref {
		items := workspace.NewItems(ws.Splits())
		var out []workspace.Ref
		for _, p := range s.highlight {
			out = append(out, items.Ref(s.sel2.items[p]))
		}
		slices.SortFunc(out, workspace.Ref.Compare)
		return out
	}
	if r := ringed(ev.live.embScatter); !slices.Equal(r, want) {
		t.Fatalf("the embedding scatter rings %d items, want the %d sandals", len(r), len(want))
	}
	ws.SetIsolated(true)

	// Save, then restore into a new workspace with new panels.
	path := filepath.Join(t.TempDir(), "sandals.embedscope")
	if err := ws.SaveSession(path, workspace.SessionExtra{Panel: "embedding", Runs: env.Service.SessionRuns()}); err != nil {
		t.Fatal(err)
	}
	s, err := workspace.LoadSession(path)
	if err != nil {
		t.Fatal(err)
	}
	env2 := newTestEnv(t)
	ev2 := newEmbeddingView(env2)
	ds, err := workspace.Open(context.Background(), s.Source, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := env2.Workspace.Restore(s, ds); err != nil {
		t.Fatal(err)
	}
	if err := env2.Service.AdoptSession(s.Runs); err != nil { // as the app does
		t.Fatal(err)
	}
	ws = env2.Workspace
	waitUntil(t, "the restored embedding scatter", 30*time.Second, func() bool {
		return ev2.trainer != nil && ev2.live.embScatter.data.Len() == 10000 && len(ev2.live.embScatter.highlight) > 0
	})
	if got, _ := ws.Selection(); !slices.Equal(got, want) || !ws.Isolated() {
		t.Errorf("restored selection: %d items (isolated %v), want %d isolated", len(got), ws.Isolated(), len(want))
	}
	if r := ringed(ev2.live.embScatter); !slices.Equal(r, want) || len(ev2.live.embScatter.drawOrder()) != len(want) {
		t.Errorf("restored scatter rings %d and draws %d items, want the %d sandals", len(r), len(ev2.live.embScatter.drawOrder()), len(want))
	}
	if ev2.final.Text != ev.final.Text || len(ev2.trainer.Snapshot().EpochStats) != 1 {
		t.Errorf("restored verdict %q (was %q), %d epochs of history", ev2.final.Text, ev.final.Text, len(ev2.trainer.Snapshot().EpochStats))
	}
	if ws.Labeling("nearest prototype, pixels") == nil {
		t.Errorf("labellings after restore: %v", ws.Labelings())
	}
	a, b := spaceNamed(env.Workspace, "MLP · softmax · 32-d · 1 ep"), spaceNamed(ws, "MLP · softmax · 32-d · 1 ep")
	if !slices.Equal(a.Test.Data, b.Test.Data) || !slices.Equal(a.Val.Data, b.Val.Data) {
		t.Error("the restored embedding differs")
	}
}

// TestPanelSettingsSurviveSessions: the panels' entries and choices are
// saved with the session and put back when it is restored, before the
// panels recompute (PCA fits the restored number of components).
func TestPanelSettingsSurviveSessions(t *testing.T) {
	skipShort(t)
	env := newTestEnv(t)
	pv, cv := newPCAView(env), newClustersView(env)
	openEmbedded(t, env)
	pv.comps.SetText("12")
	pv.solver.SetSelected("full")
	cv.k.SetText("7")
	path := filepath.Join(t.TempDir(), "settings.embedscope")
	if err := env.Workspace.SaveSession(path, workspace.SessionExtra{Panel: "pca"}); err != nil {
		t.Fatal(err)
	}
	s, err := workspace.LoadSession(path)
	if err != nil {
		t.Fatal(err)
	}
	env2 := newTestEnv(t)
	pv2, cv2 := newPCAView(env2), newClustersView(env2)
	ds, err := workspace.Open(context.Background(), s.Source, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := env2.Workspace.Restore(s, ds); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the restored PCA fit", 30*time.Second, func() bool { return pv2.fit != nil && pv2.fit.Space.Dim() == 12 })
	if pv2.comps.Text != "12" || pv2.solver.Selected != "full" || cv2.k.Text != "7" {
		t.Errorf("restored settings: components %q, solver %q, k %q", pv2.comps.Text, pv2.solver.Selected, cv2.k.Text)
	}
}
