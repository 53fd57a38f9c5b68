// Package workspace holds what the app is working on: the open data set,
// its split and scaling, and the features derived from them. It knows
// nothing of the GUI, so the CLI and the tests use it as the panels do.
package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"embedscope/assets"
	"embedscope/ml/dataset"
)

// Embedded names the data set built into the binary.
const Embedded = "embedded"

// FashionMNISTDir is where Debian's dataset-fashion-mnist package puts the
// full Fashion-MNIST.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FullFashionMNISTAvailable reports whether the full Fashion-MNIST is
// installed at FashionMNISTDir.
func FullFashionMNISTAvailable() bool {
	_, err := os.Stat(filepath.Join(FashionMNISTDir, "train-images-idx3-ubyte.gz"))
	return err == nil
}

// Open loads a data set with the default options: see OpenWith.
func Open(ctx context.Context, source string, onProgress func(done, total int)) (*dataset.Dataset, error) {
	return OpenWith(ctx, source, dataset.LoadOptions{}, onProgress)
}

// OpenWith loads a data set: Embedded for the built-in Fashion-MNIST test
// set (10,000 images), or a path accepted by dataset.LoadWith (a folder of
// IDX files, CIFAR batches or class sub-folders of images, a CSV, TSV or
// NumPy file), read with opts.
func OpenWith(ctx context.Context, source string, opts dataset.LoadOptions, onProgress func(done, total int)) (*dataset.Dataset, error) {
	if source == "" || source == Embedded {
		images, labels := assets.FashionMNISTTest()
		ds, err := dataset.LoadIDX("Fashion-MNIST (embedded test set)", Embedded, images, labels, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("embedded data set: %w", err)
		}
		ds.Classes = append([]string(nil), dataset.FashionMNISTClasses...)
		return ds, nil
	}
	return dataset.LoadWith(ctx, source, opts, onProgress)
}
