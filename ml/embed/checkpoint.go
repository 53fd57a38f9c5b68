package embed

import (
	"embedscope/ml/atomicfile"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
)

// The checkpoint format is described in the package documentation.
const (
	checkpointMagic   = "ESEM"
	checkpointVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is the JSON part of a checkpoint.
type header struct {
	Config  Config  `json:"config"`
	Shape   Shape   `json:"shape"`
	State   state   `json:"state"`
	History history `json:"history"`
	Params  [2]int  `json:"params"`
}

// marshal returns the trainer's checkpoint; Run's goroutine or a holder of
// runMu calls it.
func (t *Trainer) marshal() ([]byte, error) {
	t.mu.Lock()
	h := header{Config: t.cfg, Shape: t.shape, State: t.st, History: t.hist, Params: [2]int{t.netParams, t.headParams}}
	h.State.Elapsed = t.elapsed()
	hb, err := json.Marshal(h)
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	wb, err := t.m.train.MarshalWeights()
	if err != nil {
		return nil, err
	}
	size := 0
	for _, m := range t.m.opt.m {
		size += 8 * len(m)
	}
	b := make([]byte, 0, 12+len(hb)+16+len(wb)+size+4)
	b = append(b, checkpointMagic...)
	b = binary.LittleEndian.AppendUint32(b, checkpointVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hb)))
	b = append(b, hb...)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(wb)))
	b = append(b, wb...)
	b = binary.LittleEndian.AppendUint64(b, uint64(size))
	for _, moments := range [][][]float32{t.m.opt.m, t.m.opt.v} {
		for _, a := range moments {
			for _, v := range a {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			}
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

// decode rebuilds a trainer from a checkpoint.
func decode(b []byte) (*Trainer, error) {
	if len(b) < 4 || string(b[:4]) != checkpointMagic {
		if len(b) < 4 && string(b) == checkpointMagic[:len(b)] {
			return nil, fmt.Errorf("%w: %d bytes", ErrCorrupt, len(b))
		}
		return nil, ErrNotModel
	}
	if len(b) < 12 {
		return nil, fmt.Errorf("%w: %d bytes", ErrCorrupt, len(b))
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v != checkpointVersion {
		if v > checkpointVersion {
			return nil, fmt.Errorf("%w (format version %d; this program reads version %d): update EmbedScope", ErrVersion, v, checkpointVersion)
		}
		return nil, fmt.Errorf("%w: version %d", ErrCorrupt, v)
	}
	if len(b) < 16 || crc32.Checksum(b[:len(b)-4], castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch (%d bytes)", ErrCorrupt, len(b))
	}
	body := b[:len(b)-4]
	off := 8
	next := func(n uint64) ([]byte, bool) {
		if n > uint64(len(body)-off) {
			return nil, false
		}
		off += int(n)
		return body[off-int(n) : off], true
	}
	lenField := func(size int) (uint64, bool) {
		f, ok := next(uint64(size))
		if !ok {
			return 0, false
		}
		if size == 4 {
			return uint64(binary.LittleEndian.Uint32(f)), true
		}
		return binary.LittleEndian.Uint64(f), true
	}
	hl, ok := lenField(4)
	hb, ok2 := next(hl)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%w: header runs past the end", ErrCorrupt)
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if err := h.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	wl, ok := lenField(8)
	wb, ok2 := next(wl)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%w: weights run past the end", ErrCorrupt)
	}
	// The file must hold the 4 bytes of every parameter the header's model
	// has (and 8 more each for the optimiser) before the model is built.
	if params, _ := h.Config.MemoryEstimate(h.Shape); uint64(params) > wl/4 || uint64(params) > uint64(len(body)-off)/8 {
		return nil, fmt.Errorf("%w: the header describes a model of %d parameters, but the file holds %d bytes of weights and %d after them",
			ErrCorrupt, params, wl, len(body)-off)
	}
	t := &Trainer{cfg: h.Config, shape: h.Shape, st: h.State, hist: h.History, m: buildModel(h.Config, h.Shape)}
	t.m.linear = h.State.LinearOutput
	if err := t.m.train.UnmarshalWeights(wb); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	ol, ok := lenField(8)
	ob, ok2 := next(ol)
	want := 0
	for _, m := range t.m.opt.m {
		want += 8 * len(m)
	}
	if !ok || !ok2 || int(ol) != want || off != len(body) {
		return nil, fmt.Errorf("%w: optimiser state has %d bytes, want %d", ErrCorrupt, ol, want)
	}
	for _, moments := range [][][]float32{t.m.opt.m, t.m.opt.v} {
		for _, a := range moments {
			for i := range a {
				a[i] = math.Float32frombits(binary.LittleEndian.Uint32(ob))
				ob = ob[4:]
			}
		}
	}
	t.m.opt.t = h.State.Steps
	t.m.advanceNoise(h.State.Steps)
	t.countParams()
	if t.hist.LossStride == 0 {
		t.hist.LossStride = 1
	}
	return t, nil
}

// Save writes the trainer's checkpoint (see the package documentation) to path
// atomically: a temporary file in the same folder, synced, then renamed
// over path. It returns ErrRunning while Run is in progress (cancel its
// context and wait for it first).
func (t *Trainer) Save(path string) error {
	if !t.runMu.TryLock() {
		return ErrRunning
	}
	defer t.runMu.Unlock()
	b, err := t.marshal()
	if err != nil {
		return err
	}
	return writeAtomic(path, b)
}

// Clone returns an independent copy of the trainer, weights, optimiser
// state and history included (the round trip of Save and Load, in
// memory): e.g. a frozen decoder that keeps answering while the original
// trains on. Config.CheckpointPath of the copy is empty. It returns
// ErrRunning while Run is in progress.
func (t *Trainer) Clone() (*Trainer, error) {
	if !t.runMu.TryLock() {
		return nil, ErrRunning
	}
	defer t.runMu.Unlock()
	b, err := t.marshal()
	if err != nil {
		return nil, err
	}
	return decode(b)
}

// Load reads a checkpoint written by Save (or by Run with
// Config.CheckpointPath) and returns a trainer that continues where it
// stopped. Errors wrap ErrNotModel, ErrVersion (a newer format) or
// ErrCorrupt (truncated or altered files), and name the file.
// Config.CheckpointPath of the result is empty.
func Load(path string) (*Trainer, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	t, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// LoadFor is Load for use with data of the given shape: it refuses a model
// built for other inputs with an error wrapping ErrShape ("model expects
// 28×28×1 images, data has 8×8×1 images"), or for fewer classes than the
// data has.
func LoadFor(path string, s Shape) (*Trainer, error) {
	t, err := Load(path)
	if err != nil {
		return nil, err
	}
	m := t.shape
	if m.Height != s.Height || m.Width != s.Width || m.Channels != s.Channels {
		return nil, fmt.Errorf("%s: %w: model expects %s, data has %s", path, ErrShape, m, s)
	}
	if s.Classes > m.Classes {
		return nil, fmt.Errorf("%s: %w: model knows %d classes, data has %d", path, ErrShape, m.Classes, s.Classes)
	}
	return t, nil
}

// writeAtomic writes b to path through a synced temporary file renamed
// over it.
func writeAtomic(path string, b []byte) error { return atomicfile.Write(path, b) }

// MarshalBinary returns the trainer's checkpoint, the bytes Save writes
// (for embedding a trained network in a larger file, such as a saved
// session). It returns ErrRunning while Run is in progress.
func (t *Trainer) MarshalBinary() ([]byte, error) {
	if !t.runMu.TryLock() {
		return nil, ErrRunning
	}
	defer t.runMu.Unlock()
	return t.marshal()
}

// UnmarshalTrainer rebuilds a trainer from the bytes of MarshalBinary (or
// of a checkpoint file). Errors wrap ErrNotModel, ErrVersion or ErrCorrupt,
// as Load's do.
func UnmarshalTrainer(b []byte) (*Trainer, error) { return decode(b) }
