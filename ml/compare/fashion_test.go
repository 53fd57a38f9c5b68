package compare

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/assets"
	"embedscope/ml/dataset"
	"embedscope/ml/knn"
	"embedscope/ml/pca"
)

var embedded struct {
	once   sync.Once
	pixels blas32.General // the first 2,000 embedded test images / 255
	pca    blas32.General // their PCA-32 (ml/pca fitted on them)
	labels []int
	err    error
}

// first2000 returns the first 2,000 images of the embedded Fashion-MNIST
// test set as float32 pixels / 255, their PCA-32 projection (ml/pca,
// fitted on the same 2,000 images) and their classes.
func first2000(t testing.TB) (A, B blas32.General, labels []int) {
	t.Helper()
	embedded.once.Do(func() {
		img, lab := assets.FashionMNISTTest()
		ds, err := dataset.LoadIDX("embedded", "embedded", img, lab, nil, nil)
		if err != nil {
			embedded.err = err
			return
		}
		const n = 2000
		A := blas32.General{Rows: n, Cols: ds.Dim, Stride: ds.Dim, Data: make([]float32, n*ds.Dim)}
		for i := range A.Data {
			A.Data[i] = float32(ds.Train.Pixels[i]) / 255
		}
		m, err := pca.PCA{Components: 32}.Fit(context.Background(), A)
		if err != nil {
			embedded.err = err
			return
		}
		embedded.pixels, embedded.pca = A, m.Transform(A, blas32.General{})
		embedded.labels = ds.Train.Labels[:n]
	})
	if embedded.err != nil {
		t.Fatal(embedded.err)
	}
	return embedded.pixels, embedded.pca, embedded.labels
}

