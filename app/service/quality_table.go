package service

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"strconv"
	"sync"
	"time"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/compare"
	"embedscope/ml/progress"
)

// QualityRequest asks for one space's row of the quality table.
type QualityRequest struct {
	// Space is "pixels", "pca:K" or a run (see ResolveSpec).
	Space string
	// Sample, when > 0, averages trustworthiness and continuity over
	// Sample items drawn with seed 0 whenever there are more items than
	// that; 0 keeps compare.Assess's default (exact up to 10,000 items,
	// else a sample of 5,000).
	Sample int
}

// QualityRow is one space's row of the quality table: how well it keeps
// the classes apart and the pixels' neighbourhoods, over every item of
// every split (compare.Assess).
type QualityRow struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	Dim  int    `json:"dim"`
	// Items is the number of items scored; TrustItems the number the
	// trustworthiness and continuity were averaged over.
	Items      int `json:"items"`
	TrustItems int `json:"trust_items"`
	// KNN5Val and KNN5Test are the kNN(5) accuracies (absent for an
	// empty split).
	KNN5Val  *float64 `json:"knn5_val,omitempty"`
	KNN5Test *float64 `json:"knn5_test,omitempty"`
	// Trustworthiness and continuity against the pixels at k = 5 and 10.
	Trust5       float64 `json:"trust5"`
	Trust10      float64 `json:"trust10"`
	Continuity5  float64 `json:"continuity5"`
	Continuity10 float64 `json:"continuity10"`
	// AgreementPixels is the mean 10-NN agreement with the pixels.
	AgreementPixels float64 `json:"agreement_pixels"`
	// k-means (k = classes) on the training rows against the classes.
	PurityMean float64 `json:"kmeans_purity_mean"`
	Purity     float64 `json:"kmeans_purity"`
	NMI        float64 `json:"kmeans_nmi"`
	// RunSeconds is the time the run took to compute the space (0 for
	// the pixels); Seconds the time of this assessment.
	RunSeconds float64 `json:"run_seconds"`
	Seconds    float64 `json:"seconds"`
}

// qualityCache keeps the quality rows of a session by space.
type qualityCache struct {
	mu sync.Mutex
	m  map[qualityKey]qualityEntry
}

type qualityKey struct {
	gen    int
	id     string
	sample int
}

type qualityEntry struct {
	space *workspace.Space // the space scored: a re-published run is scored again
	row   QualityRow
}

// QualityRow returns the space's row of the quality table, computed once
// per space (and data, split and scaling) in a session; the pixels'
// neighbours are computed once for all rows. A run's row is saved in its
// record's metrics (knn5_val, knn5_test, trust5_pixels, trust10_pixels,
// continuity5_pixels, continuity10_pixels, agreement_pixels,
// kmeans_purity, kmeans_purity_mean, kmeans_nmi, quality_seconds,
// quality_trust_items), so the
// Runs panel and `embedscope runs show` have them.
func (s *Service) QualityRow(ctx context.Context, req QualityRequest, t *progress.Tracker) (QualityRow, error) {
	sp, err := s.ResolveSpec(ctx, req.Space, t)
	if err != nil {
		return QualityRow{}, err
	}
	key := qualityKey{gen: s.WS.Generation(), id: sp.ID, sample: req.Sample}
	c := &s.qualities
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.space == sp {
		return e.row, nil
	}
	opt := compare.QualityOptions{}
	if req.Sample > 0 {
		opt.Exact, opt.Sample = req.Sample, req.Sample
	}
	start := time.Now()
	q, err := s.quality(ctx, sp.ID, opt, t)
	if err != nil {
		return QualityRow{}, err
	}
	row := QualityRow{ID: sp.ID, Name: sp.Name, Kind: sp.Kind, Dim: sp.Dim(), Items: q.Items, TrustItems: q.Trust[0].Items,
		Trust5: q.Trust[0].Value, Trust10: q.Trust[1].Value, Continuity5: q.Continuity[0].Value, Continuity10: q.Continuity[1].Value,
		AgreementPixels: q.Agreement, PurityMean: q.PurityMean, Purity: q.Purity, NMI: q.NMI, Seconds: time.Since(start).Seconds()}
	if !math.IsNaN(q.KNNValidation) {
		row.KNN5Val = &q.KNNValidation
	}
	if !math.IsNaN(q.KNNTest) {
		row.KNN5Test = &q.KNNTest
	}
	if r, ok := s.Run(sp.ID); ok {
		row.Name, row.Kind, row.RunSeconds = r.Name, r.Kind, r.Seconds
		if err := s.saveQuality(r.ID, row); err != nil {
			return row, err
		}
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[qualityKey]qualityEntry{}
	}
	c.m[key] = qualityEntry{space: sp, row: row}
	c.mu.Unlock()
	return row, nil
}

