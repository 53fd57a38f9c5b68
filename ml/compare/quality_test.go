package compare

import (
	"context"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/kmeans"
	"embedscope/ml/metrics"
)

// TestAssess scores the PCA-32 space of first2000 (1,500 training, 250
// validation and 250 test rows) against the pixels. kNN(5) accuracies
// from scikit-learn 1.2.1 on the same matrix B (see fashion_test.go):
//
//	knn = KNeighborsClassifier(5).fit(B[:1500], y[:1500])
//	print((knn.predict(B[1500:1750]) == y[1500:1750]).mean(), (knn.predict(B[1750:]) == y[1750:]).mean())
//
// gives 0.788 and 0.796; trustworthiness, continuity and the agreement
// are the sklearn values of TestTrustworthinessSklearn and
// TestAgreementSklearn.
func TestAssess(t *testing.T) {
	A, B, labels := first2000(t)
	ctx := context.Background()
	in := QualityInput{X: B, Pixels: A, Train: 1500, Val: 250, Test: 250, Labels: labels, Classes: 10}
	q, err := Assess(ctx, in, QualityOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-13 {
			t.Errorf("%s %.16g, want %.16g", name, got, want)
		}
	}
	near("kNN(5) validation", q.KNNValidation, 0.788)
	near("kNN(5) test", q.KNNTest, 0.796)
	near("trustworthiness(5)", q.Trust[0].Value, 0.9980019578313253)
	near("trustworthiness(10)", q.Trust[1].Value, 0.9976237843285463)
	near("continuity(5)", q.Continuity[0].Value, 0.9990392570281125)
	near("continuity(10)", q.Continuity[1].Value, 0.9988624590576971)
	near("agreement", q.Agreement, 0.5676643466612507)
	if q.Items != 2000 || q.Trust[0].Items != 2000 || q.Continuity[1].K != 10 {
		t.Errorf("items %d, trust over %d, continuity k %d", q.Items, q.Trust[0].Items, q.Continuity[1].K)
	}
	// k-means as the Clusters panel runs it, on the training rows.
	km, err := kmeans.KMeans{K: 10, NInit: 3}.Fit(ctx, blas32.General{Rows: 1500, Cols: 32, Stride: 32, Data: B.Data[:1500*32]})
	if err != nil {
		t.Fatal(err)
	}
	pm, pw := metrics.Purity(km.Labels, labels[:1500])
	near("purity (mean)", q.PurityMean, pm)
	near("purity", q.Purity, pw)
	near("NMI", q.NMI, metrics.NMI(km.Labels, labels[:1500]))
	if q.Purity < 0.5 || q.NMI < 0.4 {
		t.Errorf("k-means purity %v, NMI %v: implausibly low for PCA-32 of Fashion-MNIST", q.Purity, q.NMI)
	}

	// Sampled trustworthiness above Exact items; a split without rows.
	in.Val, in.Test = 0, 500
	q, err = Assess(ctx, in, QualityOptions{Exact: 1000, Sample: 400, Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(q.KNNValidation) || q.Trust[0].Items != 400 || !(q.Trust[0].StdErr > 0) || math.Abs(q.Trust[0].Value-0.998) > 0.002 {
		t.Errorf("sampled: kNN validation %v, trust %+v", q.KNNValidation, q.Trust[0])
	}
	in.Train = 1000
	if _, err := Assess(ctx, in, QualityOptions{}, nil); err == nil || !strings.Contains(err.Error(), "1000+0+500 split rows, 2000 rows") {
		t.Errorf("split sizes that do not add up: %v", err)
	}
	// Too few training rows, or too few items, each on its own.
	for _, c := range []struct{ train, test int }{{4, 1996}, {0, 2000}} {
		in.Train, in.Test = c.train, c.test
		if _, err := Assess(ctx, in, QualityOptions{}, nil); err == nil || !strings.Contains(err.Error(), "at least 5 training rows") {
			t.Errorf("%d training rows: %v", c.train, err)
		}
	}
	small := QualityInput{X: firstRows(B, 20), Pixels: firstRows(A, 20), Train: 20, Labels: labels[:20], Classes: 10}
	if _, err := Assess(ctx, small, QualityOptions{}, nil); err == nil || !strings.Contains(err.Error(), "21 items (have 20 and 20)") {
		t.Errorf("20 items: %v", err)
	}
	// Every row a training row (no validation or test split): the k-means
	// runs on all of them.
	all := QualityInput{X: firstRows(B, 300), Pixels: firstRows(A, 300), Train: 300, Labels: labels[:300], Classes: 10}
	q, err = Assess(ctx, all, QualityOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	km, err = kmeans.KMeans{K: 10, NInit: 3}.Fit(ctx, firstRows(B, 300))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(q.KNNValidation) || !math.IsNaN(q.KNNTest) || q.NMI != metrics.NMI(km.Labels, labels[:300]) {
		t.Errorf("all rows training: kNN %v / %v, NMI %v (k-means on the 300 rows: %v)", q.KNNValidation, q.KNNTest, q.NMI, metrics.NMI(km.Labels, labels[:300]))
	}
}

// firstRows returns the first n rows of X, with no capacity beyond them
// (so that reading past the last row panics).
func firstRows(X blas32.General, n int) blas32.General {
	end := (n-1)*X.Stride + X.Cols
	return blas32.General{Rows: n, Cols: X.Cols, Stride: X.Stride, Data: X.Data[:end:end]}
}
