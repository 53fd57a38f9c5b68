package cli

import (
	"fmt"
	"io"
	"math"
	"strings"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/atomicfile"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "umap", Summary: "UMAP map of the first N evaluation items (or all): time, 5-NN accuracy, trustworthiness", Run: runUMAP})
}

// UMAPResult is what `embedscope umap --json` prints.
type UMAPResult struct {
	RunID      string  `json:"run_id"`
	Data       string  `json:"data"`
	Items      string  `json:"items"` // which items were fitted: "all", a split, "train" (with placed items)
	N          int     `json:"n"`
	Neighbors  int     `json:"neighbors"`
	MinDist    float64 `json:"min_dist"`
	Spread     float64 `json:"spread"`
	Metric     string  `json:"metric"`
	Epochs     int     `json:"epochs"`
	A          float64 `json:"a"`
	B          float64 `json:"b"`
	Seed       uint64  `json:"seed"`
	Supervised bool    `json:"supervised"`
	Components int     `json:"components"` // connected components of the fuzzy graph
	Input      string  `json:"input"`      // what the neighbours were measured in
	Seconds    float64 `json:"seconds"`    // PCA-50 + UMAP, as umap-learn's pipeline is timed
	// CPUSeconds is the process's CPU time (all threads) over the same
	// span, absent where not measured.
	CPUSeconds *float64 `json:"cpu_seconds,omitempty"`
	KNN5       float64  `json:"knn5"` // leave-one-out 5-NN accuracy inside the map
	// Trustworthiness(5) against the input, on TrustN items (every
	// ⌈n/20000⌉-th for larger maps).
	Trustworthiness *float64 `json:"trustworthiness,omitempty"`
	TrustN          int      `json:"trust_n,omitempty"`
	// Supervised maps: the items whose classes were hidden and their
	// leave-one-out 5-NN accuracy.
	Unlabelled     int      `json:"unlabelled,omitempty"`
	KNN5Unlabelled *float64 `json:"knn5_unlabelled,omitempty"`
	// --place: the evaluation items placed into the map, the share whose 5
	// nearest fitted items vote their class, and the time of placing them.
	Placed       int      `json:"placed,omitempty"`
	KNN5Placed   *float64 `json:"knn5_placed,omitempty"`
	PlaceSeconds float64  `json:"place_seconds,omitempty"`
	Note         string   `json:"note,omitempty"`
	Out          string   `json:"out,omitempty"`
	// --umap-learn: umap-learn on the same items and settings, scored by
	// the same code (its time includes importing umap and numba's
	// compilation, as a user waits for them).
	UMAPLearn *UMAPLearnResult `json:"umap_learn,omitempty"`
}

// UMAPLearnResult is umap-learn's run beside ours.
type UMAPLearnResult struct {
	Version         string   `json:"version"`
	Seconds         float64  `json:"seconds"`
	ImportSeconds   float64  `json:"import_seconds"`
	CPUSeconds      float64  `json:"cpu_seconds"` // the whole script, reading the features included
	KNN5            float64  `json:"knn5"`
	Trustworthiness float64  `json:"trustworthiness"`
	TrustN          int      `json:"trust_n"`
	KNN5Unlabelled  *float64 `json:"knn5_unlabelled,omitempty"`
}

