package dataset

import (
	"os"
	"testing"
)

// TestFullFashionMNISTHasNoExactDuplicates runs on the full Fashion-MNIST
// when Debian's dataset-fashion-mnist is installed.
//
// The issue that asked for this check quoted "43 within train, 1 within
// test, 10 shared"; byte-for-byte there are none, as this snippet confirms
// on the same files:
//
//	import gzip, numpy as np, collections
//	d = '/usr/share/datasets/fashion-mnist/'
//	load = lambda f: np.frombuffer(gzip.open(d + f).read(), np.uint8, offset=16).reshape(-1, 784)
//	tr, te = load('train-images-idx3-ubyte.gz'), load('t10k-images-idx3-ubyte.gz')
//	ctr = collections.Counter(bytes(x) for x in tr); cte = collections.Counter(bytes(x) for x in te)
//	print(len(ctr), len(cte), len(set(ctr) & set(cte)))   # 60000 10000 0
//
// The nearest pairs differ by a few grey levels; the Data panel's
// near-duplicate search finds those.
func TestFullFashionMNISTHasNoExactDuplicates(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("full Fashion-MNIST not installed")
	}
	ds, err := LoadIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := ds.FindDuplicates()
	if d.WithinTrain != 0 || d.WithinTest != 0 || d.Between != 0 || len(d.Groups) != 0 {
		t.Errorf("got %+v, want no exact duplicates", d)
	}
}
