package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CellColor is the colour of a confusion-matrix cell holding the given
// share of its row (0..1): white through Tol's blue.
func CellColor(frac float64) color.NRGBA {
	frac = max(0, min(1, frac))
	lerp := func(a, b uint8) uint8 { return uint8(float64(a) + (float64(b)-float64(a))*frac + 0.5) }
	return color.NRGBA{lerp(0xff, 0x1f), lerp(0xff, 0x4e), lerp(0xff, 0x9a), 0xff}
}

// ConfusionMatrix draws counts[t][p] (true class t, predicted p) as a heat
// map coloured by the square root of the share of each row, every cell
// annotated with its count; the axes name the classes with their totals
// (true on the left, predicted below).
func ConfusionMatrix(title string, classes []string, counts [][]int) (*plot.Plot, error) {
	return CountTable(title, classes, classes, counts, "true class (total)", "predicted class (total)")
}

// CountTable draws any table of counts (rows × columns, e.g. clusters ×
// classes) like ConfusionMatrix, rows top to bottom.
func CountTable(title string, rows, cols []string, counts [][]int, yLabel, xLabel string) (*plot.Plot, error) {
	if len(counts) != len(rows) {
		return nil, fmt.Errorf("a table of %d rows for %d row names", len(counts), len(rows))
	}
	rowTot := make([]int, len(rows))
	colTot := make([]int, len(cols))
	for t, row := range counts {
		if len(row) != len(cols) {
			return nil, fmt.Errorf("table row %d has %d columns for %d column names", t, len(row), len(cols))
		}
		for p, v := range row {
			rowTot[t] += v
			colTot[p] += v
		}
	}
	p := New(title, xLabel, yLabel)
	p.Add(&confusionCells{counts: counts, rowTot: rowTot, cols: len(cols)})
	var xt, yt []plot.Tick
	for i, name := range cols {
		xt = append(xt, plot.Tick{Value: float64(i) + 0.5, Label: fmt.Sprintf("%s\n(%d)", name, colTot[i])})
	}
	n := len(rows)
	for i, name := range rows {
		yt = append(yt, plot.Tick{Value: float64(n-1-i) + 0.5, Label: fmt.Sprintf("%s (%d)", name, rowTot[i])})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Tick.Length, p.Y.Tick.Length = 0, 0
	p.X.LineStyle.Width, p.Y.LineStyle.Width = 0, 0
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(len(cols)), 0, float64(n)
	return p, nil
}

type confusionCells struct {
	counts [][]int
	rowTot []int
	cols   int
}

func (c *confusionCells) Plot(cv draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&cv)
	n := len(c.counts)
	for t, row := range c.counts {
		for q, v := range row {
			frac := 0.0
			if c.rowTot[t] > 0 {
				frac = float64(v) / float64(c.rowTot[t])
			}
			x0, x1 := trX(float64(q)), trX(float64(q+1))
			y0, y1 := trY(float64(n-1-t)), trY(float64(n-t))
			rect := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
			cv.FillPolygon(CellColor(math.Sqrt(frac)), rect) // sqrt: small confusions stay visible
			sty := textStyle(9, draw.XCenter, draw.YCenter)
			if frac > 0.5 {
				sty.Color = color.White
			}
			cv.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, fmt.Sprint(v))
		}
	}
	// Grid lines between cells.
	ls := draw.LineStyle{Color: color.Gray{Y: 0xdd}, Width: vg.Points(0.5)}
	for i := 0; i <= c.cols; i++ {
		cv.StrokeLine2(ls, trX(float64(i)), trY(0), trX(float64(i)), trY(float64(n)))
	}
	for i := 0; i <= n; i++ {
		cv.StrokeLine2(ls, trX(0), trY(float64(i)), trX(float64(c.cols)), trY(float64(i)))
	}
}