func runUMAP(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "umap", "umap [--data D] [--n N | --all] [--neighbors 15] [--min-dist 0.1] [--spread 1] [--metric euclidean|cosine] [--epochs E] [--supervised] [--place] [--useed S] [--trust] [--out map.csv] [--json]")
	d.add(fs)
	req := service.DefaultUMAPRequest(0)
	fs.IntVar(&req.N, "n", 10000, "number of items: the first N of the evaluation split (test, else validation), then the others")
	fs.BoolVar(&req.All, "all", false, "map every item of every split")
	space := fs.String("space", "pixels", "space mapped: pixels (through PCA-50), pca:K or a run's ID or name")
	fs.IntVar(&req.Neighbors, "neighbors", req.Neighbors, "size of the local neighbourhoods (umap-learn's n_neighbors), at least 2")
	fs.Float64Var(&req.MinDist, "min-dist", req.MinDist, "smallest distance between points in the map, in [0, spread]")
	fs.Float64Var(&req.Spread, "spread", req.Spread, "scale of the map")
	fs.StringVar(&req.Metric, "metric", req.Metric, "input distance: euclidean or cosine")
	fs.IntVar(&req.Epochs, "epochs", 0, "optimisation epochs (0: 500 up to 10,000 items, else 200)")
	fs.BoolVar(&req.Supervised, "supervised", false, "let the classes of the training split's items shape the map (the other items' classes stay hidden)")
	fs.BoolVar(&req.Place, "place", false, "fit on the training split (first N, or all) and place the evaluation split's items (first N, or all) into the map")
	fs.Uint64Var(&req.Seed, "useed", 0, "seed of UMAP")
	fs.BoolVar(&req.Trust, "trust", true, "measure trustworthiness(5) against the input (on every ⌈n/20000⌉-th item of larger maps)")
	out := fs.String("out", "", "write the map as CSV (split, index, label, x, y): the fitted items, then the placed ones")
	peer := fs.Bool("umap-learn", false, "also map the same items with umap-learn (/usr/bin/python3) and score its map the same way")
	python := fs.String("python", "/usr/bin/python3", "Python with umap-learn, for --umap-learn")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if *peer && req.Place {
		return fmt.Errorf("--umap-learn compares maps of the same items: it does not combine with --place")
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	ws := svc.WS
	t := progress.New()
	stop := c.reportProgress("UMAP", t)
	defer stop()
	if req.Input, err = spaceID(c, svc, *space, 32, "", t); err != nil {
		return err
	}
	r, err := svc.MapUMAP(c.Ctx, req, t, nil)
	if err != nil {
		return err
	}
	stop()
	res := UMAPResult{RunID: r.Run.ID, Data: ws.Data().Name, N: len(r.Items), Neighbors: r.Model.Neighbors, MinDist: req.MinDist,
		Spread: req.Spread, Metric: req.Metric, Epochs: r.Model.Epochs, A: r.Model.A, B: r.Model.B, Seed: req.Seed,
		Supervised: req.Supervised, Components: r.Model.Components, Input: r.InputName, Seconds: r.Seconds,
		KNN5: r.KNN5, TrustN: r.TrustN, Unlabelled: r.Unlabelled, Placed: len(r.Placed), PlaceSeconds: r.PlaceSeconds, Note: r.Note}
	res.Items = itemsName(r.Items, req.All)
	res.Trustworthiness = finite(r.Trustworthiness)
	res.CPUSeconds = finite(r.CPUSeconds)
	res.KNN5Unlabelled = finite(r.KNN5Unlabelled)
	res.KNN5Placed = finite(r.PlacedKNN5)
	if *peer {
		if res.UMAPLearn, err = compareUMAPLearn(c, ws, r, req, *python); err != nil {
			return err
		}
	}
	if *out != "" {
		items := append(append([]workspace.Item(nil), r.Items...), r.Placed...)
		Y := blas32.General{Rows: len(items), Cols: 2, Stride: 2,
			Data: append(append([]float32(nil), r.Embedding.Data[:2*len(r.Items)]...), r.PlacedEmbedding.Data[:2*len(r.Placed)]...)}
		f, err := service.EncodeItems(ws.Data(), items, Y, "umap", "csv")
		if err != nil {
			return err
		}
		if err := atomicfile.Write(*out, f.Vectors); err != nil {
			return err
		}
		res.Out = *out
	}
	return c.emit(res, func(w io.Writer) { writeUMAPText(w, res) })
}

// itemsName says which items a map holds.
func itemsName(items []workspace.Item, all bool) string {
	if all {
		return "all"
	}
	var names []string
	for _, it := range items {
		if len(names) == 0 || names[len(names)-1] != it.Split.Name {
			names = append(names, it.Split.Name)
		}
	}
	return strings.Join(names, "+")
}

