package cli

import (
	"fmt"
	"io"
	"time"

	"embedscope/ml/dataset"
)

func init() {
	register(command{Name: "make-cifar", Summary: "write a synthetic CIFAR-10-format data set of coloured shapes (for benchmarks and tests)", Run: runMakeCIFAR})
}

// MakeCIFARResult is what `embedscope make-cifar --json` prints.
type MakeCIFARResult struct {
	Dir     string   `json:"dir"`
	Train   int      `json:"train"`
	Test    int      `json:"test"`
	Classes []string `json:"classes"`
	Seconds float64  `json:"seconds"`
}

func runMakeCIFAR(c *Context, args []string) error {
	fs := newFlagSet(c, "make-cifar", "make-cifar --out DIR [--train 50000] [--test 10000] [--seed 1] [--json]")
	out := fs.String("out", "", "folder to write data_batch_1.bin … data_batch_5.bin, test_batch.bin and batches.meta.txt into (created if needed)")
	train := fs.Int("train", 50_000, "training images (CIFAR-10 has 50,000)")
	test := fs.Int("test", 10_000, "test images (CIFAR-10 has 10,000)")
	seed := fs.Uint64("seed", 1, "seed of the images")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parse(c, fs, args); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(c.Stderr, "make-cifar: --out DIR is needed")
		fs.Usage()
		return errUsage
	}
	c.JSON = *asJSON
	start := time.Now()
	if err := dataset.WriteSyntheticCIFAR(c.Ctx, *out, *train, *test, *seed); err != nil {
		return err
	}
	res := MakeCIFARResult{Dir: *out, Train: *train, Test: *test, Classes: dataset.SyntheticClasses, Seconds: time.Since(start).Seconds()}
	return c.emit(res, func(w io.Writer) {
		fmt.Fprintf(w, "wrote %d training and %d test images of 32×32×3 (%d classes of coloured shapes) to %s in %.1f s\n", res.Train, res.Test, len(res.Classes), res.Dir, res.Seconds)
	})
}
