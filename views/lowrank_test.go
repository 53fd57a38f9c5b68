package views

import (
	"strings"
	"testing"
	"time"
)

func TestLowRankPanel(t *testing.T) {
	env := newTestEnv(t)
	v := newLowRankView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)

	v.k.SetText("2")
	v.iters.SetText("20")
	v.startFit()
	waitUntil(t, "the GLRM fit", 60*time.Second, func() bool {
		return v.fit != nil && v.archetypes.Plot() != nil && v.recon.Plot() != nil && v.scatter.data.Len() == 10000
	})
	if env.Workspace.Space(v.fit.Space.ID) == nil || v.fit.Run.Name != "GLRM-2 non-negative" {
		t.Error("the representation was not published as a feature space")
	}
	obj := v.fit.Model.Objective
	for i := 1; i < len(obj); i++ {
		if obj[i] > obj[i-1]*(1+1e-6) {
			t.Errorf("objective rose at iteration %d: %v → %v", i+1, obj[i-1], obj[i])
		}
	}

	v.fraction.SetText("0.2")
	v.startImputation()
	waitUntil(t, "the imputation study", 120*time.Second, func() bool { return v.impute.Plot() != nil && v.imputeImgs.Plot() != nil })
	if !strings.Contains(v.imputeInfo.Text, "GLRM k=2") {
		t.Errorf("imputation text %q", v.imputeInfo.Text)
	}

	v.ranks.SetText("2, 8")
	v.startCompression()
	waitUntil(t, "the compression study", 120*time.Second, func() bool { return v.compAcc.Plot() != nil })

	// Bad input: a rank as large as the features, a share outside (0, 1).
	before := v.fit
	v.k.SetText("784")
	v.startFit()
	v.fraction.SetText("1.5")
	v.k.SetText("2")
	v.startImputation()
	if v.fit != before {
		t.Error("a rank of 784 was accepted")
	}
}
