package workspace

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/dataset"
	"embedscope/ml/embed"
	"embedscope/ml/glrm"
	"embedscope/ml/pca"
)

// tinyData returns a small image data set (4×4 images, 3 classes, 60
// training and 15 test rows), the same for the same seed.
func tinyData(t testing.TB, seed uint64) *dataset.Dataset {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	part := func(n int) dataset.Part {
		p := dataset.Part{N: n, Dim: 16, Pixels: make([]uint8, n*16), Labels: make([]int, n)}
		for i := range n {
			p.Labels[i] = i % 3
			for j := range 16 {
				p.Pixels[i*16+j] = uint8(rng.IntN(256)/4 + 60*p.Labels[i])
			}
		}
		return p
	}
	ds := &dataset.Dataset{Name: "tiny", Source: "/data/tiny", Classes: []string{"a", "b", "c"}, Width: 4, Height: 4, Dim: 16,
		Train: part(60), Test: part(15)}
	if err := ds.Validate(); err != nil {
		t.Fatal(err)
	}
	return ds
}

// filledWorkspace opens ds with a custom split and scaling, a PCA, a GLRM
// and a plain space, a labelling, a selection and settings.
func filledWorkspace(t testing.TB, ds *dataset.Dataset) *Workspace {
	t.Helper()
	ctx := context.Background()
	ws := New()
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	if err := ws.SetSplit(dataset.SplitOptions{ValFraction: 0.25, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	ws.SetScaling(dataset.ScaleStandardize)
	gen := ws.Generation()
	train, val, test, err := ws.Features(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := pca.PCA{Components: 3, Solver: pca.Full, Spectrum: true}.Fit(ctx, train.X)
	if err != nil {
		t.Fatal(err)
	}
	p := struct{ Space *Space }{&Space{ID: "20261201-100000-pca-abcdef", Name: "PCA-3", Kind: "pca", Model: NewPCAModel(pm),
		Train: pm.Transform(train.X, blas32.General{}), Val: pm.Transform(val.X, blas32.General{}), Test: pm.Transform(test.X, blas32.General{})}}
	p.Space.Inverse = p.Space.Model.(*PCAModel).InverseFunc()
	if err := ws.SetSpace(p.Space, gen); err != nil {
		t.Fatal(err)
	}
	gm, err := glrm.GLRM{K: 2, GammaA: 0.1, GammaY: 0.1, MaxIter: 5}.Fit(ctx, train.X, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &Space{Name: "GLRM-2", Train: gm.A, Model: NewGLRMModel(gm)}
	g.Inverse = g.Model.(*GLRMModel).InverseFunc()
	if g.Val, err = gm.Transform(ctx, val.X, nil); err != nil {
		t.Fatal(err)
	}
	if g.Test, err = gm.Transform(ctx, test.X, nil); err != nil {
		t.Fatal(err)
	}
	if err := ws.SetSpace(g, gen); err != nil {
		t.Fatal(err)
	}
	// A space without a model, with a stride wider than its columns.
	wide := func(m blas32.General) blas32.General {
		out := blas32.General{Rows: m.Rows, Cols: 2, Stride: 5, Data: make([]float32, m.Rows*5)}
		for r := range m.Rows {
			copy(out.Data[r*5:r*5+2], m.Data[r*m.Stride:r*m.Stride+2])
		}
		return out
	}
	plain := &Space{Name: "plain", Train: wide(p.Space.Train), Val: wide(p.Space.Val), Test: wide(p.Space.Test)}
	if err := ws.SetSpace(plain, gen); err != nil {
		t.Fatal(err)
	}
	items := NewItems(ws.Splits())
	labels := items.Labels()
	labels[0], labels[1] = 2, -1
	if err := ws.SetLabeling(&Labeling{Name: "pred", Labels: labels, Classes: ds.Classes, Prediction: true}, gen); err != nil {
		t.Fatal(err)
	}
	ws.Select([]Ref{items.Ref(4), items.Ref(50), items.Ref(items.Len() - 1)}, Replace, "prototypes gallery")
	ws.SetIsolated(true)
	ws.SetFocus(items.Ref(50))
	ws.SetSetting("pca.components", "3")
	ws.SetSetting("scatter.x", "PC 2")
	return ws
}

func spaceIDs(w *Workspace) []string {
	var ids []string
	for _, s := range w.Spaces() {
		ids = append(ids, s.ID)
	}
	return ids
}

func sameMatrix(a, b blas32.General) bool {
	if a.Rows != b.Rows || (a.Rows > 0 && a.Cols != b.Cols) {
		return false
	}
	for r := range a.Rows {
		if !slices.Equal(a.Data[r*a.Stride:r*a.Stride+a.Cols], b.Data[r*b.Stride:r*b.Stride+b.Cols]) {
			return false
		}
	}
	return true
}

// checkSameState compares everything a session keeps.
func checkSameState(t *testing.T, want, got *Workspace) {
	t.Helper()
	if want.SplitOptions() != got.SplitOptions() || want.Scaling() != got.Scaling() {
		t.Errorf("split %+v scaling %v, want %+v %v", got.SplitOptions(), got.Scaling(), want.SplitOptions(), want.Scaling())
	}
	if !slices.Equal(spaceIDs(want), spaceIDs(got)) {
		t.Fatalf("spaces %v, want %v", spaceIDs(got), spaceIDs(want))
	}
	for _, name := range spaceIDs(want) {
		a, b := want.Space(name), got.Space(name)
		if a.Name != b.Name || a.Kind != b.Kind {
			t.Errorf("space %q is named %q (%s), want %q (%s)", name, b.Name, b.Kind, a.Name, a.Kind)
		}
		if !sameMatrix(a.Train, b.Train) || !sameMatrix(a.Val, b.Val) || !sameMatrix(a.Test, b.Test) {
			t.Errorf("space %q: values differ", name)
		}
		if (a.Inverse == nil) != (b.Inverse == nil) || (a.Model == nil) != (b.Model == nil) {
			t.Errorf("space %q: decoder %v model %v, want %v %v", name, b.Inverse != nil, b.Model != nil, a.Inverse != nil, a.Model != nil)
			continue
		}
		if a.Inverse == nil {
			continue
		}
		row := a.Val.Data[:a.Val.Cols]
		d := want.Data().Dim
		da, db := make([]float32, d), make([]float32, d)
		a.Inverse(da, row)
		b.Inverse(db, row)
		if !slices.Equal(da, db) || slices.Equal(da, make([]float32, d)) {
			t.Errorf("space %q: the restored decoder gives %v, want %v", name, db[:4], da[:4])
		}
	}
	if !reflect.DeepEqual(want.Labelings(), got.Labelings()) {
		t.Errorf("labellings differ")
	}
	r1, s1 := want.Selection()
	r2, s2 := got.Selection()
	f1, ok1 := want.Focus()
	f2, ok2 := got.Focus()
	if !slices.Equal(r1, r2) || s1 != s2 || want.Isolated() != got.Isolated() || f1 != f2 || ok1 != ok2 {
		t.Errorf("selection %v %q isolated %v focus %v, want %v %q %v %v", r2, s2, got.Isolated(), f2, r1, s1, want.Isolated(), f1)
	}
	if !reflect.DeepEqual(want.Settings(), got.Settings()) {
		t.Errorf("settings %v, want %v", got.Settings(), want.Settings())
	}
}

func TestSessionRoundTrip(t *testing.T) {
	ws := filledWorkspace(t, tinyData(t, 1))
	path := filepath.Join(t.TempDir(), "s"+SessionExt)
	extra := SessionExtra{Panel: "prototypes", Width: 1100, Height: 700, Runs: []json.RawMessage{json.RawMessage(`{"id":"20261201-100000-pca-abcdef","name":"PCA-3"}`)}}
	if err := ws.SaveSession(path, extra); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSession(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.SessionExtra, extra) || s.Source != "/data/tiny" || s.Format != SessionFormat || s.Data.Name != "tiny" {
		t.Errorf("session extra %+v source %q format %d data %+v", s.SessionExtra, s.Source, s.Format, s.Data)
	}
	back := New()
	var changes, spaces, sels int
	back.OnChange(func() { changes++ })
	back.OnSpacesChange(func() { spaces++ })
	back.OnSelectionChange(func() { sels++ })
	if err := back.Restore(s, tinyData(t, 1)); err != nil {
		t.Fatal(err)
	}
	if changes != 1 || spaces != 1 || sels != 1 {
		t.Errorf("listeners told %d/%d/%d times, want once each", changes, spaces, sels)
	}
	checkSameState(t, ws, back)
	if got := back.Space("20261201-100000-pca-abcdef").Model.(*PCAModel).Model; got.Dim != 16 || got.K() != 3 || got.Spectrum == nil {
		t.Errorf("restored PCA model: %d features, %d components", got.Dim, got.K())
	}
	// The restored workspace works on: features, new spaces, saving again
	// gives the same session (apart from the time).
	if _, _, _, err := back.Features(context.Background()); err != nil {
		t.Fatal(err)
	}
	b1, _ := ws.MarshalSession(extra)
	b2, _ := back.MarshalSession(extra)
	s1, _ := ParseSession(b1)
	s2, _ := ParseSession(b2)
	s1.Saved, s2.Saved = s2.Saved, s1.Saved
	if len(b1) != len(b2) || !reflect.DeepEqual(s1.Selection, s2.Selection) || !reflect.DeepEqual(s1.Labelings, s2.Labelings) {
		t.Errorf("saving the restored workspace gives another session (%d vs %d bytes)", len(b2), len(b1))
	}
}

func TestSessionKeepsAnAutoencoder(t *testing.T) {
	ctx := context.Background()
	ds, err := Open(ctx, Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := New()
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	train, val, test, err := ws.Features(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := embed.DefaultConfig(embed.DenseAE, embed.MSE)
	cfg.Dim, cfg.Epochs, cfg.ProjectionSample = 8, 1, 100
	tr, err := embed.New(cfg, embed.Data{Train: train.X, Eval: val.X, TrainLabels: train.Split.Labels(), EvalLabels: val.Split.Labels(),
		Height: 28, Width: 28, Channels: 1, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	model := NewTrainerModel(tr)
	sp := &Space{Name: "dense-ae code d=8", Model: model, Inverse: model.InverseFunc()}
	for _, m := range []struct {
		dst *blas32.General
		x   blas32.General
	}{{&sp.Train, train.X}, {&sp.Val, val.X}, {&sp.Test, test.X}} {
		if *m.dst, err = tr.Embed(ctx, m.x); err != nil {
			t.Fatal(err)
		}
	}
	if err := ws.SetSpace(sp, ws.Generation()); err != nil {
		t.Fatal(err)
	}
	b, err := ws.MarshalSession(SessionExtra{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSession(b)
	if err != nil {
		t.Fatal(err)
	}
	back := New()
	if err := back.Restore(s, ds); err != nil {
		t.Fatal(err)
	}
	checkSameState(t, ws, back)
	if _, ok := back.Space(sp.Name).Model.(*TrainerModel); !ok {
		t.Fatal("the restored space has no network")
	}
	if c, err := back.Space(sp.Name).Model.(*TrainerModel).Clone(); err != nil || c.Config().Dim != 8 {
		t.Errorf("the restored network: %v", err)
	}
}

// reseal rewrites the checksum of a session file's bytes.
func reseal(b []byte) []byte {
	if len(b) < 4 {
		return b
	}
	out := slices.Clone(b)
	binary.LittleEndian.PutUint32(out[len(out)-4:], crc32.Checksum(out[:len(out)-4], castagnoli))
	return out
}

func TestSessionBadFiles(t *testing.T) {
	ws := filledWorkspace(t, tinyData(t, 1))
	good, err := ws.MarshalSession(SessionExtra{})
	if err != nil {
		t.Fatal(err)
	}
	newer := slices.Clone(good)
	binary.LittleEndian.PutUint32(newer[4:], SessionFormat+1)
	flipped := slices.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	badHeader := slices.Clone(good)
	badHeader[12] = '[' // the header's opening brace
	cases := []struct {
		name string
		b    []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrSessionCorrupt, "damaged (0 bytes)"},
		{"other file", []byte("label,pixel1\n1,2\n"), ErrNotSession, "not an EmbedScope session"},
		{"magic only", good[:4], ErrSessionCorrupt, "damaged"},
		{"newer", reseal(newer), ErrSessionVersion, "newer EmbedScope (format 2); this version reads up to 1"},
		{"truncated", good[:len(good)-9], ErrSessionCorrupt, "checksum"},
		{"truncated header", good[:40], ErrSessionCorrupt, "damaged"},
		{"flipped byte", flipped, ErrSessionCorrupt, "checksum"},
		{"flipped byte in the header, resealed", reseal(badHeader), ErrSessionCorrupt, "header"},
	}
	for _, c := range cases {
		s, err := ParseSession(c.b)
		if s != nil || !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v (%q)", c.name, err, c.want, c.msg)
		}
	}
	// Through a file, the error names it.
	path := filepath.Join(t.TempDir(), "bad"+SessionExt)
	if err := os.WriteFile(path, good[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSession(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "nothing was loaded") {
		t.Errorf("truncated file: %v", err)
	}
	if _, err := LoadSession(path + ".missing"); err == nil || !strings.Contains(err.Error(), "no session file") {
		t.Errorf("missing file: %v", err)
	}
}

// unknownModel is a model of a kind no decoder is registered for.
type unknownModel struct{}

func (unknownModel) Kind() string                   { return "from-the-future" }
func (unknownModel) Dims() (int, int)               { return 16, 3 }
func (unknownModel) MarshalBinary() ([]byte, error) { return []byte{1, 2, 3}, nil }

func TestSessionUnknownModel(t *testing.T) {
	ws := filledWorkspace(t, tinyData(t, 1))
	sp := *ws.Space("20261201-100000-pca-abcdef")
	sp.ID, sp.Name, sp.Model = "20261201-100001-pca-fedcba", "future", unknownModel{}
	if err := ws.SetSpace(&sp, ws.Generation()); err != nil {
		t.Fatal(err)
	}
	b, err := ws.MarshalSession(SessionExtra{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSession(b); !errors.Is(err, ErrSessionVersion) || !strings.Contains(err.Error(), "from-the-future") {
		t.Errorf("unknown model kind: %v", err)
	}
}

func TestRestoreOnOtherDataChangesNothing(t *testing.T) {
	ws := filledWorkspace(t, tinyData(t, 1))
	b, err := ws.MarshalSession(SessionExtra{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSession(b)
	if err != nil {
		t.Fatal(err)
	}
	target := New()
	embedded, err := Open(context.Background(), Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := target.SetData(embedded); err != nil {
		t.Fatal(err)
	}
	target.Select([]Ref{{Part: "train", Row: 7}}, Replace, "test")
	gen := target.Generation()
	calls := 0
	target.OnChange(func() { calls++ })

	relabelled := tinyData(t, 1)
	relabelled.Train.Labels[5] = (relabelled.Train.Labels[5] + 1) % 3
	for _, c := range []struct {
		name string
		ds   *dataset.Dataset
		msg  string
	}{
		{"other sizes", embedded, "saved for tiny (60 training and 15 test items of 16 features in 3 classes)"},
		{"other labels", relabelled, "other labels"},
	} {
		err := target.Restore(s, c.ds)
		if !errors.Is(err, ErrSessionData) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if target.Data() != embedded || target.Generation() != gen || calls != 0 || len(target.Spaces()) != 0 {
		t.Error("a refused restore changed the workspace")
	}
	if refs, _ := target.Selection(); len(refs) != 1 {
		t.Error("a refused restore changed the selection")
	}
	// A session whose spaces do not fit its own split is refused too.
	s.Spaces[0].Val.Rows--
	if err := target.Restore(s, tinyData(t, 1)); !errors.Is(err, ErrSessionData) || target.Generation() != gen {
		t.Errorf("space of the wrong size: %v", err)
	}
}

func TestSaveSessionNeverDamagesTheOldFile(t *testing.T) {
	ws := filledWorkspace(t, tinyData(t, 1))
	dir := t.TempDir()
	path := filepath.Join(dir, "old"+SessionExt)
	old := []byte("the previous session")
	if err := os.WriteFile(path, old, 0o444); err != nil {
		t.Fatal(err)
	}
	err := ws.SaveSession(path, SessionExtra{})
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "another name") {
		t.Errorf("saving over a read-only file: %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, old) {
		t.Error("the read-only file was changed")
	}
	// A read-only folder.
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if err := ws.SaveSession(filepath.Join(ro, "s"+SessionExt), SessionExtra{}); !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "another folder") {
		t.Errorf("saving into a read-only folder: %v", err)
	}
	if err := ws.SaveSession(filepath.Join(dir, "missing", "s"+SessionExt), SessionExtra{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("saving into a missing folder: %v", err)
	}
	if err := ws.SaveSession(ro, SessionExtra{}); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("saving over a folder: %v", err)
	}
	// Over a writable file it works, and leaves no temporary files.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ws.SaveSession(path, SessionExtra{}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSession(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("the folder holds %d entries after saving, want 2", len(entries))
	}
	if err := New().SaveSession(filepath.Join(dir, "empty"+SessionExt), SessionExtra{}); err == nil || !strings.Contains(err.Error(), "no data set") {
		t.Errorf("saving an empty workspace: %v", err)
	}
}

func TestSettings(t *testing.T) {
	ws := New()
	ws.SetSetting("a", "1")
	ws.SetSetting("b", "2")
	ws.SetSetting("a", "")
	if got := ws.Settings(); !reflect.DeepEqual(got, map[string]string{"b": "2"}) || ws.Setting("b") != "2" || ws.Setting("a") != "" {
		t.Errorf("settings %v", got)
	}
	if err := ws.SetData(tinyData(t, 2)); err != nil {
		t.Fatal(err)
	}
	if ws.Setting("b") != "2" {
		t.Error("new data dropped the settings")
	}
}

// FuzzLoadSession feeds damaged sessions to the parser, as they are and
// with their checksum made valid again, so that the fuzzer reaches the
// header and the blocks: it must return an error or a session that
// restores (or is refused) without panicking.
func FuzzLoadSession(f *testing.F) {
	ds := tinyData(f, 1)
	ws := filledWorkspace(f, ds)
	good, err := ws.MarshalSession(SessionExtra{Panel: "pca", Width: 800, Height: 600})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	small := New()
	if err := small.SetData(ds); err != nil {
		f.Fatal(err)
	}
	small.Select([]Ref{{Part: "test", Row: 2}}, Replace, "x")
	if b, err := small.MarshalSession(SessionExtra{}); err == nil {
		f.Add(b)
	}
	f.Add([]byte("ESSN\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, in := range [][]byte{b, reseal(b)} {
			s, err := ParseSession(in)
			if err != nil {
				if s != nil {
					t.Fatal("a session and an error")
				}
				continue
			}
			_ = New().Restore(s, ds)
		}
	})
}
