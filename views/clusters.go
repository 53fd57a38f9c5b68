package views

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot/vg"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

var clustersPanel = Panel{
	ID:    "clusters",
	Title: "Clusters",
	Intro: "Seed notebooks 003 and 004: k-means on pixels, on PCA, on an embedding or an autoencoder's code; the centroids decoded back into images; how well the clusters match the classes.",
	View:  func(env *Env) fyne.CanvasObject { return newClustersView(env).content },
}

// Anchors are reference scores on the full Fashion-MNIST training set, from
// scikit-learn's k-means (k=10) and the seed-004 autoencoder in PyTorch.
var clusterAnchors = []figures.ClusterScores{
	{Name: "sklearn k-means, pixels (anchor)", PurityMean: 0.641, PurityWeighted: 0.579, NMI: 0.520},
	{Name: "sklearn k-means, PCA-32 (anchor)", PurityMean: 0.637, PurityWeighted: 0.552, NMI: 0.511},
	{Name: "seed-004 AE d=3, PyTorch (anchor)", PurityMean: 0.576, PurityWeighted: 0.476},
	{Name: "seed-004 AE d=32, PyTorch (anchor)", PurityMean: 0.521, PurityWeighted: 0.508},
}

type clustersView struct {
	env     *Env
	content fyne.CanvasObject
	cl      *service.Clustering
	proj    *figures.Projection // 2-D view of the clustered space (all items)
	marks   []figures.Mark
	results map[string]figures.ClusterScores // by space and k, for the comparison
	seq     int

	space                *spacePicker
	pcaK, k, nInit, seed *widget.Entry
	run, trainAE         *widget.Button
	colourBy             *widget.RadioGroup
	axes                 *widget.Select // for spaces of 3 or more dimensions
	summary, compareText *widget.Label
	centroids, compare   *FigureView
	scatter              *Scatter
	table                *ConfusionGrid
	cellGallery          *Gallery
	tabs                 *container.AppTabs
}

func newClustersView(env *Env) *clustersView {
	v := &clustersView{env: env, results: map[string]figures.ClusterScores{}}
	v.space = newSpacePicker(env, "clusters.space", []string{spaceOptionPCA}, nil, nil)
	v.pcaK = entryWith("32")
	v.k = entryWith("10")
	v.nInit = entryWith("3")
	v.seed = entryWith("0")
	v.run = widget.NewButton("Run k-means", v.startClustering)
	v.run.Importance = widget.HighImportance
	v.trainAE = widget.NewButton("Train an autoencoder…", func() {
		if env.presetAutoencoder != nil {
			env.presetAutoencoder()
		}
		if env.ShowPanel != nil {
			env.ShowError(env.ShowPanel("embedding"))
		}
	})
	v.axes = widget.NewSelect([]string{axesPCA}, func(string) { v.reproject() })
	v.axes.SetSelected(axesPCA)
	v.colourBy = widget.NewRadioGroup([]string{"true class", "cluster"}, func(string) { v.updateScatter() })
	v.colourBy.Horizontal = true
	v.colourBy.SetSelected("true class")
	v.summary = wrapLabel("Choose a space and k, then Run k-means.")
	v.compareText = widget.NewLabel("")
	v.compareText.TextStyle.Monospace = true

	controls := container.NewVBox(
		bold("k-means"),
		stacked(widget.NewFormItem("Space", v.space.Select)),
		widget.NewForm(
			widget.NewFormItem("PCA components", v.pcaK),
			widget.NewFormItem("Clusters (k)", v.k),
			widget.NewFormItem("Restarts", v.nInit),
			widget.NewFormItem("Seed", v.seed),
		),
		v.run, v.summary,
		widget.NewSeparator(),
		wrapLabel("An autoencoder's code becomes a space here once it is trained (Embedding training panel, then \"Evaluate kNN(5) and publish\")."),
		v.trainAE,
		widget.NewSeparator(),
		bold("Scatter colour"), v.colourBy,
		bold("Scatter axes"), v.axes,
	)
	v.centroids = NewFigureView("decoded-centroids", env.Window)
	v.centroids.SetMessage("Run k-means first (left).")
	v.compare = NewFigureView("cluster-comparison", env.Window)
	v.compare.SetMessage("Each k-means run adds its scores here, beside the reference anchors.")
	v.scatter = NewScatter()
	v.scatter.Link(env.Workspace, "Clusters scatter")
	v.scatter.Name = "clusters-scatter"
	v.table = NewConfusionGrid()
	v.table.OnTap = v.showCell
	v.table.OnExport = v.exportTable
	v.cellGallery = NewGallery("cluster-class", env.Window)
	v.cellGallery.SetEmptyText("Click a cell of the table to see its images.")
	tableTab := container.NewVSplit(container.NewScroll(v.table), v.cellGallery)
	tableTab.Offset = 0.55
	compareTab := container.NewVSplit(v.compare, container.NewVScroll(v.compareText))
	compareTab.Offset = 0.7
	v.tabs = container.NewAppTabs(
		container.NewTabItem("Decoded centroids", v.centroids),
		container.NewTabItem("Scatter", v.scatter),
		container.NewTabItem("Cluster × class", tableTab),
		container.NewTabItem("Comparison", compareTab),
	)
	for key, e := range map[string]*widget.Entry{"clusters.pca": v.pcaK, "clusters.k": v.k, "clusters.restarts": v.nInit, "clusters.seed": v.seed} {
		keepEntry(env.Workspace, key, e)
	}
	env.Workspace.OnChange(func() {
		uiDo(func() {
			v.seq++
			if v.cl != nil {
				v.clearShown()
			}
			v.cl, v.proj = nil, nil
			v.results = map[string]figures.ClusterScores{}
		})
	})
	split := container.NewHSplit(newSidePanel(controls), v.tabs)
	split.Offset = 0.26
	v.content = split
	return v
}