// finite returns a pointer to v, or nil for NaN.
func finite(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func writeUMAPText(w io.Writer, r UMAPResult) {
	kind := "UMAP"
	if r.Supervised {
		kind = "supervised UMAP"
	}
	fmt.Fprintf(w, "%s of %d %s items of %s (%s, %d neighbours, min_dist %g, spread %g, a = %.4f, b = %.4f): %d epochs, %.1f s (PCA-50 included",
		kind, r.N, r.Items, r.Data, r.Input, r.Neighbors, r.MinDist, r.Spread, r.A, r.B, r.Epochs, r.Seconds)
	if r.CPUSeconds != nil {
		fmt.Fprintf(w, "; CPU %.1f s", *r.CPUSeconds)
	}
	fmt.Fprintln(w, ")")
	if r.Note != "" {
		fmt.Fprintf(w, "note: %s\n", r.Note)
	}
	fmt.Fprintf(w, "leave-one-out 5-NN accuracy in the map %.4f", r.KNN5)
	if r.Trustworthiness != nil {
		fmt.Fprintf(w, ", trustworthiness(5) %.4f (%d items)", *r.Trustworthiness, r.TrustN)
	}
	fmt.Fprintln(w)
	if r.KNN5Unlabelled != nil {
		fmt.Fprintf(w, "the %d items whose classes were hidden: 5-NN accuracy %.4f\n", r.Unlabelled, *r.KNN5Unlabelled)
	}
	if r.KNN5Placed != nil {
		fmt.Fprintf(w, "%d evaluation items placed in %.1f s: 5-NN accuracy among the fitted items %.4f\n", r.Placed, r.PlaceSeconds, *r.KNN5Placed)
	}
	if p := r.UMAPLearn; p != nil {
		fmt.Fprintf(w, "umap-learn %s on the same items: %.1f s (import %.1f s; CPU %.1f s for the whole script), 5-NN %.4f, trustworthiness(5) %.4f",
			p.Version, p.Seconds, p.ImportSeconds, p.CPUSeconds, p.KNN5, p.Trustworthiness)
		if p.KNN5Unlabelled != nil {
			fmt.Fprintf(w, ", hidden classes 5-NN %.4f", *p.KNN5Unlabelled)
		}
		fmt.Fprintf(w, "; ours/umap-learn time %.2f\n", r.Seconds/p.Seconds)
	}
	if r.Components > 1 {
		fmt.Fprintf(w, "the neighbour graph has %d connected components\n", r.Components)
	}
}

// compareUMAPLearn maps the items of r with umap-learn and scores its map
// with our code.
func compareUMAPLearn(c *Context, ws *workspace.Workspace, r *service.UMAPResult, req service.UMAPRequest, python string) (*UMAPLearnResult, error) {
	X, err := umapPixels(c.Ctx, ws, r.Items)
	if err != nil {
		return nil, err
	}
	var labels []int
	if req.Supervised {
		labels = make([]int, len(r.Items))
		for i, it := range r.Items {
			labels[i] = -1
			if it.Split.Name == ws.Splits().Train.Name {
				labels[i] = r.Labels[i]
			}
		}
	}
	if req.Input != "" && req.Input != workspace.PixelsSpace {
		return nil, fmt.Errorf("--umap-learn maps pixels only")
	}
	run, err := runUMAPLearn(c.Ctx, python, X, labels, req, c.Stderr)
	if err != nil {
		return nil, err
	}
	q, err := scoreUMAPLearn(c.Ctx, run, r)
	if err != nil {
		return nil, err
	}
	res := &UMAPLearnResult{Version: run.Version, Seconds: run.Seconds, ImportSeconds: run.ImportSeconds,
		CPUSeconds: run.CPUSeconds, KNN5: q.KNN5, Trustworthiness: q.Trust, TrustN: q.TrustN}
	if labels != nil {
		pred, err := service.LeaveOneOutPredict(c.Ctx, run.Map, r.Labels)
		if err != nil {
			return nil, err
		}
		hit, n := 0, 0
		for i, l := range labels {
			if l == -1 {
				n++
				if pred[i] == r.Labels[i] {
					hit++
				}
			}
		}
		if n > 0 {
			res.KNN5Unlabelled = finite(float64(hit) / float64(n))
		}
	}
	return res, nil
}
