package workspace

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/embed"
)

// sessionParts splits a session file into its header and its blobs.
func sessionParts(t testing.TB, b []byte) (sessionHeader, [][]byte) {
	t.Helper()
	hl := binary.LittleEndian.Uint32(b[8:])
	var h sessionHeader
	if err := json.Unmarshal(b[12:12+hl], &h); err != nil {
		t.Fatal(err)
	}
	blobs, err := splitBlobs(b[12+hl:len(b)-4], h.Blobs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range blobs {
		blobs[i] = slices.Clone(blobs[i])
	}
	return h, blobs
}

// assembleSession writes a session file of header h and blobs, with the
// blob lengths and the checksum made to fit: a well-formed file that says
// what h says.
func assembleSession(t testing.TB, h sessionHeader, blobs [][]byte) []byte {
	t.Helper()
	h.Blobs = h.Blobs[:0]
	for _, b := range blobs {
		h.Blobs = append(h.Blobs, int64(len(b)))
	}
	hb, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := []byte(sessionMagic)
	out = binary.LittleEndian.AppendUint32(out, SessionFormat)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(hb)))
	out = append(out, hb...)
	for _, b := range blobs {
		out = append(out, b...)
	}
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// editCheckpoint returns the checkpoint ck with one field of its header
// ("shape.height") set to v, checksum recomputed.
func editCheckpoint(t testing.TB, ck []byte, field string, v any) []byte {
	t.Helper()
	hl := binary.LittleEndian.Uint32(ck[8:])
	var h map[string]any
	if err := json.Unmarshal(ck[12:12+hl], &h); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(field, ".")
	h[keys[0]].(map[string]any)[keys[1]] = v
	hb, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), ck[:8]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(hb)))
	out = append(out, hb...)
	out = append(out, ck[12+hl:len(ck)-4]...)
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// withNetwork adds to ws a space made by a small MLP embedding network,
// with the network as its model.
func withNetwork(t testing.TB, ws *Workspace) {
	t.Helper()
	ctx := context.Background()
	train, val, test, err := ws.Features(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := embed.DefaultConfig(embed.MLP, embed.Softmax)
	cfg.Dim, cfg.Batch, cfg.Epochs, cfg.ProjectionSample = 3, 8, 1, 5
	tr, err := embed.New(cfg, embed.Data{Train: train.X, Eval: val.X, TrainLabels: train.Split.Labels(), EvalLabels: val.Split.Labels(),
		Height: 4, Width: 4, Channels: 1, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	model := NewTrainerModel(tr)
	sp := &Space{Name: "embedding", Model: model}
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
}

// parseAllocated parses b and returns the result and the bytes allocated.
func parseAllocated(b []byte) (*Session, error, uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s, err := ParseSession(b)
	runtime.ReadMemStats(&after)
	return s, err, after.TotalAlloc - before.TotalAlloc
}

// TestSessionHostileHeaders: session files with valid checksums whose
// headers (or the header of a network inside them) claim absurd values are
// refused whole, with the field named, without panicking and without
// allocating for the claim (the model of item 1 of issue 14 ran the
// process out of memory).
func TestSessionHostileHeaders(t *testing.T) {
	ws := filledWorkspace(t, tinyData(t, 1))
	withNetwork(t, ws)
	good, err := ws.MarshalSession(SessionExtra{})
	if err != nil {
		t.Fatal(err)
	}
	h, blobs := sessionParts(t, good)
	var netBlob int
	for _, s := range h.Spaces {
		if s.Model != nil && s.Model.Kind == embedKind {
			netBlob = s.Model.Data
		}
	}
	for _, tc := range []struct {
		name string
		edit func(h *sessionHeader, blobs [][]byte)
		want string
	}{
		{"network of 100000×100000 images", func(h *sessionHeader, blobs [][]byte) {
			blobs[netBlob] = editCheckpoint(t, blobs[netBlob], "shape.height", 100000)
		}, "embed.MaxSide"},
		{"network with 2e9 classes", func(h *sessionHeader, blobs [][]byte) {
			blobs[netBlob] = editCheckpoint(t, blobs[netBlob], "shape.classes", 2_000_000_000)
		}, "embed.MaxClasses"},
		{"network with negative channels", func(h *sessionHeader, blobs [][]byte) {
			blobs[netBlob] = editCheckpoint(t, blobs[netBlob], "shape.channels", -1)
		}, "every size must be at least 1"},
		{"network of dimension 2e9", func(h *sessionHeader, blobs [][]byte) {
			blobs[netBlob] = editCheckpoint(t, blobs[netBlob], "config.dim", 2_000_000_000)
		}, "embed.MaxDim"},
		{"2^31 training items", func(h *sessionHeader, blobs [][]byte) { h.Data.Train = 1 << 31 }, "dataset.MaxItems"},
		{"negative features", func(h *sessionHeader, blobs [][]byte) { h.Data.Dim = -5 }, "data of"},
		{"space of 2^40 rows", func(h *sessionHeader, blobs [][]byte) { h.Spaces[0].Rows[0] = 1 << 40 }, "space"},
		{"label beyond the classes", func(h *sessionHeader, blobs [][]byte) {
			blobs[h.Labelings[0].Labels][0] = 200
		}, "the label 200, of 3 classes"},
		{"selection beyond the items", func(h *sessionHeader, blobs [][]byte) {
			h.Selection.Refs["train"] = []int{1 << 30}
		}, "selected item"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, blobs := sessionParts(t, good)
			tc.edit(&h, blobs)
			s, err, alloc := parseAllocated(assembleSession(t, h, blobs))
			if s != nil || !errors.Is(err, ErrSessionCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want a damaged session naming %q", err, tc.want)
			}
			if alloc > 16<<20 {
				t.Errorf("allocated %d bytes for a session of %d", alloc, len(good))
			}
		})
	}
	// The untouched parts reassemble into a session that loads.
	if _, err := ParseSession(assembleSession(t, h, blobs)); err != nil {
		t.Fatal(err)
	}
}

// TestLoadSessionRefusesAFIFO: a FIFO named like a session is refused at
// once instead of waited on.
func TestLoadSessionRefusesAFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s"+SessionExt)
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if _, err := LoadSession(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("FIFO: %v", err)
	}
}

// FuzzSessionHeader fuzzes the numbers of a session's header — the data's
// sizes, a space's rows, columns and blocks, a labelling's block, a
// selected item — and the header of the network inside it, recomputing
// every checksum and block length, so that what is tested is the
// validation of what the header says: parsing must never panic nor
// allocate more than a few times the file, and a session that parses must
// be restored or refused without panicking.
func FuzzSessionHeader(f *testing.F) {
	ds := tinyData(f, 1)
	ws := filledWorkspace(f, ds)
	withNetwork(f, ws)
	good, err := ws.MarshalSession(SessionExtra{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(int64(60), int64(15), int64(16), int64(3), uint8(0), int64(45), int64(3), int64(0), int64(0), int64(4), int64(4), int64(3), int64(3))
	f.Add(int64(1<<31), int64(-1), int64(0), int64(1<<40), uint8(1), int64(1<<40), int64(-3), int64(99), int64(-1), int64(1<<30), int64(100000), int64(2_000_000_000), int64(2_000_000_000))
	f.Fuzz(func(t *testing.T, train, test, dim, classes int64, space uint8, rows, cols, data, labels, ref, height, netClasses, netDim int64) {
		h, blobs := sessionParts(t, good)
		h.Data.Train, h.Data.Test, h.Data.Dim, h.Data.Classes = int(train), int(test), int(dim), int(classes)
		sp := &h.Spaces[int(space)%len(h.Spaces)]
		sp.Rows[int(space)%3], sp.Cols[int(space)%3], sp.Data = int(rows), int(cols), int(sp.Data+int(data))
		h.Labelings[0].Labels += int(labels)
		h.Selection.Refs = map[string][]int{"train": {int(ref)}}
		for i, s := range h.Spaces {
			if s.Model != nil && s.Model.Kind == embedKind && i == int(space)%len(h.Spaces) {
				b := blobs[s.Model.Data]
				b = editCheckpoint(t, b, "shape.height", height)
				b = editCheckpoint(t, b, "shape.classes", netClasses)
				blobs[s.Model.Data] = editCheckpoint(t, b, "config.dim", netDim)
			}
		}
		in := assembleSession(t, h, blobs)
		s, err, alloc := parseAllocated(in)
		if alloc > 64<<20 {
			t.Fatalf("allocated %d bytes for a session of %d", alloc, len(in))
		}
		if err != nil {
			if s != nil {
				t.Fatal("a session and an error")
			}
			return
		}
		_ = New().Restore(s, ds)
	})
}
