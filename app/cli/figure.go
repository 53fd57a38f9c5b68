package cli

import (
	"embedscope/app/service"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"embedscope/ml/progress"
	"embedscope/views/figures"
)

func init() {
	register(command{Name: "export-figure", Summary: "render a panel's figure headless to PNG, SVG or PDF", Run: runExportFigure})
}

// namedFigure builds one of the app's figures from a workspace.
type namedFigure struct {
	Summary string
	Build   func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error)
}

// figureRegistry lists the figures export-figure knows; other files add theirs.
var figureRegistry = map[string]namedFigure{
	"class-counts": {"bar chart of the rows per class and split (Data panel)", func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error) {
		ws := svc.WS
		p, err := figures.ClassCounts(ws.Data(), ws.Splits())
		return p, figures.DefaultWidth, figures.DefaultHeight, err
	}},
	"examples": {"gallery of example images per class (Data panel)", func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error) {
		ws := svc.WS
		ds := ws.Data()
		p, err := figures.Examples(ds, ws.Splits().Train, 10)
		w, h := figures.GridSize(len(ds.Classes), 10, 12)
		return p, w, h, err
	}},
	"duplicates": {"gallery of exact-duplicate groups (Data panel)", func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error) {
		ws := svc.WS
		dups, err := ws.Duplicates()
		if err != nil {
			return nil, 0, 0, err
		}
		p, err := figures.DuplicateGroups(ws.Data(), dups, 12)
		n := len(dups.Groups)
		if n > 12 {
			n = 12
		}
		if n == 0 {
			n = 1
		}
		w, h := figures.GridSize(n, 6, 12)
		return p, w, h, err
	}},
	"near-duplicates": {"gallery of the closest near-duplicate pairs within RMS 2 grey levels (Data panel)", func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error) {
		ws := svc.WS
		t := progress.New()
		stop := c.reportProgress("near duplicates", t)
		nd, err := svc.FindNearDuplicates(c.Ctx, service.DefaultNearRMS, t)
		stop()
		if err != nil {
			return nil, 0, 0, err
		}
		pairs := make([]figures.NearPair, len(nd.Pairs))
		for i, p := range nd.Pairs {
			pairs[i] = figures.NearPair(p)
		}
		p, err := figures.NearDuplicatePairs(ws.Data(), pairs, nd.MaxRMS, 12)
		n := min(max(len(pairs), 1), 12)
		w, h := figures.GridSize(n, 2, 40)
		return p, w, h, err
	}},
}

func figureNames() string {
	var names []string
	for n := range figureRegistry {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func runExportFigure(c *Context, args []string) error {
	var d dataFlags
	fs := newFlagSet(c, "export-figure", "export-figure --figure NAME --out FILE.png|.svg|.pdf [--width IN] [--height IN] [--dpi 96] [--data D]")
	d.add(fs)
	name := fs.String("figure", "", "figure to render: "+figureNames())
	out := fs.String("out", "", "output file; the extension chooses PNG, SVG or PDF")
	width := fs.Float64("width", 0, "width in inches (default: the figure's own)")
	height := fs.Float64("height", 0, "height in inches (default: the figure's own)")
	dpi := fs.Int("dpi", 96, "resolution of a PNG in dots per inch")
	fs.IntVar(&c.Components, "components", 32, "PCA components (pca-* figures)")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) { c.ComponentsSet = c.ComponentsSet || f.Name == "components" })
	fig, ok := figureRegistry[*name]
	if !ok {
		return fmt.Errorf("unknown figure %q: use one of %s", *name, figureNames())
	}
	if *out == "" {
		return fmt.Errorf("--out is required (e.g. --out %s.png)", *name)
	}
	if err := figures.CheckFormat(filepath.Ext(*out)); err != nil {
		return err // checked before the (possibly long) computation below
	}
	if *width > 0 && *height > 0 {
		if err := figures.CheckSize(vg.Length(*width)*vg.Inch, vg.Length(*height)*vg.Inch, filepath.Ext(*out), *dpi); err != nil {
			return err
		}
	}
	svc, err := d.service(c)
	if err != nil {
		return err
	}
	p, w, h, err := fig.Build(c, svc)
	if err != nil {
		return err
	}
	if *width > 0 {
		w = vg.Length(*width) * vg.Inch
	}
	if *height > 0 {
		h = vg.Length(*height) * vg.Inch
	}
	data, err := figures.EncodeDPI(p, w, h, filepath.Ext(*out), *dpi)
	if err != nil {
		return err
	}
	if err := figures.WriteFileAtomic(*out, data); err != nil {
		return err
	}
	res := map[string]any{"figure": *name, "out": *out, "width_in": float64(w / vg.Inch), "height_in": float64(h / vg.Inch)}
	return c.emit(res, func(wr io.Writer) { fmt.Fprintf(wr, "wrote %s\n", *out) })
}
