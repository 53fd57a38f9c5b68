package views

import (
	"strings"
	"testing"
	"time"

	"embedscope/app/runs"
)

// TestRunsScenario is the runs issue's scenario in the GUI: the MLP
// trained for 3 epochs, then the seed net started and stopped during its
// first epoch. Both runs are listed with their status and metrics; the
// finished MLP stays the space the other panels use; Ctrl+T starts what
// the form shows; a rename appears in every panel's space list.
func TestRunsScenario(t *testing.T) {
	skipShort(t)
	env := newTestEnv(t)
	ev := newEmbeddingView(env)
	rv := newRunsView(env)
	cv := newClustersView(env)
	env.Window.SetContent(ev.content)
	openEmbedded(t, env)

	ev.arch.SetSelected("MLP (fastest)")
	ev.loss.SetSelected("softmax, in-batch (best)")
	ev.epochs.SetText("3")
	ev.startTraining()
	waitUntil(t, "the MLP trained and published", 120*time.Second, func() bool {
		return ev.result != nil && ev.job == nil && len(env.Jobs.Active()) == 0
	})
	mlp := ev.training.Record()
	if mlp.Status != runs.Finished || !(mlp.Metrics["knn5_val"] > 0.75) {
		t.Fatalf("the MLP run %+v", mlp)
	}

	// The seed net, stopped during its first epoch.
	ev.arch.SetSelected("seed conv net (1.28 M params)")
	ev.epochs.SetText("2")
	env.ToggleTraining() // Ctrl+T starts what the form shows, not the MLP
	if ev.job == nil || ev.training.Record().ID == mlp.ID || ev.trainer.Config().Arch != "seed" {
		t.Fatal("Ctrl+T did not start the seed net the form shows")
	}
	waitUntil(t, "a batch of the seed net", 60*time.Second, func() bool { return ev.trainer.Snapshot().Batch >= 1 })
	ev.halt(true)
	waitUntil(t, "the stop", 60*time.Second, func() bool { return ev.job == nil })
	seed := ev.training.Record()
	if seed.Status != runs.Stopped || seed.Epoch != 0 || seed.Space != nil {
		t.Fatalf("the stopped seed net %+v", seed)
	}
	if !strings.Contains(ev.resumeNote.Text, seed.Name) || ev.resume.Disabled() {
		t.Errorf("Resume (enabled: %v) is said to continue %q, not the run it resumes", !ev.resume.Disabled(), ev.resumeNote.Text)
	}

	// Both are listed; the MLP is still the published space.
	waitUntil(t, "both runs in the Runs panel", 5*time.Second, func() bool { return len(rv.list) >= 2 })
	byID := map[string]runs.Record{}
	for _, r := range rv.list {
		byID[r.ID] = r
	}
	if byID[mlp.ID].StatusText() != "finished" || !strings.HasPrefix(byID[seed.ID].StatusText(), "stopped at epoch 0 of 2") {
		t.Errorf("listed %q and %q", byID[mlp.ID].StatusText(), byID[seed.ID].StatusText())
	}
	if env.Workspace.Space(mlp.ID) == nil || env.Workspace.Space(seed.ID) != nil {
		t.Error("stopping the seed net changed which spaces the panels use")
	}
	if indexOf(cv.space.Select.Options, mlp.Name) < 0 || indexOf(cv.space.Select.Options, seed.Name) >= 0 {
		t.Errorf("Clusters offers %v", cv.space.Select.Options)
	}

	// Rename the MLP: the new name is in every panel's list.
	if err := env.Service.Rename(mlp.ID, "my MLP"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the new name everywhere", 5*time.Second, func() bool {
		return indexOf(cv.space.Select.Options, "my MLP") >= 0 && rv.list[indexOfRun(rv.list, mlp.ID)].Name == "my MLP"
	})

	// Publishing the stopped run is an explicit choice.
	ev.finish()
	waitUntil(t, "the stopped run published", 60*time.Second, func() bool { return ev.result != nil && env.Workspace.Space(seed.ID) != nil })
	if r, _ := env.Service.Run(seed.ID); r.Status != runs.Stopped || r.Space == nil {
		t.Errorf("published stopped run %+v", r)
	}
}

func indexOfRun(list []runs.Record, id string) int {
	for i, r := range list {
		if r.ID == id {
			return i
		}
	}
	return -1
}
