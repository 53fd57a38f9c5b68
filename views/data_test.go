package views

import (
	"strings"
	"testing"
)

// TestDataPanelNearDuplicatesAndSplit: the near-duplicate search finds what
// an exact search in scikit-learn finds, and the split controls re-split
// the data (stratified) or refuse bad values with the reason.
func TestDataPanelNearDuplicatesAndSplit(t *testing.T) {
	env := newTestEnv(t)
	v := buildDataView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)

	// Reference: NearestNeighbors(n_neighbors=2, algorithm="brute") on the
	// 10,000 raw embedded images (grey levels 0–255), RMS = distance / √784:
	// 2 images within RMS 2 (one pair at 1.484), 4 within RMS 10.
	for _, c := range []struct {
		rms, want string
		pairs     int
	}{
		{"2", "Near duplicates within RMS 2: 2 images in train and 0 in test have a near copy in their own part; 0 test images are near a training image.", 1},
		{"10", "Near duplicates within RMS 10: 4 images in train and 0 in test", 2},
	} {
		v.nearRMS.SetText(c.rms)
		v.findNear()
		waitJobs(t, env, "the near-duplicate search", jobLimit)
		if !strings.Contains(v.nearSummary.Text, c.want) || v.near.Plot() == nil || v.tabs.Selected() != v.nearTab {
			t.Errorf("RMS %s: %q (figure %v), want %q", c.rms, v.nearSummary.Text, v.near.Plot() != nil, c.want)
		}
	}
	v.nearRMS.SetText("-1")
	v.findNear()
	wantRefused(t, env, "a threshold of -1", `near-duplicate threshold "-1" is not a number ≥ 0`)

	// The split: 50 % validation, seed 3, stratified: 500 + 500 per class.
	if v.valPercent.Text != "20" || v.seed.Text == "" {
		t.Errorf("split controls show %q %%, seed %q", v.valPercent.Text, v.seed.Text)
	}
	v.valPercent.SetText("50")
	v.seed.SetText("3")
	v.applySplit()
	waitJobs(t, env, "the panel's refresh after the split", jobLimit)
	s := env.Workspace.Splits()
	if s.Train.Len() != 5000 || s.Val.Len() != 5000 || env.Workspace.SplitOptions().Seed != 3 {
		t.Fatalf("split %d/%d seed %d, want 5000/5000 seed 3", s.Train.Len(), s.Val.Len(), env.Workspace.SplitOptions().Seed)
	}
	per := make([]int, 10)
	for _, l := range s.Val.Labels() {
		per[l]++
	}
	for c, n := range per {
		if n != 500 {
			t.Errorf("class %d has %d validation images, want 500 (stratified)", c, n)
		}
	}
	if !strings.Contains(v.sizes.Text, "5,000") {
		t.Errorf("sizes %q after the split", v.sizes.Text)
	}
	gen := env.Workspace.Generation()
	for _, c := range []struct{ pct, seed, want string }{
		{"100", "3", `validation share "100" is not a percentage in [0, 100)`},
		{"-5", "3", `validation share "-5"`},
		{"20", "x", `split seed "x" is not a whole number ≥ 0`},
	} {
		v.valPercent.SetText(c.pct)
		v.seed.SetText(c.seed)
		v.applySplit()
		wantRefused(t, env, "split "+c.pct+" % seed "+c.seed, c.want)
	}
	if env.Workspace.Generation() != gen {
		t.Error("refused split settings changed the split")
	}
}
