package cli

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"embedscope/ml/dataset"
	"embedscope/ml/embed"
	"embedscope/views/figures"
)

// flagRange is the accepted range of a numeric flag.
type flagRange struct {
	what   string  // what the value is, for messages; %v stands for the value
	lo, hi float64 // bounds
	loOpen bool    // lo itself is refused
	hiOpen bool    // hi itself is refused
}

// contains reports whether v is in r (NaN never is).
func (r flagRange) contains(v float64) bool {
	return (v > r.lo || !r.loOpen && v == r.lo) && (v < r.hi || !r.hiOpen && v == r.hi)
}

// String describes r: "from 0 up to (not including) 1".
func (r flagRange) String() string {
	lo, hi := "from "+num(r.lo), " to "+num(r.hi)
	if r.loOpen {
		lo = "above " + num(r.lo)
	}
	if r.hiOpen {
		hi = " up to (not including) " + num(r.hi)
	}
	return lo + hi
}

// num writes a bound: whole numbers in full, from 10,000 on with thousands
// separated (16,777,216), others as the shortest float.
func num(v float64) string {
	if v != math.Trunc(v) || math.Abs(v) >= 1e15 || math.Abs(v) < 1e4 {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	s := strconv.FormatInt(int64(math.Abs(v)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if v < 0 {
		s = "-" + s
	}
	return s
}

// flagRanges are the accepted values of the numeric flags, by name; a
// command whose flag means something else uses "command.flag". A flag is
// checked only when it is given (defaults such as -1 or 0 mean "not set").
var flagRanges = map[string]flagRange{
	"val":               {what: "the validation fraction (the share of the training part held out)", lo: 0, hi: 1, hiOpen: true},
	"near":              {what: "the near-duplicate threshold (an RMS difference in grey levels)", lo: 0, hi: 255},
	"width":             {what: "the figure width in inches", lo: figures.MinInches, hi: figures.MaxInches},
	"height":            {what: "the figure height in inches", lo: figures.MinInches, hi: figures.MaxInches},
	"dpi":               {what: "the resolution in dots per inch", lo: figures.MinDPI, hi: figures.MaxDPI},
	"n-init":            {what: "the number of k-means restarts", lo: 1, hi: 1000},
	"dim":               {what: "the embedding (code) dimension %v", lo: 1, hi: embed.MaxDim},
	"epochs":            {what: "the number of epochs (%v epochs)", lo: 1, hi: embed.MaxEpochs},
	"batch":             {what: "the batch size", lo: 1, hi: embed.MaxBatch},
	"lr":                {what: "the learning rate", lo: 0, loOpen: true, hi: 10},
	"margin":            {what: "the contrastive margin", lo: 0, loOpen: true, hi: 1e6},
	"knn-eval":          {what: "the number of evaluation items", lo: 0, hi: dataset.MaxItems},
	"k":                 {what: "k", lo: 1, hi: dataset.MaxItems},
	"components":        {what: "the number of components", lo: 1, hi: dataset.MaxColumns},
	"iters":             {what: "the number of iterations", lo: 1, hi: 1e6},
	"gamma":             {what: "the L2 weight", lo: 0, hi: 1e12},
	"impute":            {what: "the share of entries hidden", lo: 0, hi: 1, hiOpen: true},
	"perplexity":        {what: "the perplexity", lo: 0, loOpen: true, hi: 1e4},
	"tsne-perplexity":   {what: "the perplexity", lo: 0, loOpen: true, hi: 1e4},
	"tsne-exaggeration": {what: "the exaggeration", lo: 0, hi: 1000},
	"n":                 {what: "the number of points", lo: 4, hi: dataset.MaxItems},
	"start":             {what: "the smallest training size", lo: 1, hi: dataset.MaxItems},
	"repeat":            {what: "the number of repeats", lo: 1, hi: 1000},
	"side":              {what: "the side of the images in pixels", lo: 1, hi: dataset.MaxImageSide},
	"make-cifar.train":  {what: "the number of training images", lo: 1, hi: dataset.MaxDataBytes / 3072},
	"make-cifar.test":   {what: "the number of test images", lo: 0, hi: dataset.MaxDataBytes / 3072},
}

// checkFlags checks the flags given to fs: every number finite and within
// its range of flagRanges, and an --out that names a file in a folder that
// exists (not a folder itself), so that a long computation does not end in
// a refused file. Errors name the flag, the value and what is accepted.
func checkFlags(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		g, ok := f.Value.(flag.Getter)
		if !ok {
			return
		}
		var v float64
		switch x := g.Get().(type) {
		case float64:
			v = x
		case int:
			v = float64(x)
		case int64:
			v = float64(x)
		case uint:
			v = float64(x)
		case uint64:
			v = float64(x)
		case string:
			if f.Name == "out" {
				err = checkOutPath(x)
			}
			return
		default:
			return
		}
		r, ok := flagRanges[fs.Name()+"."+f.Name]
		if !ok {
			r, ok = flagRanges[f.Name]
		}
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			err = fmt.Errorf("--%s %v: give a finite number", f.Name, f.Value)
		case ok && !r.contains(v):
			what := r.what
			if strings.Contains(what, "%v") {
				what = fmt.Sprintf(what, f.Value)
			}
			err = fmt.Errorf("--%s %v is out of range: %s must be %s", f.Name, f.Value, what, r)
		}
	})
	return err
}

// checkOutPath returns an error when path cannot be an output file: an
// existing folder, or a file in a folder that does not exist.
func checkOutPath(path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("--out %s is a folder: give the name of a file (in it or elsewhere)", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("--out %s: the folder %s does not exist: create it or choose another", path, dir)
	case !st.IsDir():
		return fmt.Errorf("--out %s: %s is not a folder", path, dir)
	}
	return nil
}
