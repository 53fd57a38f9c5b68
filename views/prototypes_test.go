package views

import (
	"context"
	"embedscope/app/service"
	"strings"
	"testing"
	"time"
)

func TestPrototypesPanel(t *testing.T) {
	env := newTestEnv(t)
	v := newPrototypesView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env) // 8,000 train / 2,000 validation
	waitJobs(t, env, "the class means and their analysis", jobLimit)
	if v.fit == nil || v.an == nil || len(v.wrong.Items()) != ErrorGallerySize {
		t.Fatalf("after the fit: fit %v, analysis %v, %d confidently wrong", v.fit != nil, v.an != nil, len(v.wrong.Items()))
	}
	if v.evalSplit.Selected != "validation" {
		t.Errorf("evaluating on %q, want validation (the embedded set has no test split)", v.evalSplit.Selected)
	}
	// Reference: scikit-learn's NearestCentroid on the same rows (exported
	// with `embedscope export-embedding --space pixels --format csv`):
	// train 0.67875, validation 0.6815 — the same counts.
	if a := v.fit.Accuracy; a["train"] != 0.67875 || a["validation"] != 0.6815 {
		t.Errorf("accuracy %v, want train 0.67875 and validation 0.6815 (sklearn NearestCentroid)", a)
	}
	if !strings.Contains(v.accuracy.Text, "train 0.6787") || !strings.Contains(v.accuracy.Text, "validation 0.6815") {
		t.Errorf("accuracy text %q", v.accuracy.Text)
	}
	if v.protos.Plot() == nil {
		t.Error("no prototype figure")
	}
	cm := v.an.Confusion
	diag := 0
	for i := range cm.Counts {
		diag += cm.Counts[i][i]
	}
	if got := cm.Total(); got != 2000 || diag != 1363 {
		t.Errorf("confusion matrix counts %d images, %d right; want the 2,000 of the validation split, 1,363 right (0.6815)", got, diag)
	}

	// A confusion cell lists exactly its images.
	v.showCell(6, 0) // true Shirt, predicted T-shirt/top
	if n := len(v.cellGallery.Items()); n != min(cm.Counts[6][0], 200) || n == 0 {
		t.Errorf("cell gallery shows %d images, the matrix says %d", n, cm.Counts[6][0])
	}

	// The error galleries: wrong ones are all misclassified.
	for _, th := range v.wrong.Items() {
		if v.an.Pred[th.Index].Class == v.an.Split.Split.Label(th.Index) {
			t.Fatalf("%q is in the confidently-wrong gallery but is right", th.Caption)
		}
	}

	// "Why?": the query and its k nearest training images (a search in
	// the background, not a job).
	v.knnK.SetText("5")
	v.explain(v.wrong.Items()[0].Index)
	waitUntil(t, "the nearest neighbours", jobLimit, func() bool { return len(v.why.Items()) == 6 })
	if !strings.Contains(v.whyInfo.Text, "its 5 nearest training images vote") {
		t.Errorf("why text %q", v.whyInfo.Text)
	}

	// Split Sandal into 3 prototypes with k-means.
	v.splitClass.SetSelected("Sandal")
	v.splitK.SetText("3")
	v.splitAClass()
	waitJobs(t, env, "the split", jobLimit)
	if v.fit == nil || v.fit.Model.Count(5) != 3 || v.fit.Model.Centers.Rows != 12 || !strings.Contains(v.splitInfo.Text, "Sandal split into 3") {
		t.Fatalf("after the split: %q", v.splitInfo.Text)
	}
	// Impossible k: more prototypes than images; refused at once.
	v.splitK.SetText("100000")
	before := v.fit
	v.splitAClass()
	wantRefused(t, env, "splitting Sandal into 100,000", "The number of prototypes must be a whole number from 1 to 800")
	waitJobs(t, env, "nothing", jobLimit)
	if v.fit != before {
		t.Error("an impossible split changed the prototypes")
	}

	// k sweep and learning curve. Reference: scikit-learn's
	// KNeighborsClassifier(5, algorithm="brute") on the same rows (labels
	// as class indices, so that ties go to the same class): validation
	// accuracy 0.813, so the curve's last point (all 8,000) has error 0.1870.
	v.sweepKs.SetText("1, 5, 20")
	v.runSweep()
	waitJobs(t, env, "the k sweep", jobLimit)
	if v.sweep.Plot() == nil {
		t.Error("no k sweep figure")
	}
	v.curveStart.SetText("500")
	v.runCurve()
	waitJobs(t, env, "the learning curve", jobLimit)
	if !strings.Contains(v.curveInfo.Text, "per doubling") || !strings.Contains(v.curveInfo.Text, "(measured at 8000: 0.1870)") {
		t.Errorf("learning curve text %q", v.curveInfo.Text)
	}

	// Back to one mean per class.
	v.refit()
	waitJobs(t, env, "the class means again", jobLimit)
	if v.fit == nil || v.fit.Model.Centers.Rows != 10 || v.fit.Accuracy["validation"] != 0.6815 {
		t.Error("refit did not bring back one mean per class")
	}
}

func TestPrototypesInAnotherSpace(t *testing.T) {
	env := newTestEnv(t)
	v := newPrototypesView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	waitUntil(t, "the class means", 30*time.Second, func() bool { return v.fit != nil })
	if _, err := env.Service.FitPCA(context.Background(), service.PCARequest{Components: 16}, nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the PCA space to be offered", 5*time.Second, func() bool { return indexOf(v.space.Select.Options, "PCA-16") >= 0 })
	v.space.Select.SetSelected("PCA-16")
	waitUntil(t, "prototypes in PCA-16", 30*time.Second, func() bool {
		return v.fit != nil && v.fit.SpaceName() == "PCA-16" && v.an != nil && v.an.Split.X.Cols == 16
	})
	if !strings.Contains(v.accuracy.Text, "PCA-16 space") || v.protos.Plot() == nil {
		t.Errorf("accuracy %q; figure %v", v.accuracy.Text, v.protos.Plot() != nil)
	}
}
