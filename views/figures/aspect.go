package figures

import (
	"runtime"
	"sync"
	"weak"

	"gonum.org/v1/plot"
)

// aspects holds the preferred width:height ratio of figures that look
// right only at their own shape (grids of images), by weak pointer: an
// entry goes when its figure does.
var aspects sync.Map // weak.Pointer[plot.Plot] → float64

// SetAspect records that p is best drawn with width/height = aspect: a
// view larger than that shape draws it at that shape and leaves the
// margins empty, instead of pulling its tiles apart from their captions.
func SetAspect(p *plot.Plot, aspect float64) {
	if !(aspect > 0) {
		panic("figures: aspect must be positive")
	}
	key := weak.Make(p)
	aspects.Store(key, aspect)
	runtime.AddCleanup(p, func(k weak.Pointer[plot.Plot]) { aspects.Delete(k) }, key)
}

// Aspect returns p's preferred width/height, and whether it has one.
func Aspect(p *plot.Plot) (float64, bool) {
	a, ok := aspects.Load(weak.Make(p))
	if !ok {
		return 0, false
	}
	return a.(float64), true
}

// compacts holds the figures that stay readable when laid out smaller
// than the usual least size (a few lines over a few ticks, such as the
// per-epoch curves), by weak pointer.
var compacts sync.Map // weak.Pointer[plot.Plot] → struct{}

// SetCompact records that p may be laid out in a smaller area than other
// figures before it is drawn larger and scaled down, so that its text
// stays larger in a small view.
func SetCompact(p *plot.Plot) {
	key := weak.Make(p)
	compacts.Store(key, struct{}{})
	runtime.AddCleanup(p, func(k weak.Pointer[plot.Plot]) { compacts.Delete(k) }, key)
}

// Compact reports whether SetCompact was called for p.
func Compact(p *plot.Plot) bool {
	_, ok := compacts.Load(weak.Make(p))
	return ok
}
