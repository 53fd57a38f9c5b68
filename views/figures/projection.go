package figures

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	"maps"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Projection is a 2-D projection (embedding) of labelled rows. Points whose
// coordinates are not finite are skipped.
type Projection struct {
	X, Y    []float32
	Labels  []int    // class of each point; nil draws every point in one colour
	Classes []string // class names, indexed by label
	Title   string
	XLabel  string
	YLabel  string
	// Colors, when set, colours class c with Colors[c] (e.g. a sequential
	// scale for bins of a value) instead of ClassColor(c).
	Colors []color.NRGBA
}

// Len is the number of points: the shorter of X and Y.
func (d Projection) Len() int { return min(len(d.X), len(d.Y)) }

// Label returns the class of point i, or -1 when it has none.
func (d Projection) Label(i int) int {
	if i < len(d.Labels) {
		return d.Labels[i]
	}
	return -1
}

// PointColor is the colour of a point of class l (unlabelled: Palette[0]).
func PointColor(l int) color.NRGBA { return ClassColor(max(l, 0)) }

// ColorOf is the colour of a point of class l in d: Colors[l] when d has
// colours for its classes, else PointColor(l).
func (d Projection) ColorOf(l int) color.NRGBA {
	if l >= 0 && l < len(d.Colors) {
		return d.Colors[l]
	}
	return PointColor(l)
}

// Mark is a labelled marker drawn over the points, e.g. a class centroid.
type Mark struct {
	X, Y  float32
	Label string
}

// Rect is a region of the projection plane.
type Rect struct{ XMin, XMax, YMin, YMax float64 }

// Valid reports whether r has a finite, positive width and height.
func (r Rect) Valid() bool {
	w, h := r.XMax-r.XMin, r.YMax-r.YMin
	return w > 0 && h > 0 && !math.IsInf(w, 0) && !math.IsInf(h, 0)
}

