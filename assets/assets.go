// Package assets embeds the default data set and the application icon, so
// the app runs with no download.
//
// The default data set is the official Fashion-MNIST test set (10,000
// images, t10k-*-ubyte.gz, © Zalando SE, MIT licence; see README.md).
package assets

import (
	"bytes"
	_ "embed"
	"io"
)

//go:embed t10k-images-idx3-ubyte.gz
var fashionImages []byte

//go:embed t10k-labels-idx1-ubyte.gz
var fashionLabels []byte

//go:embed icon.png
var icon []byte

// FashionMNISTTest returns readers over the embedded Fashion-MNIST test set
// (gzip-compressed IDX files).
func FashionMNISTTest() (images, labels io.Reader) {
	return bytes.NewReader(fashionImages), bytes.NewReader(fashionLabels)
}

// Icon returns the application icon as PNG bytes.
func Icon() []byte { return icon }
