package workspace

import (
	"image"
	"math"

	"embedscope/ml/dataset"
)

// FeatureImage turns a row of scaled features back into an image of the
// data set's size and channels (see dataset.PixelImage): an *image.Gray
// for greyscale data, an *image.NRGBA for RGB.
func FeatureImage(ds *dataset.Dataset, sc *dataset.Scaler, row []float32) image.Image {
	raw := make([]float32, len(row))
	sc.Inverse(raw, row)
	pix := make([]uint8, len(raw))
	for j, v := range raw {
		pix[j] = uint8(math.Round(math.Max(0, math.Min(255, float64(v)))))
	}
	return dataset.PixelImage(pix, ds.Width, ds.Height, ds.NumChannels())
}