// spaceOptionPCA is the panel's choice of a PCA of k components (below),
// fitted (as a run) when needed.
const spaceOptionPCA = "PCA (k components, below)"

// resolveSpaceID returns the ID of the chosen space: the picker's, or that
// of a PCA of pcaK components, fitted through the service when needed.
func resolveSpaceID(ctx context.Context, svc *service.Service, id string, pcaK int, t *progress.Tracker) (string, error) {
	if id != spaceOptionPCA {
		return id, nil
	}
	p, err := svc.FitPCA(ctx, service.PCARequest{Components: pcaK}, t)
	if err != nil {
		return "", err
	}
	return p.Space.ID, nil
}

func (v *clustersView) startClustering() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		v.env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	rows := ws.Splits().Train.Len()
	k, err := positiveInt(v.k, "The number of clusters", 1, rows)
	if err == nil && v.space.ID() == spaceOptionPCA {
		_, err = positiveInt(v.pcaK, "The number of PCA components", 1, ds.Dim)
	}
	var nInit int
	if err == nil {
		nInit, err = positiveInt(v.nInit, "Restarts", 1, 100)
	}
	var seed uint64
	if err == nil {
		seed, err = strconv.ParseUint(strings.TrimSpace(v.seed.Text), 10, 64)
		if err != nil {
			err = fmt.Errorf("the seed must be a whole number ≥ 0 (got %q)", v.seed.Text)
		}
	}
	if err != nil {
		v.env.ShowError(err)
		return
	}
	pcaK, _ := strconv.Atoi(strings.TrimSpace(v.pcaK.Text))
	name := v.space.Select.Selected
	spaceID := v.space.ID()
	svc := v.env.Service
	v.seq++
	seq := v.seq
	var cl *service.Clustering
	var proj *figures.Projection
	var marks []figures.Mark
	v.run.Disable()
	gen := ws.Generation()
	v.summary.SetText(fmt.Sprintf("k-means with k=%d on %s…", k, name))
	v.env.Jobs.Start(fmt.Sprintf("k-means k=%d on %s", k, name), func(ctx context.Context, t *progress.Tracker) error {
		id, err := resolveSpaceID(ctx, svc, spaceID, pcaK, t)
		if err != nil {
			return err
		}
		cl, err = svc.Cluster(ctx, service.ClusterRequest{Space: id, K: k, NInit: nInit, Seed: seed}, t)
		if err != nil {
			return err
		}
		t.Stage("projecting to 2-D for the scatter", 0)
		proj, marks, err = projectSpaceAxes(ctx, svc, cl.Space, cl.Model.Centers, -1, -1)
		return err
	}, func(err error) {
		v.run.Enable()
		if seq != v.seq {
			return
		}
		if err != nil {
			v.summary.SetText("k-means did not finish: " + err.Error())
			return
		}
		v.cl, v.proj, v.marks = cl, proj, marks
		v.setAxesOptions(cl.Space)
		v.show()
		classes := make([]string, k)
		for j := range classes {
			classes[j] = fmt.Sprintf("C%d", j)
		}
		ws.SetLabeling(&workspace.Labeling{Name: fmt.Sprintf("k-means k=%d, %s", k, cl.Space.Name), Labels: v.clusterOfItems(), Classes: classes}, gen)
	})
}

// clearShown takes down the results shown when the data, split or
// scaling change or a session is restored, so that the panel never shows
// results for another space or data than its Space box names.
func (v *clustersView) clearShown() {
	v.summary.SetText("The data, split or scaling changed (or a session was opened): run k-means again.")
	v.centroids.SetMessage("Run k-means first (left).")
	v.compare.SetMessage("Each k-means run adds its scores here, beside the reference anchors.")
	v.compareText.SetText("")
	v.scatter.SetData(ScatterData{})
	v.table.Clear("Run k-means first (left).")
	v.cellGallery.SetItems("", nil)
}

