package views

import (
	"path/filepath"
	"testing"

	"embedscope/app/workspace"
)

// TestMapSurvivesSessionRestore: a map shown when a session of the same
// data, split and scaling is opened keeps its colour menu and rings the
// session's selection; after a change of scaling it is taken down.
func TestMapSurvivesSessionRestore(t *testing.T) {
	env := newTestEnv(t)
	v := newMapsView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	testUI.do(func() {
		v.n.SetText("200")
		v.forms.iters.SetText("250")
		v.forms.perplexity.SetText("10")
		v.run()
	})
	waitJobs(t, env, "a small t-SNE map", jobLimit)
	if v.final.Rows != 200 {
		t.Fatalf("map of %d rows", v.final.Rows)
	}
	// The session selects three of the mapped items.
	ws := env.Workspace
	items := workspace.NewItems(ws.Splits())
	var refs []workspace.Ref
	for _, it := range v.items[:3] {
		refs = append(refs, items.Ref(items.PositionOf(it)))
	}
	ws.Select(refs, workspace.Replace, "test")
	path := filepath.Join(t.TempDir(), "map"+workspace.SessionExt)
	if err := ws.SaveSession(path, workspace.SessionExtra{Panel: "maps"}); err != nil {
		t.Fatal(err)
	}
	ws.ClearSelection()
	s, err := workspace.LoadSession(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Restore(s, ws.Data()); err != nil {
		t.Fatal(err)
	}
	waitJobs(t, env, "the restore", jobLimit)
	testUI.do(func() {
		if v.scatter.data.Len() != 200 || !v.scatter.ui.colour.Visible() {
			t.Errorf("after the restore: %d points, colour menu shown %v", v.scatter.data.Len(), v.scatter.ui.colour.Visible())
		}
		if len(v.scatter.highlight) != 3 {
			t.Errorf("%d points ringed after the restore, want the session's 3", len(v.scatter.highlight))
		}
	})
	// Another scaling: the map is of other features, and is taken down.
	other := *s
	other.Scaling = s.Scaling + 1
	if err := ws.Restore(&other, ws.Data()); err != nil {
		t.Fatal(err)
	}
	waitJobs(t, env, "the second restore", jobLimit)
	testUI.do(func() {
		if v.final.Rows != 0 || v.scatter.data.Len() != 0 || v.export.Disabled() == false {
			t.Errorf("after another scaling: map of %d rows, %d points shown", v.final.Rows, v.scatter.data.Len())
		}
	})
}
