package cli

import (
	"fmt"
	"io"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/progress"
)

func init() {
	register(command{Name: "pca", Summary: "fit PCA: explained variance and timing", Run: runPCA})
}

// PCAResult is what `embedscope pca --json` prints.
type PCAResult struct {
	RunID                  string         `json:"run_id"`
	Data                   string         `json:"data"`
	Scaling                string         `json:"scaling"`
	Components             int            `json:"components"`
	Solver                 string         `json:"solver"`
	Samples                int            `json:"samples"`
	Features               int            `json:"features"`
	FitSeconds             float64        `json:"fit_seconds"`
	ExplainedVarianceRatio []float64      `json:"explained_variance_ratio"`
	Cumulative             []float64      `json:"cumulative"`                    // of the kept components
	SpectrumCumulative     []float64      `json:"spectrum_cumulative,omitempty"` // of all components, when known
	ComponentsFor          map[string]int `json:"components_for,omitempty"`      // "0.80" → components needed
}

func runPCA(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "pca", "pca [--data D] [--components N] [--scaling S] [--solver auto|full|randomized] [--json]")
	d.add(fs)
	k := fs.Int("components", 32, "number of components")
	solverName := fs.String("solver", "auto", "eigen solver: auto, full (whole spectrum) or randomized")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if _, err := service.ParseSolver(*solverName); err != nil {
		return err
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	p, err := fitPCA(c, svc, *k, *solverName)
	if err != nil {
		return err
	}
	res := pcaResult(svc.WS, p)
	return c.emit(res, func(w io.Writer) { res.writeText(w) })
}

// fitPCA fits PCA through the service with progress on stderr.
func fitPCA(c *Context, svc *service.Service, k int, solver string) (*service.PCAResult, error) {
	t := progress.New()
	stop := c.reportProgress("PCA", t)
	defer stop()
	return svc.FitPCA(c.Ctx, service.PCARequest{Components: k, Solver: solver}, t)
}

func pcaResult(ws *workspace.Workspace, p *service.PCAResult) PCAResult {
	m := p.Model
	r := PCAResult{
		RunID: p.Run.ID, Data: ws.Data().Name, Scaling: ws.Scaling().String(), Components: m.K(), Solver: m.Solver.String(),
		Samples: m.NSamples, Features: m.Dim, FitSeconds: p.Seconds,
		ExplainedVarianceRatio: m.ExplainedVarianceRatio, Cumulative: m.Cumulative()[:m.K()],
	}
	if m.Spectrum != nil {
		r.SpectrumCumulative = m.Cumulative()
		r.ComponentsFor = map[string]int{}
		for _, f := range []float64{0.8, 0.9, 0.95, 0.99} {
			r.ComponentsFor[fmt.Sprintf("%.2f", f)] = m.ComponentsFor(f)
		}
	}
	return r
}

func (r PCAResult) writeText(w io.Writer) {
	fmt.Fprintf(w, "PCA of %s (%s scaling): %d samples × %d features, %d components, %s solver, %.2f s (run %s)\n",
		r.Data, r.Scaling, r.Samples, r.Features, r.Components, r.Solver, r.FitSeconds, r.RunID)
	cum := r.SpectrumCumulative
	if cum == nil {
		cum = r.Cumulative
	}
	for _, k := range []int{1, 2, 5, 10, 20, 32, 50, 100, 200} {
		if k <= len(cum) {
			fmt.Fprintf(w, "  %3d components: %.4f of the variance\n", k, cum[k-1])
		}
	}
	if r.ComponentsFor != nil {
		fmt.Fprintf(w, "  components needed for 80/90/95/99 %%: %d/%d/%d/%d\n",
			r.ComponentsFor["0.80"], r.ComponentsFor["0.90"], r.ComponentsFor["0.95"], r.ComponentsFor["0.99"])
	}
}