func (v *clustersView) show() {
	ws := v.env.Workspace
	ds := ws.Data()
	cl := v.cl
	q := cl.Quality
	k := cl.Model.K()
	v.summary.SetText(fmt.Sprintf("k=%d on %s (%d rows): inertia %.1f after %d iterations, %.2f s.\nPurity %.3f mean / %.3f weighted · NMI %.3f · ARI %.3f · matched accuracy %.3f.",
		k, cl.Space.Name, len(cl.Classes), cl.Model.Inertia, cl.Model.Iterations, cl.Seconds,
		q.PurityMean, q.PurityWeighted, q.NMI, q.ARI, q.Accuracy))
	// Decoded centroids.
	train, _, _, _ := ws.Features(context.Background())
	if imgs, err := cl.CentroidImages(ds, train.Scaler); err != nil {
		v.centroids.SetMessage(err.Error())
	} else {
		maj := make([]string, k)
		for j, c := range cl.Majority {
			if c >= 0 {
				maj[j] = ds.Classes[c]
			}
		}
		v.centroids.SetPlot(figures.Centroids(fmt.Sprintf("k-means centroids decoded from %s — %s", cl.Space.Name, ds.Name), imgs, maj, cl.MajorityShare))
		cols := figures.CentroidColumns(k)
		v.centroids.ExportWidth, v.centroids.ExportHeight = figures.GridSize((k+cols-1)/cols, cols, 0)
	}
	// Cluster × class table.
	rows := make([]string, k)
	for j := range rows {
		rows[j] = fmt.Sprintf("C%d", j)
	}
	v.table.SetTable(fmt.Sprintf("Clusters of %s × classes (training rows)", cl.Space.Name), "cluster ╲ class", rows, ds.Classes, cl.Contingency, false)
	v.cellGallery.SetItems("", nil)
	// Comparison.
	v.results[fmt.Sprintf("%s, k=%d", cl.Space.Name, k)] = figures.ClusterScores{Name: fmt.Sprintf("ours: %s, k=%d", cl.Space.Name, k),
		PurityMean: q.PurityMean, PurityWeighted: q.PurityWeighted, NMI: q.NMI, ARI: q.ARI}
	v.updateComparison()
	v.updateScatter()
}

// updateComparison redraws the comparison chart and table: our runs, then
// the anchors.
func (v *clustersView) updateComparison() {
	var names []string
	for n := range v.results {
		names = append(names, n)
	}
	sort.Strings(names)
	var rows []figures.ClusterScores
	for _, n := range names {
		rows = append(rows, v.results[n])
	}
	rows = append(rows, clusterAnchors...)
	ds := v.env.Workspace.Data()
	if p, err := figures.ClusterComparison("Clusters against classes — "+ds.Name+" (anchors: full Fashion-MNIST)", rows); err == nil {
		v.compare.SetPlot(p)
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "clustering\tpurity mean\tpurity weighted\tNMI\tARI\t")
	for _, r := range rows {
		nmi, ari := fmt.Sprintf("%.3f", r.NMI), fmt.Sprintf("%.3f", r.ARI)
		if r.NMI == 0 {
			nmi = "—"
		}
		if r.ARI == 0 {
			ari = "—"
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%s\t%s\t\n", r.Name, r.PurityMean, r.PurityWeighted, nmi, ari)
	}
	tw.Flush()
	v.compareText.SetText(b.String())
}

// showCell lists the training images of one cluster and class.
func (v *clustersView) showCell(cluster, class int) {
	cl := v.cl
	if cl == nil {
		return
	}
	ds := v.env.Workspace.Data()
	train := v.env.Workspace.Splits().Train
	var items []Thumb
	var all []workspace.Ref
	count := 0
	for i, l := range cl.Model.Labels {
		if l != cluster || cl.Classes[i] != class {
			continue
		}
		count++
		all = append(all, *splitRef(train, i))
		if len(items) < 200 {
			th := Thumb{Caption: fmt.Sprintf("#%d", train.Index[i]), Index: i, Ref: splitRef(train, i)}
			if ds.IsImage() {
				th.Image = ds.Image(train.Part, train.Index[i])
			}
			items = append(items, th)
		}
	}
	title := fmt.Sprintf("Cluster C%d, class %s: %d training images", cluster, ds.Classes[class], count)
	if count > len(items) {
		title += fmt.Sprintf(" (first %d shown)", len(items))
	}
	v.cellGallery.LinkSelection(v.env.Workspace, fmt.Sprintf("Clusters: C%d × %s", cluster, ds.Classes[class]))
	v.cellGallery.SetItemsRefs(title, items, all)
}

func (v *clustersView) exportTable() {
	if v.cl == nil {
		return
	}
	ds := v.env.Workspace.Data()
	rows := make([]string, v.cl.Model.K())
	for j := range rows {
		rows[j] = fmt.Sprintf("C%d", j)
	}
	p, err := figures.CountTable(fmt.Sprintf("Clusters of %s × classes — %s", v.cl.Space.Name, ds.Name), rows, ds.Classes, v.cl.Contingency, "cluster (size)", "class (total)")
	if err != nil {
		v.env.ShowError(err)
		return
	}
	ShowExportDialog(v.env.Window, "cluster-class", p, 9*vg.Inch, 7*vg.Inch, ".png")
}
