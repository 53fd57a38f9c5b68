package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"embedscope/app/service"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "compare", Summary: "neighbourhood agreement of two spaces: mean, per class, histogram, most-changed items", Run: runCompare})
}

func runCompare(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "compare", "compare --a SPACE --b SPACE [--k 10] [--metric euclidean|cosine] [--n N | --all] [--changed N] [--out items.csv] [--json]")
	d.add(fs)
	var req service.CompareRequest
	fs.StringVar(&req.A, "a", "", "space A: pixels, pca:K (PCA with K components fitted on the training split) or a run's ID or name (embedscope runs list)")
	fs.StringVar(&req.B, "b", "", "space B: pixels, pca:K or a run")
	fs.IntVar(&req.K, "k", 10, "neighbours per item")
	fs.StringVar(&req.Metric, "metric", "euclidean", "distance: euclidean or cosine")
	fs.IntVar(&req.N, "n", 10000, "compare the first N items of the evaluation split (test, else validation)")
	fs.BoolVar(&req.All, "all", false, "compare every item of every split instead")
	fs.IntVar(&req.Changed, "changed", 0, "group the N items of lowest agreement into the most-changed list (default 5 % of the items)")
	fs.StringVar(&req.Out, "out", "", "write one CSV row per item: split, index, label, agreement, shared, majority_a, majority_b")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if req.A == "" || req.B == "" {
		return fmt.Errorf("--a and --b are required, e.g. --a pixels --b pca:32")
	}
	if req.K < 1 {
		return fmt.Errorf("--k %d: need at least 1 neighbour", req.K)
	}
	if _, err := service.ParseMetric(req.Metric); err != nil {
		return err
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	t := progress.New()
	stop := c.reportProgress("compare", t)
	res, err := svc.Compare(c.Ctx, req, t)
	stop()
	if err != nil {
		return err
	}
	return c.emit(res, func(w io.Writer) { writeCompare(w, res) })
}

func writeCompare(w io.Writer, r service.CompareResult) {
	items := fmt.Sprintf("%d %s items", r.Items, r.Split)
	if r.Split == "all" {
		items = fmt.Sprintf("all %d items", r.Items)
	}
	fmt.Fprintf(w, "Neighbourhood agreement of %s (%d-d) and %s (%d-d): Jaccard of the %d nearest items (%s) on %s of %s (%s scaling)\n",
		r.A, r.DimA, r.B, r.DimB, r.K, r.Metric, items, r.Data, r.Scaling)
	fmt.Fprintf(w, "mean agreement %.4f   neighbours: %s %.2f s, %s %.2f s   total %.2f s\n\n",
		r.MeanAgreement, r.A, r.NeighboursASeconds, r.B, r.NeighboursBSeconds, r.TotalSeconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\titems\tmean agreement\t")
	for _, c := range r.PerClass {
		fmt.Fprintf(tw, "%s\t%d\t%.4f\t\n", c.Class, c.Items, c.MeanAgreement)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nhistogram: items sharing s of their %d neighbours\n", r.K)
	most := 1
	for _, b := range r.Histogram {
		most = max(most, b.Items)
	}
	for _, b := range r.Histogram {
		fmt.Fprintf(w, "%3d  %.3f %7d  %s\n", b.Shared, b.Agreement, b.Items, strings.Repeat("█", (b.Items*40+most-1)/most))
	}
	fmt.Fprintf(w, "\nmost changed: the %d items of lowest agreement, by class and the majority class of their neighbours in %s → in %s\n", r.ChangedItems, r.A, r.B)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "items\tmean\tgroup\texamples")
	for i, g := range r.MostChanged {
		if i == 15 {
			fmt.Fprintf(tw, "…\t\t%d more groups (--json lists them all)\t\n", len(r.MostChanged)-15)
			break
		}
		var ex []string
		for _, e := range g.Examples[:min(3, len(g.Examples))] {
			ex = append(ex, fmt.Sprintf("%s %d", e.Split, e.Index))
		}
		line := fmt.Sprintf("%s among %s → among %s", g.Class, g.From, g.To)
		if g.From == g.To {
			line = fmt.Sprintf("%s among %s, other neighbours", g.Class, g.From)
		}
		fmt.Fprintf(tw, "%d\t%.3f\t%s\t%s\n", g.Items, g.MeanAgreement, line, strings.Join(ex, ", "))
	}
	tw.Flush()
	if r.Out != "" {
		fmt.Fprintf(w, "\nwrote %d items to %s\n", r.Items, r.Out)
	}
}
