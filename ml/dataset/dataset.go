// Package dataset reads labelled data sets (IDX, CSV, folders of images),
// splits them into train / validation / test, and scales their features.
//
// Rows are kept as they were read: uint8 pixels for images, float32 values
// for numeric tables. Features for the algorithms are produced on demand by a
// Scaler as a dense float32 matrix, so the raw data is stored once.
package dataset

import (
	"fmt"
	"image"
	"math"
)

// Part is one block of labelled rows as read from a source, e.g. the
// training file or the test file. Exactly one of Pixels and Values is set.
type Part struct {
	N      int       // number of rows
	Dim    int       // features per row
	Pixels []uint8   // N*Dim, row-major, for image data (0..255)
	Values []float32 // N*Dim, row-major, for numeric tables
	Labels []int     // N class indices in [0, number of classes)
}

// Value returns feature j of row i as float32.
func (p *Part) Value(i, j int) float32 {
	if p.Pixels != nil {
		return float32(p.Pixels[i*p.Dim+j])
	}
	return p.Values[i*p.Dim+j]
}

// RowPixels returns row i of an image part (nil for numeric tables).
func (p *Part) RowPixels(i int) []uint8 {
	if p.Pixels == nil {
		return nil
	}
	return p.Pixels[i*p.Dim : (i+1)*p.Dim]
}

// Dataset is a labelled data set: a training part, an optional test part,
// class names, and, for images, their size and channels.
//
// An image row holds Height·Width·Channels bytes, interleaved row by row
// (HWC, as image.RGBA without alpha and as the networks' NHWC tensors):
// byte (y·Width + x)·Channels + c is channel c (red, green, blue) of the
// pixel in row y, column x. Feature j is therefore pixel j/Channels,
// channel j%Channels, and a per-feature scaling is per pixel and channel.
type Dataset struct {
	Name    string   // human name, e.g. "Fashion-MNIST"
	Source  string   // where it came from: a path, or "embedded"
	Classes []string // class names, indexed by label
	Width   int      // image width in pixels; 0 for numeric tables
	Height  int      // image height in pixels; 0 for numeric tables
	// Channels is 1 for greyscale images and 3 for RGB; 0 is read as 1
	// (see NumChannels), so greyscale data sets made without it work.
	Channels     int
	Dim          int      // features per row
	FeatureNames []string // column names for numeric tables; nil for images
	Train        Part     // the training rows as read (validation is split from these)
	Test         Part     // the test rows; N == 0 when the source has none
	Warnings     []string // non-fatal problems met while reading (skipped files, ...)
	// Options are the options LoadWith read the data with, so that it can
	// be read again alike (e.g. when a session is opened).
	Options LoadOptions
}

// IsImage reports whether rows are Width×Height images (greyscale or
// RGB, see NumChannels).
func (d *Dataset) IsImage() bool { return d.Width > 0 && d.Height > 0 && d.Train.Pixels != nil }

// NumChannels returns the channels of each pixel of an image data set: 3
// for RGB, else 1 (greyscale, and numeric tables).
func (d *Dataset) NumChannels() int {
	if d.Channels == 3 {
		return 3
	}
	return 1
}

// HasTest reports whether the source came with its own test rows.
func (d *Dataset) HasTest() bool { return d.Test.N > 0 }

// Image returns row i of part p as an image: an *image.Gray sharing the
// row's pixels for greyscale data, an opaque *image.NRGBA (a copy) for
// RGB. It panics for numeric tables.
func (d *Dataset) Image(p *Part, i int) image.Image {
	if !d.IsImage() {
		panic("dataset: Image called on a data set that holds no images")
	}
	return PixelImage(p.RowPixels(i), d.Width, d.Height, d.NumChannels())
}

// PixelImage returns the w×h image of pix, laid out as a Dataset's rows
// with c channels (1 or 3; see Dataset): an *image.Gray sharing pix for
// c = 1, an opaque *image.NRGBA copy for c = 3. It panics when pix does not
// hold w·h·c bytes or c is neither.
func PixelImage(pix []uint8, w, h, c int) image.Image {
	if len(pix) != w*h*c || c != 1 && c != 3 {
		panic(fmt.Sprintf("dataset: PixelImage of %d bytes as %d×%d×%d", len(pix), w, h, c))
	}
	if c == 1 {
		return &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for j, k := 0, 0; j < len(pix); j, k = j+3, k+4 {
		img.Pix[k], img.Pix[k+1], img.Pix[k+2], img.Pix[k+3] = pix[j], pix[j+1], pix[j+2], 255
	}
	return img
}

// ClassCounts returns the number of rows of each class in p.
func (d *Dataset) ClassCounts(p *Part) []int {
	c := make([]int, len(d.Classes))
	for _, l := range p.Labels {
		c[l]++
	}
	return c
}

// Validate checks the internal consistency of d: sizes agree, labels are
// in range, and numeric values are finite. Loaders call it before returning.
func (d *Dataset) Validate() error {
	if len(d.Classes) == 0 {
		return fmt.Errorf("data set %q has no classes", d.Name)
	}
	if d.Dim <= 0 {
		return fmt.Errorf("data set %q has no features", d.Name)
	}
	if d.Train.N == 0 {
		return fmt.Errorf("data set %q has no training rows", d.Name)
	}
	if d.Channels != 0 && d.Channels != 1 && d.Channels != 3 {
		return fmt.Errorf("data set %q: images of %d channels: only greyscale (1) and RGB (3) are supported", d.Name, d.Channels)
	}
	if d.Width*d.Height != 0 && d.Width*d.Height*d.NumChannels() != d.Dim {
		return fmt.Errorf("data set %q: images of %d×%d pixels and %d channels do not match %d features", d.Name, d.Width, d.Height, d.NumChannels(), d.Dim)
	}
	for _, pp := range []struct {
		name string
		p    *Part
	}{{"training", &d.Train}, {"test", &d.Test}} {
		p := pp.p
		if p.N == 0 {
			continue
		}
		if p.Dim != d.Dim {
			return fmt.Errorf("%s rows have %d features, expected %d", pp.name, p.Dim, d.Dim)
		}
		if len(p.Labels) != p.N {
			return fmt.Errorf("%s part has %d labels for %d rows", pp.name, len(p.Labels), p.N)
		}
		switch {
		case p.Pixels != nil && len(p.Pixels) != p.N*p.Dim:
			return fmt.Errorf("%s part holds %d pixels, expected %d×%d", pp.name, len(p.Pixels), p.N, p.Dim)
		case p.Values != nil && len(p.Values) != p.N*p.Dim:
			return fmt.Errorf("%s part holds %d values, expected %d×%d", pp.name, len(p.Values), p.N, p.Dim)
		case p.Pixels == nil && p.Values == nil:
			return fmt.Errorf("%s part has no data", pp.name)
		}
		for i, v := range p.Values {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("%s row %d, feature %d is %v: remove or impute it", pp.name, i/p.Dim, i%p.Dim, v)
			}
		}
		for i, l := range p.Labels {
			if l < 0 || l >= len(d.Classes) {
				return fmt.Errorf("%s row %d has label %d, outside 0..%d", pp.name, i, l, len(d.Classes)-1)
			}
		}
	}
	return nil
}
