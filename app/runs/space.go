package runs

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/atomicfile"
)

// A space file holds a run's coordinates: "ESRS", the format version
// (uint32), the rows of the train, validation and test splits and the
// number of columns (four uint32), the float32 values row by row (train,
// then validation, then test), and the CRC-32C of everything before it
// (uint32). All little-endian.
const (
	spaceMagic   = "ESRS"
	spaceVersion = 1
	spaceHeader  = 4 + 4 + 4*4
)

// Limits of a space file, checked before anything is allocated.
const (
	// MaxSpaceRows bounds the rows of one split: ten times the largest
	// data sets the app is made for (Fashion-MNIST's 70,000 items, CIFAR's
	// 60,000) is far beyond any real run.
	MaxSpaceRows = 10_000_000
	// MaxSpaceDim bounds the columns: spaces are embeddings and maps; the
	// widest is the pixels of a 96×96 colour image (27,648).
	MaxSpaceDim = 1 << 16
	// MaxSpaceBytes bounds a whole file (4 GiB): what one process can hold
	// beside the data on a desktop.
	MaxSpaceBytes = 4 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSpace stores a run's coordinates, atomically. The three matrices
// must have the same number of columns (an empty split may have any).
func (s *Store) WriteSpace(id string, train, val, test blas32.General) error {
	if !ValidID(id) {
		return fmt.Errorf("runs: %q is not a run ID", id)
	}
	cols := train.Cols
	for _, m := range []blas32.General{val, test} {
		if m.Rows > 0 && m.Cols != cols {
			return fmt.Errorf("runs: the splits of run %s have %d and %d columns", id, cols, m.Cols)
		}
	}
	n := (train.Rows + val.Rows + test.Rows) * cols
	b := make([]byte, 0, spaceHeader+4*n+4)
	b = append(b, spaceMagic...)
	b = binary.LittleEndian.AppendUint32(b, spaceVersion)
	for _, v := range []int{train.Rows, val.Rows, test.Rows, cols} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	for _, m := range []blas32.General{train, val, test} {
		for r := 0; r < m.Rows; r++ {
			for _, v := range m.Data[r*m.Stride : r*m.Stride+cols] {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			}
		}
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	if err := os.MkdirAll(filepath.Join(s.Dir, id), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(s.path(id, spaceFile), b)
}

// ReadSpace reads a run's coordinates: train, validation and test, each
// rows×cols, densely packed. The sizes in the header are checked against
// the limits and the file's length before anything is allocated.
func (s *Store) ReadSpace(id string) (train, val, test blas32.General, err error) {
	if !ValidID(id) {
		return train, val, test, fmt.Errorf("%q is not a run ID: %w", id, ErrNotFound)
	}
	p := s.path(id, spaceFile)
	fi, err := os.Stat(p)
	if err != nil {
		return train, val, test, fmt.Errorf("run %s has no coordinates: %w", id, err)
	}
	if fi.Size() < spaceHeader+4 || fi.Size() > MaxSpaceBytes {
		return train, val, test, fmt.Errorf("run %s: %s is %d bytes, not a space file", id, spaceFile, fi.Size())
	}
	b, err := readCapped(p, MaxSpaceBytes)
	if err != nil {
		return train, val, test, fmt.Errorf("run %s: %w", id, err)
	}
	m, err := decodeSpace(b)
	if err != nil {
		return train, val, test, fmt.Errorf("run %s: %s: %w", id, spaceFile, err)
	}
	return m[0], m[1], m[2], nil
}

// decodeSpace parses a space file; it never panics.
func decodeSpace(b []byte) ([3]blas32.General, error) {
	var out [3]blas32.General
	if len(b) < spaceHeader+4 || string(b[:4]) != spaceMagic {
		return out, fmt.Errorf("not a space file")
	}
	if v := binary.LittleEndian.Uint32(b[4:]); v != spaceVersion {
		return out, fmt.Errorf("format version %d (this EmbedScope reads %d)", v, spaceVersion)
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return out, fmt.Errorf("the checksum does not match: the file is damaged")
	}
	var rows [3]uint64
	for i := range rows {
		rows[i] = uint64(binary.LittleEndian.Uint32(b[8+4*i:]))
		if rows[i] > MaxSpaceRows {
			return out, fmt.Errorf("%d rows, more than the limit of %d", rows[i], MaxSpaceRows)
		}
	}
	cols := uint64(binary.LittleEndian.Uint32(b[20:]))
	if cols > MaxSpaceDim {
		return out, fmt.Errorf("%d columns, more than the limit of %d", cols, MaxSpaceDim)
	}
	n := (rows[0] + rows[1] + rows[2]) * cols
	if uint64(len(body)-spaceHeader) != 4*n {
		return out, fmt.Errorf("its header promises %d values, the file holds %d bytes of them", n, len(body)-spaceHeader)
	}
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[spaceHeader+4*i:]))
	}
	off := uint64(0)
	for i := range out {
		c := int(cols)
		k := rows[i] * cols
		out[i] = blas32.General{Rows: int(rows[i]), Cols: c, Stride: c, Data: vals[off : off+k : off+k]}
		if c == 0 {
			out[i].Stride = 1
		}
		off += k
	}
	return out, nil
}
