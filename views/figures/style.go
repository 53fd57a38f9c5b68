package figures

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// The app's figures use Liberation Sans, which gonum/plot embeds.
func init() {
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	plotter.DefaultFont = plot.DefaultFont
}

// Palette is Paul Tol's "muted" qualitative scheme, chosen to stay
// distinguishable for colour-blind readers; class i is drawn in
// Palette[i % len(Palette)].
var Palette = []color.NRGBA{
	{0x33, 0x22, 0x88, 0xff}, // indigo
	{0x88, 0xcc, 0xee, 0xff}, // cyan
	{0x44, 0xaa, 0x99, 0xff}, // teal
	{0x11, 0x77, 0x33, 0xff}, // green
	{0x99, 0x99, 0x33, 0xff}, // olive
	{0xdd, 0xcc, 0x77, 0xff}, // sand
	{0xcc, 0x66, 0x77, 0xff}, // rose
	{0x88, 0x22, 0x55, 0xff}, // wine
	{0xaa, 0x44, 0x99, 0xff}, // purple
	{0x77, 0x77, 0x77, 0xff}, // grey
}

// ClassColor returns the colour of class i.
func ClassColor(i int) color.NRGBA { return Palette[i%len(Palette)] }

// SplitColors colour the train, validation and test splits in bar charts.
var SplitColors = []color.NRGBA{
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0xe6, 0x9f, 0x00, 0xff}, // orange
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
}

// Default sizes of the fonts, large enough to read on screen and in print.
const (
	TitleSize = 14
	LabelSize = 12
	TickSize  = 10
)

// Empty reports whether p has nothing to draw: no plotter with a data
// range (lines, points, bars, heat maps…) was added, so its x range is
// still the empty one plot.New starts with (+Inf to −Inf).
func Empty(p *plot.Plot) bool {
	return p == nil || !(p.X.Min <= p.X.Max)
}

// New returns a plot with the app's fonts and the given title and axis labels.
func New(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(TitleSize)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(LabelSize)
		a.Tick.Label.Font.Size = vg.Points(TickSize)
	}
	p.Legend.TextStyle.Font.Size = vg.Points(LabelSize)
	return p
}
