package workspace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/embed"
	"embedscope/ml/glrm"
	"embedscope/ml/pca"
)

// SpaceModel is the fitted model behind a feature space (a PCA, a GLRM, a
// trained network). A space that carries one is saved with it in a
// session, and its decoder (Space.Inverse) comes back when the session is
// opened. Implementations are registered by kind with RegisterSpaceModel.
type SpaceModel interface {
	// Kind names the decoder registered for it, e.g. "pca".
	Kind() string
	// Dims returns the number of scaled input features the model reads
	// and the number of values of the space it makes.
	Dims() (in, out int)
	// MarshalBinary returns the bytes the registered decoder reads back.
	MarshalBinary() ([]byte, error)
}

// InvertibleModel is a SpaceModel that maps rows of its space back to
// scaled features; InverseFunc returns nil when this model cannot.
type InvertibleModel interface {
	SpaceModel
	InverseFunc() func(dst, row []float32)
}

var (
	modelMu       sync.RWMutex
	modelDecoders = map[string]func([]byte) (SpaceModel, error){}
)

// RegisterSpaceModel makes decode the reader of models of the given kind
// in saved sessions. decode must validate b and never panic. The built-in
// kinds are "pca", "glrm" and "embed".
func RegisterSpaceModel(kind string, decode func(b []byte) (SpaceModel, error)) {
	modelMu.Lock()
	defer modelMu.Unlock()
	modelDecoders[kind] = decode
}

func knownSpaceModel(kind string) bool {
	modelMu.RLock()
	defer modelMu.RUnlock()
	return modelDecoders[kind] != nil
}

// DecodeSpaceModel decodes the bytes of a model of a registered kind (see
// SpaceModel.MarshalBinary) and checks that it reads in features and makes
// out values (either check is skipped when its value is 0). It never
// panics.
func DecodeSpaceModel(kind string, b []byte, in, out int) (SpaceModel, error) {
	m, err := decodeSpaceModel(kind, b)
	if err != nil {
		return nil, err
	}
	if i, o := m.Dims(); (in > 0 && i != in) || (out > 0 && o != out) {
		return nil, fmt.Errorf("the %s model maps %d features to %d values, not %d to %d", kind, i, o, in, out)
	}
	return m, nil
}

// decodeSpaceModel decodes a model of a registered kind; a decoder's
// panic becomes an error.
func decodeSpaceModel(kind string, b []byte) (m SpaceModel, err error) {
	modelMu.RLock()
	dec := modelDecoders[kind]
	modelMu.RUnlock()
	if dec == nil {
		return nil, fmt.Errorf("a model of kind %q, which this version of EmbedScope does not know", kind)
	}
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("the %q model does not decode: %v", kind, p)
		}
	}()
	m, err = dec(b)
	if err != nil {
		return nil, err
	}
	if m == nil || m.Kind() != kind {
		return nil, fmt.Errorf("the %q model did not decode", kind)
	}
	return m, nil
}

func init() {
	RegisterSpaceModel(pcaKind, decodePCAModel)
	RegisterSpaceModel(glrmKind, decodeGLRMModel)
	RegisterSpaceModel(embedKind, decodeTrainerModel)
}

const (
	pcaKind   = "pca"
	glrmKind  = "glrm"
	embedKind = "embed"
)

// PCAModel is a fitted PCA behind a "PCA-k" space.
type PCAModel struct{ Model *pca.Model }

// NewPCAModel wraps m for Space.Model.
func NewPCAModel(m *pca.Model) *PCAModel { return &PCAModel{Model: m} }

// Kind implements SpaceModel.
func (p *PCAModel) Kind() string { return pcaKind }

// Dims implements SpaceModel.
func (p *PCAModel) Dims() (in, out int) { return p.Model.Dim, p.Model.K() }

// InverseFunc returns the PCA inverse transform of one row.
func (p *PCAModel) InverseFunc() func(dst, row []float32) {
	m := p.Model
	return func(dst, row []float32) {
		y := blas32.General{Rows: 1, Cols: len(row), Stride: len(row), Data: row}
		copy(dst, m.InverseTransform(y, blas32.General{}).Data)
	}
}

