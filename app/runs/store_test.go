package runs

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"
)

func TestNewIDIsValidAndSortable(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 14, 23, 1, 0, time.UTC)
	a, b := NewID("pca", t0), NewID("t-SNE map", t0.Add(time.Second))
	if !ValidID(a) || !ValidID(b) {
		t.Fatalf("invalid IDs %q %q", a, b)
	}
	if !strings.HasPrefix(a, "20261201-142301-pca-") || !strings.HasPrefix(b, "20261201-142302-tsnemap-") {
		t.Errorf("IDs %q, %q", a, b)
	}
	if !(a < b) {
		t.Errorf("IDs do not sort by time: %q, %q", a, b)
	}
	for _, bad := range []string{"", "..", "../x", "20261201-142301-pca-3f9a1", "20261201-142301-PCA-3f9a1c", "a/b"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

func mat(rows, cols int, start float32) blas32.General {
	m := blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: make([]float32, rows*cols)}
	for i := range m.Data {
		m.Data[i] = start + float32(i)
	}
	return m
}

func TestStoreRoundTrip(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "runs"))
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := Record{ID: NewID(KindPCA, created), Name: "PCA-2", Kind: KindPCA, Created: created, Status: Finished,
		Data:    Data{Name: "x", Train: 3, Test: 1, Dim: 4, Classes: 2, Labels: 7, Val: 0.2, Seed: 1, Scaling: "div255"},
		Metrics: map[string]float64{"knn5_test": 0.5}, History: map[string][]float64{"objective": {3, 2, 1}},
		Space: &SpaceInfo{Dim: 2, Rows: [3]int{2, 1, 1}}, Model: "pca"}
	if err := s.Save(&r); err != nil {
		t.Fatal(err)
	}
	train, val, test := mat(2, 2, 0), mat(1, 2, 10), mat(1, 2, 20)
	// A strided view must be written densely.
	wide := mat(2, 3, 0)
	view := blas32.General{Rows: 2, Cols: 2, Stride: 3, Data: wide.Data}
	if err := s.WriteSpace(r.ID, view, val, test); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteModel(r.ID, []byte("model bytes")); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "PCA-2" || got.Metrics["knn5_test"] != 0.5 || !slices.Equal(got.History["objective"], []float64{3, 2, 1}) ||
		!got.Data.Same(r.Data) || !got.HasSpace() {
		t.Errorf("record %+v", got)
	}
	a, b, c, err := s.ReadSpace(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Data, []float32{0, 1, 3, 4}) || !slices.Equal(b.Data, val.Data) || !slices.Equal(c.Data, test.Data) || a.Rows != 2 || a.Cols != 2 {
		t.Errorf("space %v %v %v", a, b, c)
	}
	_ = train
	if m, err := s.ReadModel(r.ID, 100); err != nil || string(m) != "model bytes" {
		t.Errorf("model %q, %v", m, err)
	}
	if _, err := s.ReadModel(r.ID, 5); err == nil {
		t.Errorf("a model larger than the cap was read")
	}
	if got, err := s.Rename(r.ID, "  my PCA "); err != nil || got.Name != "my PCA" {
		t.Errorf("rename: %v %v", got.Name, err)
	}
	if _, err := s.Rename(r.ID, " "); err == nil {
		t.Errorf("empty name accepted")
	}
	if err := s.Delete(r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(r.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := s.Delete(r.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestListShowsDamagedRunsAndSkipsOthers(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	good := Record{ID: NewID(KindTSNE, t0.Add(time.Minute)), Kind: KindTSNE, Created: t0.Add(time.Minute), Status: Finished}
	older := Record{ID: NewID(KindPCA, t0), Kind: KindPCA, Created: t0, Status: Finished, Name: "older"}
	for _, r := range []*Record{&good, &older} {
		if err := s.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	bad := NewID(KindGLRM, t0.Add(2*time.Minute))
	os.MkdirAll(filepath.Join(s.Dir, bad), 0o755)
	os.WriteFile(filepath.Join(s.Dir, bad, recordFile), []byte(`{"id": "x`), 0o644)
	missing := NewID(KindUMAP, t0.Add(3*time.Minute))
	os.MkdirAll(filepath.Join(s.Dir, missing), 0o755)
	os.MkdirAll(filepath.Join(s.Dir, "not-a-run"), 0o755)
	os.WriteFile(filepath.Join(s.Dir, "notes.txt"), []byte("hi"), 0o644)
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Fatalf("%d runs listed: %+v", len(list), list)
	}
	if list[0].ID != older.ID || list[1].ID != good.ID {
		t.Errorf("order %s, %s", list[0].ID, list[1].ID)
	}
	if good := list[1]; good.Name != good.ID {
		t.Errorf("a run without a name is named %q, want its ID", good.Name)
	}
	dam := map[string]string{}
	for _, r := range list[2:] {
		if r.Status != Damaged {
			t.Errorf("%s: status %s", r.ID, r.Status)
		}
		dam[r.ID] = r.Error
	}
	if !strings.Contains(dam[bad], "damaged") || !strings.Contains(dam[missing], "missing") {
		t.Errorf("damaged reasons %q", dam)
	}
	if err := s.Save(&Record{ID: bad, Status: Damaged}); err == nil {
		t.Errorf("a damaged record was written")
	}
}

func spaceBytes(rows [3]uint32, cols uint32, values int) []byte {
	b := []byte(spaceMagic)
	b = binary.LittleEndian.AppendUint32(b, spaceVersion)
	for _, r := range rows {
		b = binary.LittleEndian.AppendUint32(b, r)
	}
	b = binary.LittleEndian.AppendUint32(b, cols)
	b = append(b, make([]byte, 4*values)...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func TestReadSpaceRefusesLies(t *testing.T) {
	s, _ := Open(t.TempDir())
	id := NewID(KindPCA, time.Now())
	os.MkdirAll(filepath.Join(s.Dir, id), 0o755)
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"rows beyond the limit":  {spaceBytes([3]uint32{1 << 31, 0, 0}, 2, 0), "limit"},
		"columns beyond limit":   {spaceBytes([3]uint32{1, 0, 0}, 1<<30, 0), "limit"},
		"more than the file":     {spaceBytes([3]uint32{1000, 0, 0}, 32, 10), "promises 32000 values"},
		"bad checksum":           {append(spaceBytes([3]uint32{1, 0, 0}, 1, 1)[:28], 1, 2, 3, 4), "checksum"},
		"not a space file":       {[]byte("hello, this is not a space file at all"), "not a space file"},
		"a newer format version": {append([]byte("ESRS\x09\x00\x00\x00"), make([]byte, 24)...), "version 9"},
	}
	for name, c := range cases {
		os.WriteFile(filepath.Join(s.Dir, id, spaceFile), c.b, 0o644)
		_, _, _, err := s.ReadSpace(id)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", name, err, c.want)
		}
	}
}

func FuzzDecodeSpace(f *testing.F) {
	f.Add(spaceBytes([3]uint32{2, 1, 0}, 3, 9))
	f.Add(spaceBytes([3]uint32{0, 0, 0}, 0, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeSpace(b)
		if err != nil {
			return
		}
		for _, x := range m {
			if len(x.Data) != x.Rows*x.Cols {
				t.Fatalf("%d values for %d×%d", len(x.Data), x.Rows, x.Cols)
			}
		}
	})
}
