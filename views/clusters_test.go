package views

import (
	"strings"
	"testing"
	"time"
)

func TestClustersPanel(t *testing.T) {
	env := newTestEnv(t)
	v := newClustersView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)

	for run, space := range []string{"pixels", spaceOptionPCA} {
		v.space.SetSelected(space)
		v.k.SetText("10")
		v.nInit.SetText("1")
		v.startClustering()
		waitUntil(t, "k-means on "+space, 30*time.Second, func() bool {
			return v.cl != nil && strings.HasPrefix(v.cl.Space.Name, map[string]string{"pixels": "pixels", spaceOptionPCA: "PCA-32"}[space]) &&
				v.centroids.Plot() != nil && v.compare.Plot() != nil && len(v.results) == run+1
		})
		q := v.cl.Quality
		if q.PurityWeighted < 0.4 || q.PurityMean < q.PurityWeighted-0.2 || q.NMI < 0.3 {
			t.Errorf("%s: quality %+v", space, q)
		}
	}
	if len(v.results) != 2 || !strings.Contains(v.compareText.Text, "anchor") {
		t.Errorf("comparison has %d runs: %q", len(v.results), v.compareText.Text)
	}
	// The cluster × class table lists the images of a cell.
	v.showCell(0, v.cl.Majority[0])
	if len(v.cellGallery.Items()) == 0 {
		t.Error("no images for the majority class of cluster 0")
	}
	// Colour by cluster: every item gets a cluster.
	v.colourBy.SetSelected("cluster")
	waitUntil(t, "the scatter by cluster", 5*time.Second, func() bool { return v.scatter.data.Len() == 10000 })

	// Impossible k.
	v.k.SetText("9000")
	before := v.cl
	v.startClustering()
	if v.cl != before {
		t.Error("k above the training size was accepted")
	}
}