// MarshalBinary implements SpaceModel: sizes, then the float64 arrays.
func (p *PCAModel) MarshalBinary() ([]byte, error) {
	m := p.Model
	k, d := m.K(), m.Dim
	if m.Components == nil || len(m.Mean) != d || len(m.ExplainedVarianceRatio) != k {
		return nil, fmt.Errorf("the PCA model is incomplete")
	}
	if r, c := m.Components.Dims(); r != k || c != d {
		return nil, fmt.Errorf("the PCA model has %d×%d components for %d×%d", r, c, k, d)
	}
	var w binWriter
	w.u64(uint64(d), uint64(k), uint64(len(m.Spectrum)), uint64(m.Solver), uint64(m.NSamples))
	w.f64(m.TotalVariance)
	w.f64(m.Mean...)
	for i := range k {
		w.f64(m.Components.RawRowView(i)...)
	}
	w.f64(m.ExplainedVariance...)
	w.f64(m.ExplainedVarianceRatio...)
	w.f64(m.Spectrum...)
	return w.b, nil
}

func decodePCAModel(b []byte) (SpaceModel, error) {
	r := binReader{b: b}
	d, k, ns, solver, n := r.size(), r.size(), r.size(), r.u64(), r.u64()
	total := r.f64s(1)
	if r.err == nil && (d < 1 || k < 1 || k > d || ns > d || solver > 16 || n > math.MaxInt32) {
		return nil, fmt.Errorf("PCA model of %d components of %d features", k, d)
	}
	m := &pca.Model{Solver: pca.Solver(solver), NSamples: int(n), Dim: d}
	m.Mean = r.f64s(d)
	comps := r.f64s(k * d)
	m.ExplainedVariance = r.f64s(k)
	m.ExplainedVarianceRatio = r.f64s(k)
	if ns > 0 {
		m.Spectrum = r.f64s(ns)
	}
	if err := r.end("PCA model"); err != nil {
		return nil, err
	}
	m.TotalVariance = total[0]
	m.Components = mat.NewDense(k, d, comps)
	return &PCAModel{Model: m}, nil
}

// GLRMModel is a fitted generalized low-rank model behind a "GLRM-k"
// space. Its A (the training rows' representation) is the space's Train
// matrix and is not saved twice: a restored model gets it from the space.
type GLRMModel struct{ Model *glrm.Model }

// NewGLRMModel wraps m for Space.Model.
func NewGLRMModel(m *glrm.Model) *GLRMModel { return &GLRMModel{Model: m} }

// Kind implements SpaceModel.
func (g *GLRMModel) Kind() string { return glrmKind }

// Dims implements SpaceModel.
func (g *GLRMModel) Dims() (in, out int) { return g.Model.Y.Cols, g.Model.K() }

// InverseFunc returns the reconstruction a·Y of one row.
func (g *GLRMModel) InverseFunc() func(dst, row []float32) {
	m := g.Model
	return func(dst, row []float32) {
		a := blas32.General{Rows: 1, Cols: len(row), Stride: len(row), Data: row}
		copy(dst, m.InverseTransform(a).Data)
	}
}

// MarshalBinary implements SpaceModel: Y, the settings of Transform and
// the objective trace.
func (g *GLRMModel) MarshalBinary() ([]byte, error) {
	m := g.Model
	k, d := m.Y.Rows, m.Y.Cols
	if k < 1 || d < 1 || m.Y.Stride < d || len(m.Y.Data) < (k-1)*m.Y.Stride+d {
		return nil, fmt.Errorf("the GLRM model has no archetypes")
	}
	var w binWriter
	nonNeg, conv := uint64(0), uint64(0)
	if m.NonNegA {
		nonNeg = 1
	}
	if m.Converged {
		conv = 1
	}
	w.u64(uint64(k), uint64(d), uint64(len(m.Objective)), uint64(m.Iterations), nonNeg, conv)
	w.f64(m.GammaA)
	w.f64(m.Objective...)
	for i := range k {
		w.f32(m.Y.Data[i*m.Y.Stride : i*m.Y.Stride+d]...)
	}
	return w.b, nil
}

