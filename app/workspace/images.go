package workspace

import (
	"image"
	"math"

	"embedscope/ml/dataset"
)

// FeatureImage turns a row of scaled features back into an image.
func FeatureImage(ds *dataset.Dataset, sc *dataset.Scaler, row []float32) *image.Gray {
	raw := make([]float32, len(row))
	sc.Inverse(raw, row)
	img := image.NewGray(image.Rect(0, 0, ds.Width, ds.Height))
	for j, v := range raw {
		img.Pix[j] = uint8(math.Round(math.Max(0, math.Min(255, float64(v)))))
	}
	return img
}
