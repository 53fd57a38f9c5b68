package views

import (
	"strings"
	"testing"
)

// TestSelectionPanelBeforeAnyClick: before anything is clicked the panel
// names no clicked item (it once said "Clicked item: train #0").
func TestSelectionPanelBeforeAnyClick(t *testing.T) {
	env := newTestEnv(t)
	v := newSelectionView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	waitJobs(t, env, "the data", jobLimit)
	testUI.do(func() {
		if got := v.focusInfo.Text; got != "Click an item in the gallery to focus it." {
			t.Errorf("before any click the panel says %q", got)
		}
		if strings.Contains(v.search.info.Text, "#0") || strings.Contains(v.summary.Text, "#0") {
			t.Errorf("an item is named before any click: %q / %q", v.search.info.Text, v.summary.Text)
		}
	})
}