func decodeGLRMModel(b []byte) (SpaceModel, error) {
	r := binReader{b: b}
	k, d, no, iters, nonNeg, conv := r.size(), r.size(), r.size(), r.u64(), r.u64(), r.u64()
	gamma := r.f64s(1)
	if r.err == nil && (k < 1 || d < 1 || k > d || iters > math.MaxInt32 || nonNeg > 1 || conv > 1) {
		return nil, fmt.Errorf("GLRM model of rank %d on %d features", k, d)
	}
	m := &glrm.Model{NonNegA: nonNeg == 1, Converged: conv == 1, Iterations: int(iters)}
	m.Objective = r.f64s(no)
	m.Y = blas32.General{Rows: k, Cols: d, Stride: d, Data: r.f32s(k * d)}
	if err := r.end("GLRM model"); err != nil {
		return nil, err
	}
	m.GammaA = gamma[0]
	return &GLRMModel{Model: m}, nil
}

// TrainerModel is a trained network (an embedding or an autoencoder)
// behind the space of its outputs. The trainer must not be trained any
// further: publish a Clone. An autoencoder's decoder is the space's
// Inverse; calls are serialised, so the model is safe for concurrent use.
type TrainerModel struct {
	mu      sync.Mutex
	t       *embed.Trainer
	in, out int
	ae      bool
}

// NewTrainerModel wraps a frozen trainer (e.g. from Trainer.Clone) for
// Space.Model.
func NewTrainerModel(frozen *embed.Trainer) *TrainerModel {
	cfg := frozen.Config()
	return &TrainerModel{t: frozen, in: frozen.Shape().Features(), out: cfg.Dim, ae: cfg.Arch.Autoencoder()}
}

// Kind implements SpaceModel.
func (m *TrainerModel) Kind() string { return embedKind }

// Dims implements SpaceModel.
func (m *TrainerModel) Dims() (in, out int) { return m.in, m.out }

// MarshalBinary implements SpaceModel: the network's checkpoint.
func (m *TrainerModel) MarshalBinary() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t.MarshalBinary()
}

// Clone returns an independent copy of the trainer (to show its history or
// to train on).
func (m *TrainerModel) Clone() (*embed.Trainer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t.Clone()
}

// InverseFunc returns the decoder of an autoencoder (nil for an embedding
// network). A row that cannot be decoded gives zeros.
func (m *TrainerModel) InverseFunc() func(dst, row []float32) {
	if !m.ae {
		return nil
	}
	dim := m.out
	return func(dst, row []float32) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if len(row) < dim {
			clear(dst)
			return
		}
		out, err := m.t.Decode(context.Background(), blas32.General{Rows: 1, Cols: dim, Stride: dim, Data: row[:dim]})
		if err != nil {
			clear(dst)
			return
		}
		copy(dst, out.Data)
	}
}

func decodeTrainerModel(b []byte) (SpaceModel, error) {
	t, err := embed.UnmarshalTrainer(b)
	if err != nil {
		return nil, err
	}
	return NewTrainerModel(t), nil
}

// binWriter appends little-endian numbers.
type binWriter struct{ b []byte }

func (w *binWriter) u64(v ...uint64) {
	for _, x := range v {
		w.b = binary.LittleEndian.AppendUint64(w.b, x)
	}
}

func (w *binWriter) f64(v ...float64) {
	for _, x := range v {
		w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
	}
}

func (w *binWriter) f32(v ...float32) {
	for _, x := range v {
		w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(x))
	}
}

// binReader reads what binWriter wrote; the first error sticks and later
// reads return zero values.
type binReader struct {
	b   []byte
	err error
}

var errShort = errors.New("runs past the end")

// u64 reads one number.
func (r *binReader) u64() uint64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.err = errShort
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// size reads a count, refusing one larger than the bytes left could hold.
func (r *binReader) size() int {
	v := r.u64()
	if r.err != nil {
		return 0
	}
	if v > uint64(len(r.b)) {
		r.err = fmt.Errorf("a count of %d is larger than the data", v)
		return 0
	}
	return int(v)
}

func (r *binReader) take(n, width int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)/width {
		r.err = errShort
		return nil
	}
	p := r.b[:n*width]
	r.b = r.b[n*width:]
	return p
}

func (r *binReader) f64s(n int) []float64 {
	p := r.take(n, 8)
	if p == nil {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*i:]))
	}
	return out
}

func (r *binReader) f32s(n int) []float32 {
	p := r.take(n, 4)
	if p == nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
	}
	return out
}

// end reports the first error, or bytes left over.
func (r *binReader) end(what string) error {
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes too many", len(r.b))
	}
	if r.err != nil {
		return fmt.Errorf("%s: %w", what, r.err)
	}
	return nil
}