// saveQuality writes a quality row into run id's metrics.
func (s *Service) saveQuality(id string, row QualityRow) error {
	r, ok := s.Run(id)
	if !ok || r.Status == runs.Damaged || r.Status == runs.Running {
		return nil
	}
	if r.Metrics == nil {
		r.Metrics = map[string]float64{}
	}
	m := r.Metrics
	if row.KNN5Val != nil {
		m["knn5_val"] = *row.KNN5Val
	}
	if row.KNN5Test != nil {
		m["knn5_test"] = *row.KNN5Test
	}
	m["trust5_pixels"], m["trust10_pixels"] = row.Trust5, row.Trust10
	m["continuity5_pixels"], m["continuity10_pixels"] = row.Continuity5, row.Continuity10
	m["agreement_pixels"] = row.AgreementPixels
	m["kmeans_purity"], m["kmeans_purity_mean"], m["kmeans_nmi"] = row.Purity, row.PurityMean, row.NMI
	m["quality_seconds"], m["quality_trust_items"] = row.Seconds, float64(row.TrustItems)
	return s.save(&r, nil)
}

// QualityFromRecord returns the quality row saved in run r's metrics by
// an earlier QualityRow (of this or another session), and whether r has
// one.
func QualityFromRecord(r runs.Record) (QualityRow, bool) {
	m := r.Metrics
	keys := []string{"trust5_pixels", "trust10_pixels", "continuity5_pixels", "continuity10_pixels", "agreement_pixels",
		"kmeans_purity", "kmeans_purity_mean", "kmeans_nmi"}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return QualityRow{}, false
		}
	}
	row := QualityRow{ID: r.ID, Name: r.Name, Kind: r.Kind, Trust5: m["trust5_pixels"], Trust10: m["trust10_pixels"],
		Continuity5: m["continuity5_pixels"], Continuity10: m["continuity10_pixels"], AgreementPixels: m["agreement_pixels"],
		Purity: m["kmeans_purity"], PurityMean: m["kmeans_purity_mean"], NMI: m["kmeans_nmi"],
		RunSeconds: r.Seconds, Seconds: m["quality_seconds"], TrustItems: int(m["quality_trust_items"])}
	if r.Space != nil {
		row.Dim = r.Space.Dim
		row.Items = r.Space.Rows[0] + r.Space.Rows[1] + r.Space.Rows[2]
	}
	if v, ok := m["knn5_val"]; ok {
		row.KNN5Val = &v
	}
	if v, ok := m["knn5_test"]; ok {
		row.KNN5Test = &v
	}
	return row, true
}

// EncodeQualityCSV writes the quality table as CSV, one row per space
// (empty cells for accuracies of empty splits).
func EncodeQualityCSV(rows []QualityRow) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"id", "name", "kind", "dim", "items", "knn5_val", "knn5_test", "trust5", "trust10", "continuity5", "continuity10",
		"agreement_pixels", "kmeans_purity_mean", "kmeans_purity", "kmeans_nmi", "trust_items", "run_seconds", "seconds"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	opt := func(v *float64) string {
		if v == nil {
			return ""
		}
		return f(*v)
	}
	for _, r := range rows {
		w.Write([]string{r.ID, r.Name, r.Kind, strconv.Itoa(r.Dim), strconv.Itoa(r.Items), opt(r.KNN5Val), opt(r.KNN5Test),
			f(r.Trust5), f(r.Trust10), f(r.Continuity5), f(r.Continuity10), f(r.AgreementPixels), f(r.PurityMean), f(r.Purity), f(r.NMI),
			strconv.Itoa(r.TrustItems), f(r.RunSeconds), f(r.Seconds)})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
