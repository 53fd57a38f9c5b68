package umap

import (
	"fmt"
	"math"
)

// FindAB returns the parameters a, b of the curve 1/(1 + a·d^(2b)) that UMAP
// uses for the similarity of two points at distance d in the map, fitted as
// umap-learn's find_ab_params(spread, min_dist) fits them: by least squares
// on 300 evenly spaced distances from 0 to 3·spread against the target
// 1 for d < minDist and exp(−(d − minDist)/spread) beyond. scipy's
// curve_fit (Levenberg–Marquardt from a = b = 1) is replaced by
// Levenberg–Marquardt with the exact Jacobian, run until the step is below
// 1e-13 relative, so the fit is at least as tight as scipy's (which stops
// at 1.5e-8): the two agree to about 1e-6.
//
// It returns an error unless spread > 0 and 0 ≤ minDist ≤ spread (umap-learn's
// condition).
func FindAB(spread, minDist float64) (a, b float64, err error) {
	switch {
	case !(spread > 0) || math.IsInf(spread, 0):
		return 0, 0, fmt.Errorf("umap: spread %v must be a positive number", spread)
	case !(minDist >= 0) || minDist > spread:
		return 0, 0, fmt.Errorf("umap: min_dist %v must be between 0 and the spread %v", minDist, spread)
	}
	x, y := abTarget(spread, minDist)
	// cost returns the sum of squared residuals at (a, b).
	cost := func(a, b float64) float64 {
		s := 0.0
		for i, xi := range x {
			r := 1/(1+a*math.Pow(xi, 2*b)) - y[i]
			s += r * r
		}
		return s
	}
	a, b = 1, 1
	lambda := 1e-3
	c := cost(a, b)
	for iter := 0; iter < 500; iter++ {
		var jaa, jab, jbb, ga, gb float64
		for i, xi := range x {
			if xi == 0 {
				continue // f(0) = 1 whatever a and b: no gradient
			}
			p := math.Pow(xi, 2*b)
			den := 1 + a*p
			f := 1 / den
			r := f - y[i]
			da := -p / (den * den)
			db := -a * p * 2 * math.Log(xi) / (den * den)
			jaa += da * da
			jab += da * db
			jbb += db * db
			ga += da * r
			gb += db * r
		}
		improved := false
		for try := 0; try < 60; try++ {
			// Solve (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr.
			m11, m22 := jaa*(1+lambda), jbb*(1+lambda)
			det := m11*m22 - jab*jab
			if det == 0 || math.IsNaN(det) {
				lambda *= 10
				continue
			}
			da := (-ga*m22 + gb*jab) / det
			db := (-gb*m11 + ga*jab) / det
			na, nb := a+da, b+db
			if nc := cost(na, nb); nc <= c && !math.IsNaN(nc) {
				small := math.Abs(da) <= 1e-13*math.Abs(na) && math.Abs(db) <= 1e-13*math.Abs(nb)
				a, b, c = na, nb, nc
				lambda = max(lambda/10, 1e-15)
				improved = true
				if small {
					return a, b, nil
				}
				break
			}
			lambda *= 10
		}
		if !improved {
			break // no step lowers the cost: converged to rounding
		}
	}
	if !(a > 0 && b > 0) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return 0, 0, fmt.Errorf("umap: the curve fit for spread %v and min_dist %v failed (a = %v, b = %v)", spread, minDist, a, b)
	}
	return a, b, nil
}

// abTarget returns find_ab_params' 300 distances, numpy.linspace(0,
// 3·spread, 300), and the target similarity at each.
func abTarget(spread, minDist float64) (x, y []float64) {
	const m = 300
	x, y = make([]float64, m), make([]float64, m)
	step := 3 * spread / (m - 1)
	for i := range x {
		x[i] = float64(i) * step
		if i == m-1 {
			x[i] = 3 * spread
		}
		if x[i] < minDist {
			y[i] = 1
		} else {
			y[i] = math.Exp(-(x[i] - minDist) / spread)
		}
	}
	return x, y
}