// Bounds returns the extent of d's finite points padded by 4 % on each
// side; the unit square when there are none.
func Bounds(d Projection) Rect {
	r := Rect{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for i := range d.Len() {
		x, y := float64(d.X[i]), float64(d.Y[i])
		if isFinite(x) && isFinite(y) {
			r = Rect{min(r.XMin, x), max(r.XMax, x), min(r.YMin, y), max(r.YMax, y)}
		}
	}
	if r.XMin > r.XMax {
		return Rect{0, 1, 0, 1}
	}
	pad := func(lo, hi float64) (float64, float64) {
		if s := hi - lo; s > 0 {
			return lo - 0.04*s, hi + 0.04*s
		}
		return lo - 1, hi + 1
	}
	r.XMin, r.XMax = pad(r.XMin, r.XMax)
	r.YMin, r.YMax = pad(r.YMin, r.YMax)
	return r
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ScatterOptions tune ClassScatter.
type ScatterOptions struct {
	// Visible[c] false hides class c; classes past its end are shown.
	Visible []bool
	// View is the region shown; nil shows all the points.
	View *Rect
	// PointSize is the dot diameter; 0 picks one from the number of points.
	PointSize vg.Length
	// Marks are drawn over the points with their labels.
	Marks []Mark
}

func classShown(visible []bool, l int) bool { return l < 0 || l >= len(visible) || visible[l] }

// ClassScatter draws every point of d as a dot coloured by class, with the
// class legend outside the data area on the right.
func ClassScatter(d Projection, opts ScatterOptions) *plot.Plot {
	p := New(d.Title, d.XLabel, d.YLabel)
	view := Bounds(d)
	if opts.View != nil && opts.View.Valid() {
		view = *opts.View
	}
	diam, alpha := DotStyle(d.Len())
	if opts.PointSize > 0 {
		diam = float64(opts.PointSize)
	}
	p.Add(&pointLayer{d: d, order: DrawOrder(d.Len()), visible: opts.Visible, diameter: diam, alpha: alpha})
	for _, m := range opts.Marks {
		if x, y := float64(m.X), float64(m.Y); x >= view.XMin && x <= view.XMax && y >= view.YMin && y <= view.YMax {
			p.Add(&marker{x: x, y: y, label: m.Label})
		}
	}
	finishProjection(p, d, view, opts.Visible, nil)
	return p
}

// finishProjection sets the view, notes an empty projection and adds the
// side panel.
func finishProjection(p *plot.Plot, d Projection, view Rect, visible []bool, bar *colorBar) {
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = view.XMin, view.XMax, view.YMin, view.YMax
	if d.Len() == 0 {
		p.Add(&textBox{x: (view.XMin + view.XMax) / 2, y: (view.YMin + view.YMax) / 2, text: "no points", sty: textStyle(LabelSize, draw.XCenter, draw.YCenter)})
	}
	side := &sidePanel{legend: plot.NewLegend(), bar: bar}
	side.legend.TextStyle = p.Legend.TextStyle
	side.legend.Left, side.legend.Top = true, true
	side.legend.ThumbnailWidth = vg.Points(10)
	side.legend.Padding = vg.Points(3)
	if d.Labels != nil {
		for c, name := range d.Classes {
			if classShown(visible, c) {
				side.legend.Add(name, swatch(d.ColorOf(c)))
				side.entries++
			}
		}
	}
	p.Add(side)
}

// Density is a 2-D histogram of all of d's points (bins×bins cells, grey
// levels by log count) with every every-th point on top, coloured by class.
func Density(d Projection, bins, every int) *plot.Plot {
	bins, every = max(bins, 2), max(every, 1)
	p := New(d.Title, d.XLabel, d.YLabel)
	if every > 1 {
		p.Title.Text = fmt.Sprintf("%s — density, 1 in %d points shown", d.Title, every)
	} else if d.Title != "" {
		p.Title.Text = d.Title + " — density"
	}
	view := Bounds(d)
	counts := make([]int, bins*bins)
	most := 0
	for i := range d.Len() {
		cx := int((float64(d.X[i]) - view.XMin) / (view.XMax - view.XMin) * float64(bins))
		cy := int((float64(d.Y[i]) - view.YMin) / (view.YMax - view.YMin) * float64(bins))
		if cx >= 0 && cx < bins && cy >= 0 && cy < bins { // false for NaN
			counts[cy*bins+cx]++
			most = max(most, counts[cy*bins+cx])
		}
	}
	bar := &colorBar{cmap: densityMap(), max: float64(max(most, 10)), label: "points / bin"}
	p.Add(&densityLayer{counts: counts, bins: bins, bar: bar})
	var sub []int32
	for _, i := range DrawOrder(d.Len()) {
		if int(i)%every == 0 {
			sub = append(sub, i)
		}
	}
	diam, _ := DotStyle(len(sub))
	p.Add(&pointLayer{d: d, order: sub, diameter: diam * 1.3, alpha: 0.95, halo: 0.35})
	finishProjection(p, d, view, nil, bar)
	return p
}

// densityMap is a grey ramp of linear luminance, light for few points.
func densityMap() palette.ColorMap {
	m, err := moreland.NewLuminance([]color.Color{color.NRGBA{0x3b, 0x3b, 0x3b, 0xff}, color.NRGBA{0xf0, 0xf0, 0xf0, 0xff}})
	if err != nil {
		panic(err)
	}
	m.SetMin(0)
	m.SetMax(1)
	return palette.Reverse(m)
}

// densityLayer paints the histogram cell by cell at the canvas resolution.
type densityLayer struct {
	counts []int
	bins   int
	bar    *colorBar
}

func (l *densityLayer) Plot(c draw.Canvas, _ *plot.Plot) {
	colors := make([]color.Color, len(l.counts))
	for i, n := range l.counts {
		if n > 0 {
			colors[i] = l.bar.color(float64(n))
		}
	}
	drawRaster(c, func(dst *image.RGBA, _ float64) {
		w, h := dst.Bounds().Dx(), dst.Bounds().Dy()
		for y := range h {
			by := (h - 1 - y) * l.bins / h
			for x := range w {
				if col := colors[by*l.bins+x*l.bins/w]; col != nil {
					dst.Set(x, y, col)
				}
			}
		}
	})
}

// Hexbin tiles the plane with regular hexagons, gridSize across, and
// colours each cell holding at least minCount points by the median class
// of its points (the lower median for an even count, so always a class).
func Hexbin(d Projection, gridSize, minCount int) *plot.Plot {
	p := New(d.Title, d.XLabel, d.YLabel)
	if d.Title != "" {
		p.Title.Text = fmt.Sprintf("%s — median class per hexagon (≥ %d points)", d.Title, max(minCount, 1))
	}
	p.Add(&hexLayer{d: d, n: max(gridSize, 1), minCount: max(minCount, 1)})
	finishProjection(p, d, Bounds(d), nil, nil)
	return p
}

type hexLayer struct {
	d           Projection
	n, minCount int
}

// hexCell is one hexagon: its lattice (0 or 1), column and row.
type hexCell struct{ lattice, i, j int }

// hexBins assigns each finite point to a hexagon (as matplotlib's hexbin:
// two offset rectangular lattices of step sx×sy, nearest centre wins) and
// counts the points of each class in each cell (index 0 for unlabelled).
func hexBins(d Projection, x0, y0, sx, sy float64, classes int) map[hexCell][]int {
	cells := map[hexCell][]int{}
	for i := range d.Len() {
		x, y := (float64(d.X[i])-x0)/sx, (float64(d.Y[i])-y0)/sy
		if !isFinite(x) || !isFinite(y) {
			continue
		}
		i1, j1 := math.Floor(x+0.5), math.Floor(y+0.5)
		i2, j2 := math.Floor(x), math.Floor(y)
		d1 := (x-i1)*(x-i1) + 3*(y-j1)*(y-j1)
		d2 := (x-i2-0.5)*(x-i2-0.5) + 3*(y-j2-0.5)*(y-j2-0.5)
		k := hexCell{0, int(i1), int(j1)}
		if d2 < d1 {
			k = hexCell{1, int(i2), int(j2)}
		}
		if cells[k] == nil {
			cells[k] = make([]int, classes)
		}
		cells[k][min(max(d.Label(i), 0), classes-1)]++
	}
	return cells
}

// medianClass returns the lower median class of a cell and its size.
func medianClass(counts []int) (class, n int) {
	for _, c := range counts {
		n += c
	}
	seen := 0
	for c, k := range counts {
		if seen += k; seen > (n-1)/2 {
			return c, n
		}
	}
	return 0, n
}

func (l *hexLayer) Plot(c draw.Canvas, p *plot.Plot) {
	w, h := float64(c.Max.X-c.Min.X), float64(c.Max.Y-c.Min.Y)
	xr, yr := p.X.Max-p.X.Min, p.Y.Max-p.Y.Min
	if w <= 0 || h <= 0 {
		return
	}
	// Hexagons are regular on the page: width w/n, rows √3·width apart.
	sx := xr / float64(l.n)
	sy := math.Sqrt(3) * (w / float64(l.n)) * yr / h
	cells := hexBins(l.d, p.X.Min, p.Y.Min, sx, sy, max(len(l.d.Classes), 1))
	const grow = 1.02 // hide hairline seams between neighbours
	offs := [6][2]float64{{0.5, -1.0 / 6}, {0.5, 1.0 / 6}, {0, 1.0 / 3}, {-0.5, 1.0 / 6}, {-0.5, -1.0 / 6}, {0, -1.0 / 3}}
	keys := slices.SortedFunc(maps.Keys(cells), func(a, b hexCell) int {
		return cmp.Or(cmp.Compare(a.j, b.j), cmp.Compare(a.lattice, b.lattice), cmp.Compare(a.i, b.i))
	})
	for _, k := range keys {
		class, n := medianClass(cells[k])
		if n < l.minCount {
			continue
		}
		cx, cy := p.X.Min+float64(k.i)*sx, p.Y.Min+float64(k.j)*sy
		if k.lattice == 1 {
			cx, cy = cx+sx/2, cy+sy/2
		}
		var pts []vg.Point
		for _, o := range offs {
			pts = append(pts, vg.Point{X: c.X(p.X.Norm(cx + grow*o[0]*sx)), Y: c.Y(p.Y.Norm(cy + grow*o[1]*sy))})
		}
		c.FillPolygon(PointColor(class), c.ClipPolygonXY(pts))
	}
}

// CumulativeVariance plots the cumulative share of variance explained by
// the first k principal components, marks the cut-off (when 1 ≤ cut ≤
// len(ratios)) and draws 80/90/95/99 % reference lines.
func CumulativeVariance(ratios []float64, cut int) *plot.Plot {
	p := New("Cumulative explained variance (PCA)", "number of components", "variance explained")
	n := len(ratios)
	cum := make(plotter.XYs, n)
	sum := 0.0
	for k, r := range ratios {
		sum += r
		cum[k] = plotter.XY{X: float64(k + 1), Y: sum}
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(max(n, 1)), 0, 1.02
	if isFinite(sum) {
		p.Y.Max = max(p.Y.Max, sum*1.02)
	}
	p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var t []plot.Tick
		for k := 0; k <= 10; k++ {
			lab := ""
			if k%2 == 0 {
				lab = fmt.Sprintf("%d %%", 10*k)
			}
			t = append(t, plot.Tick{Value: float64(k) / 10, Label: lab})
		}
		return t
	})
	p.X.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		t := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range t {
			if t[i].Label != "" { // 250, not 250.00
				t[i].Label = strconv.FormatFloat(t[i].Value, 'f', -1, 64)
			}
		}
		return t
	})
	grid := plotter.NewGrid()
	grid.Vertical.Width = 0
	grid.Horizontal.Color = color.Gray{0xe4}
	p.Add(grid)
	refs := &rightLabels{}
	for _, level := range []float64{0.8, 0.9, 0.95, 0.99} {
		k := 0
		for k < n && cum[k].Y < level-1e-12 {
			k++
		}
		label := fmt.Sprintf("%.0f %%", 100*level)
		if k < n {
			label += fmt.Sprintf(" · k=%d", k+1)
		}
		ref, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: level}, {X: float64(max(n, 1)), Y: level}})
		ref.Color, ref.Width, ref.Dashes = color.Gray{0xa0}, vg.Points(0.8), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(ref)
		refs.ys, refs.texts = append(refs.ys, level), append(refs.texts, label)
	}
	p.Add(refs)
	if line, err := plotter.NewLine(cum); err == nil && n > 0 { // err: ratios not finite
		line.Color, line.Width = Palette[0], vg.Points(2)
		p.Add(line)
	}
	if cut >= 1 && cut <= n && isFinite(cum[cut-1].Y) {
		y := cum[cut-1].Y
		v, _ := plotter.NewLine(plotter.XYs{{X: float64(cut), Y: 0}, {X: float64(cut), Y: y}})
		v.Color, v.Width, v.Dashes = Palette[6], vg.Points(1.2), []vg.Length{vg.Points(5), vg.Points(3)}
		pt, _ := plotter.NewScatter(plotter.XYs{{X: float64(cut), Y: y}})
		pt.GlyphStyle = draw.GlyphStyle{Color: Palette[6], Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
		unit := "components capture"
		if cut == 1 {
			unit = "component captures"
		}
		note := &textBox{x: float64(cut), y: y, dx: vg.Points(8), dy: -vg.Points(8),
			text: fmt.Sprintf("%d %s %.1f %%", cut, unit, 100*y), sty: textStyle(LabelSize, draw.XLeft, draw.YTop)}
		if float64(cut) > 0.6*float64(n) { // no room on the right: above left, clear of the curve
			note.dx, note.dy, note.sty.XAlign, note.sty.YAlign = -note.dx, -note.dy, draw.XRight, draw.YBottom
		}
		p.Add(v, pt, note)
	}
	return p
}
