package cli

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/embed"
)

// The GUI's panels build the same request types and call the same service
// methods as these commands; each test runs a command and the service call
// a panel makes for the same request, on the same data, and finds the same
// numbers.

func parityService(t *testing.T) *service.Service {
	t.Helper()
	ws := workspace.New()
	ds, err := workspace.Open(context.Background(), workspace.Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func runJSON[T any](t *testing.T, args ...string) T {
	t.Helper()
	code, out, e := run(t, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, e)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var v T
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &v); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestParityPCAAndKNN(t *testing.T) {
	ctx := context.Background()
	svc := parityService(t)
	cli := runJSON[PCAResult](t, "pca", "--components", "12")
	p, err := svc.FitPCA(ctx, service.PCARequest{Components: 12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range p.Model.ExplainedVarianceRatio {
		if !near(cli.ExplainedVarianceRatio[i], r) {
			t.Fatalf("component %d: CLI %v, service %v", i, cli.ExplainedVarianceRatio[i], r)
		}
	}
	k := runJSON[KNNResult](t, "knn", "--space", "pca:12", "--k", "5")
	c, err := svc.Classify(ctx, service.ClassifyRequest{Space: p.Space.ID, K: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev, _ := c.Eval(); !near(k.Accuracy, ev.Accuracy) || k.EvalSplit != ev.Split {
		t.Errorf("kNN: CLI %v on %s, service (PCA panel) %v on %s", k.Accuracy, k.EvalSplit, ev.Accuracy, ev.Split)
	}
}

func TestParityKMeansGLRMAndTSNE(t *testing.T) {
	ctx := context.Background()
	svc := parityService(t)
	km := runJSON[KMeansResult](t, "kmeans", "--k", "10", "--n-init", "2", "--kseed", "3")
	cl, err := svc.Cluster(ctx, service.ClusterRequest{Space: "pixels", K: 10, NInit: 2, Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !near(km.Inertia, cl.Model.Inertia) || !near(km.NMI, cl.Quality.NMI) || !near(km.PurityWeighted, cl.Quality.PurityWeighted) {
		t.Errorf("k-means: CLI %+v, service %+v (inertia %v)", km, cl.Quality, cl.Model.Inertia)
	}
	g := runJSON[GLRMResult](t, "glrm", "--k", "3", "--iters", "10", "--nonneg")
	gr, err := svc.FitGLRM(ctx, service.GLRMRequest{K: 3, MaxIter: 10, NonNeg: true, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !near(g.Objective, gr.Model.Objective[len(gr.Model.Objective)-1]) || g.Iterations != gr.Model.Iterations {
		t.Errorf("GLRM: CLI objective %v after %d, service %v after %d", g.Objective, g.Iterations, gr.Model.Objective[len(gr.Model.Objective)-1], gr.Model.Iterations)
	}
	ts := runJSON[TSNEResult](t, "tsne", "--n", "400", "--iters", "250", "--tseed", "2")
	m, err := svc.MapTSNE(ctx, service.TSNERequest{MapItems: service.MapItems{Input: "pixels", N: 400}, Perplexity: 30, Iterations: 250, Seed: 2, Trust: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !near(ts.KL, m.KL) || !near(ts.KNN5, m.KNN5) || ts.Trustworthiness == nil || !near(*ts.Trustworthiness, m.Trustworthiness) {
		t.Errorf("t-SNE: CLI KL %v 5-NN %v, service KL %v 5-NN %v", ts.KL, ts.KNN5, m.KL, m.KNN5)
	}
}

func TestParityTraining(t *testing.T) {
	ctx := context.Background()
	svc := parityService(t)
	tr := runJSON[TrainResult](t, "train-siamese", "--arch", "mlp", "--epochs", "1")
	cfg := embed.DefaultConfig(embed.MLP, embed.Softmax)
	cfg.Epochs, cfg.ProjectionSample = 1, 0
	trn, err := svc.NewTraining(ctx, service.TrainRequest{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := trn.Run(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	pub, err := trn.Publish(ctx, service.PublishOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !near(tr.KNN5, pub.KNN5Eval) || tr.EvalSplit != pub.EvalSplit {
		t.Errorf("training: CLI kNN(5) %v on %s, service %v on %s", tr.KNN5, tr.EvalSplit, pub.KNN5Eval, pub.EvalSplit)
	}
}
