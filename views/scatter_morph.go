package views

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"embedscope/views/figures"
)

// Animation support of a Scatter: points moved without resetting the
// view (the frames of a morph) and trails, lines in the plane drawn over
// the points (where the selected items came from).

// Trail is a polyline in the plane of a scatter.
type Trail struct {
	X, Y []float32
}

// SetPositions moves the points to new coordinates, keeping the view,
// colours, hidden classes, selection and rings: a frame of an animation.
// The extent Reset view shows grows to take the new positions in. It
// refuses a different number of points.
func (s *Scatter) SetPositions(x, y []float32) error {
	n := s.data.Len()
	if len(x) != n || len(y) != n {
		return fmt.Errorf("scatter: %d and %d positions for %d points", len(x), len(y), n)
	}
	d := s.data // a new Projection: frames being drawn keep the old slices
	d.X, d.Y = append([]float32(nil), x...), append([]float32(nil), y...)
	s.data = d
	s.sel2.truth.X, s.sel2.truth.Y = d.X, d.Y
	s.full = unionRect(s.full, figures.Bounds(d))
	if s.hover >= 0 {
		s.setHover(-1)
	}
	s.requestRender()
	return nil
}

// SetTrails draws the given trails over the points (nil clears them).
func (s *Scatter) SetTrails(trails []Trail) {
	s.trails = append([]Trail(nil), trails...)
	s.requestRender()
}

// Trails returns the trails drawn.
func (s *Scatter) Trails() []Trail { return append([]Trail(nil), s.trails...) }

func unionRect(a, b figures.Rect) figures.Rect {
	if !a.Valid() {
		return b
	}
	if !b.Valid() {
		return a
	}
	return figures.Rect{XMin: min(a.XMin, b.XMin), XMax: max(a.XMax, b.XMax), YMin: min(a.YMin, b.YMin), YMax: max(a.YMax, b.YMax)}
}

// drawTrails draws each trail as a dark line that fades towards its
// start; at maps plane coordinates to pixels and k is the pixel scale.
func drawTrails(img *image.RGBA, trails []Trail, at func(x, y float64) (float64, float64), k float64) {
	r := 0.7 * k
	for _, tr := range trails {
		n := min(len(tr.X), len(tr.Y))
		for j := 1; j < n; j++ {
			x0, y0 := at(float64(tr.X[j-1]), float64(tr.Y[j-1]))
			x1, y1 := at(float64(tr.X[j]), float64(tr.Y[j]))
			steps := int(math.Ceil(math.Hypot(x1-x0, y1-y0) / r))
			if steps > 4000 || math.IsNaN(x0+y0+x1+y1) {
				continue // off the image: not worth drawing
			}
			for q := 0; q <= steps; q++ {
				t := float64(q) / float64(max(steps, 1))
				a := uint8(40 + 120*(float64(j-1)+t)/float64(n-1))
				figures.DrawCircle(img, x0+t*(x1-x0), y0+t*(y1-y0), r, 0, color.NRGBA{0x20, 0x20, 0x20, a})
			}
		}
	}
}
