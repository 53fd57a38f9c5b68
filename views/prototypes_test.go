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
	waitUntil(t, "the class means and their analysis", 30*time.Second, func() bool {
		return v.fit != nil && v.an != nil && len(v.wrong.Items()) == ErrorGallerySize
	})
	if v.evalSplit.Selected != "validation" {
		t.Errorf("evaluating on %q, want validation (the embedded set has no test split)", v.evalSplit.Selected)
	}
	if !strings.Contains(v.accuracy.Text, "train 0.") || !strings.Contains(v.accuracy.Text, "validation 0.") {
		t.Errorf("accuracy text %q", v.accuracy.Text)
	}
	if v.protos.Plot() == nil {
		t.Error("no prototype figure")
	}
	if got := v.an.Confusion.Total(); got != 2000 {
		t.Errorf("confusion matrix counts %d images, want the 2,000 of the validation split", got)
	}

	// A confusion cell lists exactly its images.
	v.showCell(6, 0) // true Shirt, predicted T-shirt/top
	if n := len(v.cellGallery.Items()); n != min(v.an.Confusion.Counts[6][0], 200) {
		t.Errorf("cell gallery shows %d images, the matrix says %d", n, v.an.Confusion.Counts[6][0])
	}

	// The error galleries: wrong ones are all misclassified.
	for _, th := range v.wrong.Items() {
		if v.an.Pred[th.Index].Class == v.an.Split.Split.Label(th.Index) {
			t.Fatalf("%q is in the confidently-wrong gallery but is right", th.Caption)
		}
	}

	// "Why?": the query and its k nearest training images.
	v.knnK.SetText("5")
	v.explain(v.wrong.Items()[0].Index)
	waitUntil(t, "the nearest neighbours", 10*time.Second, func() bool { return len(v.why.Items()) == 6 })

	// Split Sandal into 3 prototypes with k-means.
	v.splitClass.SetSelected("Sandal")
	v.splitK.SetText("3")
	v.splitAClass()
	waitUntil(t, "the split", 30*time.Second, func() bool { return v.fit != nil && v.fit.Model.Count(5) == 3 })
	if v.fit.Model.Centers.Rows != 12 || !strings.Contains(v.splitInfo.Text, "Sandal split into 3") {
		t.Errorf("after the split: %d prototypes, %q", v.fit.Model.Centers.Rows, v.splitInfo.Text)
	}
	// Impossible k: more prototypes than images.
	v.splitK.SetText("100000")
	before := v.fit
	v.splitAClass()
	if v.fit != before {
		t.Error("an impossible split changed the prototypes")
	}

	// k sweep and learning curve.
	v.sweepKs.SetText("1, 5, 20")
	v.runSweep()
	waitUntil(t, "the k sweep", 30*time.Second, func() bool { return v.sweep.Plot() != nil })
	v.curveStart.SetText("500")
	v.runCurve()
	waitUntil(t, "the learning curve", 60*time.Second, func() bool { return strings.Contains(v.curveInfo.Text, "per doubling") })

	// Back to one mean per class.
	v.refit()
	waitUntil(t, "the class means again", 30*time.Second, func() bool { return v.fit != nil && v.fit.Model.Centers.Rows == 10 })
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
	waitUntil(t, "the PCA space to be offered", 5*time.Second, func() bool { return indexOf(v.space.Options, "PCA-16") >= 0 })
	v.space.SetSelected("PCA-16")
	waitUntil(t, "prototypes in PCA-16", 30*time.Second, func() bool {
		return v.fit != nil && v.fit.SpaceName() == "PCA-16" && v.an != nil && v.an.Split.X.Cols == 16
	})
	if !strings.Contains(v.accuracy.Text, "PCA-16 space") || v.protos.Plot() == nil {
		t.Errorf("accuracy %q; figure %v", v.accuracy.Text, v.protos.Plot() != nil)
	}
}