// TestWriteReferenceInput writes the PCA-32 matrix B of first2000 as raw
// little-endian float32 (2000×32) to $COMPARE_WRITE_B, for the Python
// that produced the expected values of the tests below.
func TestWriteReferenceInput(t *testing.T) {
	path := os.Getenv("COMPARE_WRITE_B")
	if path == "" {
		t.Skip("set COMPARE_WRITE_B=FILE to write the PCA-32 matrix for the reference script")
	}
	_, B, _ := first2000(t)
	buf := make([]byte, 0, 4*len(B.Data))
	for _, v := range B.Data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The expected values below come from scikit-learn 1.2.1 (numpy 1.24.2) on
// the same 2,000 images and the same PCA-32 matrix (written by
// TestWriteReferenceInput; sklearn's own PCA(32, svd_solver="full") gives
// the same means: the PCA solvers differ by 5e-7, while the smallest
// relative gap between the k-th and (k+1)-th neighbour distance of any item
// is 5e-6 in A and 9e-6 in B, so no neighbourhood depends on the rounding):
//
//	import gzip, numpy as np
//	from sklearn.neighbors import NearestNeighbors
//	from sklearn.manifold import trustworthiness
//	with gzip.open("assets/t10k-images-idx3-ubyte.gz") as f:
//	    X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:2000]
//	with gzip.open("assets/t10k-labels-idx1-ubyte.gz") as f:
//	    y = np.frombuffer(f.read(), np.uint8, offset=8)[:2000]
//	A = (X.astype(np.float32) / np.float32(255)).astype(np.float64)
//	B = np.fromfile("/tmp/pca32.f32", "<f4").reshape(2000, 32).astype(np.float64)
//	def sets(Z, k, metric):
//	    return NearestNeighbors(n_neighbors=k, metric=metric).fit(Z).kneighbors(return_distance=False)
//	def agreement(a, b):
//	    return np.array([len(set(p) & set(q)) / len(set(p) | set(q)) for p, q in zip(a, b)])
//	for metric in ("euclidean", "cosine"):
//	    for k in (5, 10):
//	        j = agreement(sets(A, k, metric), sets(B, k, metric))
//	        print(metric, k, repr(j.mean()), [repr(j[y == c].mean()) for c in range(10)])
//	print([trustworthiness(A, B, n_neighbors=k) for k in (5, 10)],
//	      [trustworthiness(B, A, n_neighbors=k) for k in (5, 10)])
//
// sklearn's trustworthiness(metric="cosine") ranks by cosine distance in
// the reference but takes the embedded space's neighbours by Euclidean
// distance; the cosine values are from its code (sklearn/manifold/_t_sne.py)
// with cosine neighbours on both sides:
//
//	from sklearn.metrics import pairwise_distances
//	def trust(X, Y, k, metric):
//	    n = X.shape[0]
//	    d = pairwise_distances(X, metric=metric)
//	    np.fill_diagonal(d, np.inf)
//	    ind_X = np.argsort(d, axis=1)
//	    ind_Y = NearestNeighbors(n_neighbors=k, metric=metric).fit(Y).kneighbors(return_distance=False)
//	    inverted = np.zeros((n, n), dtype=int)
//	    ordinal = np.arange(n + 1)
//	    inverted[ordinal[:-1, None], ind_X] = ordinal[1:]
//	    ranks = inverted[ordinal[:-1, None], ind_Y] - k
//	    return 1.0 - np.sum(ranks[ranks > 0]) * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)))
//	print([trust(A, B, k, "cosine") for k in (5, 10)], [trust(B, A, k, "cosine") for k in (5, 10)])
var sklearnAgreement = []struct {
	metric   knn.Metric
	k        int
	mean     float64
	perClass [10]float64
}{
	{knn.Euclidean, 5, 0.5196388888888889, [10]float64{0.5530555555555555, 0.5046915317851279, 0.5782339415516986, 0.5371553884711778, 0.56666304269044, 0.3762922262922263, 0.5548303923938441, 0.4081547619047619, 0.5709785632466046, 0.5384793988517393}},
	{knn.Euclidean, 10, 0.5676643466612507, [10]float64{0.5886296056884293, 0.5826532526039915, 0.6011853274085269, 0.5930904750564194, 0.6161045955566504, 0.4361061512645223, 0.5688642893621598, 0.4914084341870719, 0.5960397243750792, 0.5959364217342942}},
	{knn.Cosine, 5, 0.34151190476190474, [10]float64{0.3335912698412698, 0.34756431308155444, 0.3717363892597538, 0.3703634085213033, 0.4198376458650432, 0.19334554334554332, 0.299089517363629, 0.2881944444444444, 0.3772295859924726, 0.4065982776089158}},
	{knn.Cosine, 10, 0.3831424555406754, [10]float64{0.34910270500053786, 0.39888724644478124, 0.39862289341109397, 0.4130715807104922, 0.45954337157314384, 0.2093309709527857, 0.3253292337936615, 0.3304707882416861, 0.4507604042569412, 0.4926079079049897}},
}

func TestAgreementSklearn(t *testing.T) {
	A, B, labels := first2000(t)
	ctx := context.Background()
	for _, metric := range []knn.Metric{knn.Euclidean, knn.Cosine} {
		na, err := Neighbours(ctx, A, 10, metric, nil)
		if err != nil {
			t.Fatal(err)
		}
		nb, err := Neighbours(ctx, B, 10, metric, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range sklearnAgreement {
			if want.metric != metric {
				continue
			}
			// k = 5 from the first 5 of the k = 10 neighbourhoods.
			agr, err := Agreement(na, nb, want.k, nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Summarise(agr, want.k, labels, 10)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s.Mean-want.mean) > 1e-13 {
				t.Errorf("%v, k = %d: mean agreement %.16g, sklearn %.16g", metric, want.k, s.Mean, want.mean)
			}
			for c, w := range want.perClass {
				if math.Abs(s.Classes[c].Mean-w) > 1e-13 {
					t.Errorf("%v, k = %d, class %d: mean agreement %.16g, sklearn %.16g", metric, want.k, c, s.Classes[c].Mean, w)
				}
			}
		}
	}
}

func TestTrustworthinessSklearn(t *testing.T) {
	A, B, _ := first2000(t)
	ctx := context.Background()
	for _, c := range []struct {
		metric      knn.Metric
		trust, cont [2]float64
	}{
		{knn.Euclidean, [2]float64{0.9980019578313253, 0.9976237843285463}, [2]float64{0.9990392570281125, 0.9988624590576971}},
		{knn.Cosine, [2]float64{0.9762036646586345, 0.9712218442932729}, [2]float64{0.9541533634538153, 0.9488397833207357}},
	} {
		na, err := Neighbours(ctx, A, 10, c.metric, nil)
		if err != nil {
			t.Fatal(err)
		}
		nb, err := Neighbours(ctx, B, 10, c.metric, nil)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Trustworthiness(ctx, A, nb, []int{5, 10}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		co, err := Continuity(ctx, B, na, []int{5, 10}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range []int{5, 10} {
			if tr[i].K != k || tr[i].Items != 2000 || tr[i].StdErr != 0 || math.Abs(tr[i].Value-c.trust[i]) > 1e-13 {
				t.Errorf("%v: trustworthiness %+v, sklearn %.16g at k = %d", c.metric, tr[i], c.trust[i], k)
			}
			if math.Abs(co[i].Value-c.cont[i]) > 1e-13 {
				t.Errorf("%v: continuity %+v, sklearn %.16g at k = %d", c.metric, co[i], c.cont[i], k)
			}
		}
	}
}
