package views

import (
	"strings"
	"testing"
)

func TestLowRankPanel(t *testing.T) {
	env := newTestEnv(t)
	v := newLowRankView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)

	v.k.SetText("2")
	v.iters.SetText("20")
	v.startFit()
	waitJobs(t, env, "the GLRM fit", jobLimit)
	if v.fit == nil || v.archetypes.Plot() == nil || v.recon.Plot() == nil || v.scatter.data.Len() != 10000 {
		t.Fatalf("after the fit: fit %v, archetypes %v, reconstructions %v, scatter of %d points",
			v.fit != nil, v.archetypes.Plot() != nil, v.recon.Plot() != nil, v.scatter.data.Len())
	}
	if env.Workspace.Space(v.fit.Space.ID) == nil || v.fit.Run.Name != "GLRM-2 non-negative" {
		t.Error("the representation was not published as a feature space")
	}
	obj := v.fit.Model.Objective
	for i := 1; i < len(obj); i++ {
		if obj[i] > obj[i-1]*(1+1e-6) {
			t.Errorf("objective rose at iteration %d: %v → %v", i+1, obj[i-1], obj[i])
		}
	}
	// Reference, on the same 8,000 training rows (/255; exported with
	// `embedscope export-embedding --space pixels --format csv`):
	//   NMF(2, init="nndsvda", max_iter=2000, tol=1e-6).fit(X).reconstruction_err_**2 = 309,388.09
	//   PCA(2) reconstruction: sum of squares 289,456.01 (no rank-2 model does better)
	// Ours (non-negative, γ = 0, its objective is the same sum of squares): 309,431.76.
	if last := obj[len(obj)-1]; last > 309388.09*1.001 || last < 289456.0 {
		t.Errorf("final objective %.2f: want within 0.1 %% of scikit-learn's NMF (309,388.09), above PCA-2's 289,456.01", last)
	}

	// The imputation study: the numbers of `embedscope glrm --k 2 --nonneg
	// --iters 20 --impute 0.2` on the same data (the same service call), and
	// GLRM must beat filling in column means by far.
	v.fraction.SetText("0.2")
	v.startImputation()
	waitJobs(t, env, "the imputation study", jobLimit)
	if v.impute.Plot() == nil || v.imputeImgs.Plot() == nil {
		t.Error("no imputation figures")
	}
	if want := "RMSE on them: GLRM k=2 0.2230 · column mean 0.2946 · PCA k=2 0.2196"; !strings.Contains(v.imputeInfo.Text, want) {
		t.Errorf("imputation text %q, want %q", v.imputeInfo.Text, want)
	}

	// The compression study: kNN(5) accuracy grows with the rank (the
	// numbers of `embedscope glrm --k 2 --nonneg --iters 20 --compress 2,8`).
	v.ranks.SetText("2, 8")
	v.startCompression()
	waitJobs(t, env, "the compression study", jobLimit)
	if want := "k=2 0.4845; k=8 0.7375; all 784 features 0.8130."; v.compAcc.Plot() == nil || !strings.Contains(v.compressInfo.Text, want) {
		t.Errorf("compression text %q (figure %v), want %q", v.compressInfo.Text, v.compAcc.Plot() != nil, want)
	}

	// Bad input is refused with the reason, before any job starts, and the
	// fit shown stays: a rank as large as the features, a share outside
	// (0, 1), a rank in the study that is no compression.
	before := v.fit
	v.k.SetText("784")
	v.startFit()
	wantRefused(t, env, "rank 784", "The rank k must be a whole number from 1 to 783")
	v.k.SetText("2")
	v.fraction.SetText("1.5")
	v.startImputation()
	wantRefused(t, env, "hiding 150 %", "the share of pixels to hide must be between 0 and 1")
	v.ranks.SetText("2, 800")
	v.startCompression()
	wantRefused(t, env, "rank 800 in the study", "rank 800 is not below the 784 features")
	waitJobs(t, env, "nothing", jobLimit)
	if v.fit != before {
		t.Error("refused input replaced the fit")
	}
}
