package dataset

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/blas/blas32"
)

// Scaling is how raw feature values become the features the algorithms see.
type Scaling int

const (
	// ScaleNone uses the raw values (0..255 for images).
	ScaleNone Scaling = iota
	// ScaleDiv255 divides every value by 255 (the default for images).
	ScaleDiv255
	// ScalePixelStd divides by 255 and then each feature by its training
	// standard deviation plus 0.1, without centring: x/255/(std+0.1), as the
	// seed notebooks do.
	ScalePixelStd
	// ScaleStandardize centres each feature on its training mean and divides by
	// its training standard deviation (features with zero spread are only centred).
	ScaleStandardize
)

var scalingNames = []string{"none", "div255", "pixelstd", "standardize"}

// ScalingLabels are the human labels of the scalings, in order.
var ScalingLabels = []string{"none (raw values)", "/255", "per-feature x/(std+0.1)", "standardise (z-score)"}

// String returns the short name used on the command line.
func (s Scaling) String() string {
	if s < 0 || int(s) >= len(scalingNames) {
		return fmt.Sprintf("Scaling(%d)", int(s))
	}
	return scalingNames[s]
}

// Label returns the human label of s.
func (s Scaling) Label() string {
	if s < 0 || int(s) >= len(ScalingLabels) {
		return s.String()
	}
	return ScalingLabels[s]
}

// ParseScaling reads a scaling's short name (see String) or its label.
func ParseScaling(name string) (Scaling, error) {
	for i, n := range scalingNames {
		if strings.EqualFold(name, n) || name == ScalingLabels[i] {
			return Scaling(i), nil
		}
	}
	return 0, fmt.Errorf("unknown scaling %q: use one of %s", name, strings.Join(scalingNames, ", "))
}

// DefaultScaling is /255 for images and standardisation for numeric tables.
func DefaultScaling(d *Dataset) Scaling {
	if d.IsImage() {
		return ScaleDiv255
	}
	return ScaleStandardize
}

// Scaler maps raw values to features: f = (x − Offset[j]) · Factor[j].
// Fit it on the training split and apply it to every split.
type Scaler struct {
	Kind   Scaling
	Offset []float32
	Factor []float32
}

// FitScaler computes the scaling's statistics on the rows of s (in float64).
func FitScaler(kind Scaling, s Split) (*Scaler, error) {
	p := s.Part
	d := p.Dim
	sc := &Scaler{Kind: kind, Offset: make([]float32, d), Factor: make([]float32, d)}
	switch kind {
	case ScaleNone:
		for j := range sc.Factor {
			sc.Factor[j] = 1
		}
		return sc, nil
	case ScaleDiv255:
		for j := range sc.Factor {
			sc.Factor[j] = 1.0 / 255
		}
		return sc, nil
	case ScalePixelStd, ScaleStandardize:
	default:
		return nil, fmt.Errorf("unknown scaling %d", kind)
	}
	n := s.Len()
	if n == 0 {
		return nil, fmt.Errorf("cannot fit %s scaling on an empty %s split", kind, s.Name)
	}
	mean := make([]float64, d)
	m2 := make([]float64, d)
	for _, r := range s.Index {
		for j := 0; j < d; j++ {
			mean[j] += float64(p.Value(r, j))
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for _, r := range s.Index {
		for j := 0; j < d; j++ {
			dv := float64(p.Value(r, j)) - mean[j]
			m2[j] += dv * dv
		}
	}
	for j := 0; j < d; j++ {
		std := math.Sqrt(m2[j] / float64(n)) // population std, as numpy's default
		switch kind {
		case ScalePixelStd:
			// x/255/(std(x/255)+0.1) = x / (std(x) + 25.5)
			sc.Factor[j] = float32(1 / (std + 25.5))
		case ScaleStandardize:
			sc.Offset[j] = float32(mean[j])
			if std > 0 {
				sc.Factor[j] = float32(1 / std)
			} else {
				sc.Factor[j] = 1
			}
		}
	}
	return sc, nil
}

// Transform returns the scaled features of the rows of s as a dense
// row-major float32 matrix (one row per item of s, in order).
func (sc *Scaler) Transform(s Split) blas32.General {
	p := s.Part
	d := len(sc.Factor)
	if s.Len() > 0 && p.Dim != d {
		panic(fmt.Sprintf("dataset: scaler fitted on %d features applied to %d", d, p.Dim))
	}
	out := blas32.General{Rows: s.Len(), Cols: d, Stride: d, Data: make([]float32, s.Len()*d)}
	for i, r := range s.Index {
		row := out.Data[i*d : (i+1)*d]
		if p.Pixels != nil {
			src := p.Pixels[r*d : (r+1)*d]
			for j, v := range src {
				row[j] = (float32(v) - sc.Offset[j]) * sc.Factor[j]
			}
		} else {
			src := p.Values[r*d : (r+1)*d]
			for j, v := range src {
				row[j] = (v - sc.Offset[j]) * sc.Factor[j]
			}
		}
	}
	return out
}

// Inverse maps one row of features back to raw values (e.g. a PCA
// reconstruction back to 0..255 pixels), writing into dst.
func (sc *Scaler) Inverse(dst []float32, features []float32) {
	for j, f := range features {
		dst[j] = f/sc.Factor[j] + sc.Offset[j]
	}
}
