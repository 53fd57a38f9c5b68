package nn

import (
	"embedscope/ml/atomicfile"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"
	"syscall"
)

// Weights file format, version 1. All integers are little-endian.
//
//	magic    4 bytes  "ESNN"
//	version  uint32   1
//	count    uint32   number of parameter arrays
//	count times:
//	  nameLen  uint16, name  nameLen bytes (UTF-8, as Sequential.NamedParams)
//	  rank     uint8,  dims  rank × uint32
//	  values   prod(dims) × float32 (IEEE 754)
//	crc      uint32   CRC-32 (Castagnoli) of every byte before it
//
// A file is loaded only into a network whose NamedParams have the same
// names and shapes, in the same order.
const (
	weightsMagic   = "ESNN"
	weightsVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors returned when reading weights; test with errors.Is.
var (
	ErrNotWeights = errors.New("nn: not an EmbedScope weights file")
	ErrVersion    = errors.New("nn: unsupported weights file version")
	ErrCorrupt    = errors.New("nn: weights file is truncated or corrupt")
	ErrMismatch   = errors.New("nn: weights do not match the network")
)

// weightsSize returns the size of the network's parameters in the weights
// format.
func (s *Sequential) weightsSize() int64 {
	names, params := s.NamedParams()
	size := int64(16)
	for i, p := range params {
		size += 3 + int64(len(names[i])) + 4*int64(len(p.Shape)) + 4*int64(len(p.Value))
	}
	return size
}

// MarshalWeights returns the network's parameters in the weights format.
func (s *Sequential) MarshalWeights() ([]byte, error) {
	names, params := s.NamedParams()
	b := make([]byte, 0, s.weightsSize())
	b = append(b, weightsMagic...)
	b = binary.LittleEndian.AppendUint32(b, weightsVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(params)))
	for i, p := range params {
		if len(names[i]) > math.MaxUint16 || len(p.Shape) > math.MaxUint8 {
			return nil, fmt.Errorf("nn: parameter %q cannot be saved: name or rank too large", names[i])
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(names[i])))
		b = append(b, names[i]...)
		b = append(b, byte(len(p.Shape)))
		for _, d := range p.Shape {
			if d > math.MaxUint32 {
				return nil, fmt.Errorf("nn: parameter %q cannot be saved: dimension %d too large", names[i], d)
			}
			b = binary.LittleEndian.AppendUint32(b, uint32(d))
		}
		for _, v := range p.Value {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)), nil
}

// UnmarshalWeights sets the network's parameters from data in the weights
// format. It checks the magic, version and checksum, then that every saved
// array has the name and shape of the corresponding parameter; on any error
// the network is left unchanged.
func (s *Sequential) UnmarshalWeights(data []byte) error {
	if len(data) < 4 {
		if string(data) == weightsMagic[:len(data)] {
			return fmt.Errorf("%w: %d bytes", ErrCorrupt, len(data))
		}
		return ErrNotWeights
	}
	if string(data[:4]) != weightsMagic {
		return ErrNotWeights
	}
	if len(data) < 16 {
		return fmt.Errorf("%w: %d bytes", ErrCorrupt, len(data))
	}
	if v := binary.LittleEndian.Uint32(data[4:]); v != weightsVersion {
		return fmt.Errorf("%w: %d (this program reads version %d)", ErrVersion, v, weightsVersion)
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	names, params := s.NamedParams()
	r := reader{b: body, off: 12}
	count := int(binary.LittleEndian.Uint32(data[8:]))
	if count != len(params) {
		return fmt.Errorf("%w: file has %d parameter arrays, network has %d", ErrMismatch, count, len(params))
	}
	values := make([][]byte, count)
	for i, p := range params {
		name := string(r.next(int(r.uint16())))
		shape := make([]int, r.next(1)[0])
		for j := range shape {
			shape[j] = int(r.uint32())
		}
		if r.err {
			return fmt.Errorf("%w: record %d runs past the end", ErrCorrupt, i)
		}
		if name != names[i] || !slices.Equal(shape, p.Shape) {
			return fmt.Errorf("%w: array %d is %s %v in the file, %s %v in the network",
				ErrMismatch, i, name, shape, names[i], p.Shape)
		}
		values[i] = r.next(4 * len(p.Value))
		if r.err {
			return fmt.Errorf("%w: values of %s run past the end", ErrCorrupt, name)
		}
	}
	if r.off != len(body) {
		return fmt.Errorf("%w: %d unexpected bytes after the last array", ErrCorrupt, len(body)-r.off)
	}
	for i, p := range params {
		for j := range p.Value {
			p.Value[j] = math.Float32frombits(binary.LittleEndian.Uint32(values[i][4*j:]))
		}
	}
	return nil
}

// reader walks a byte slice, recording whether a read ran past its end.
type reader struct {
	b   []byte
	off int
	err bool
}

func (r *reader) next(n int) []byte {
	if r.err || n < 0 || n > len(r.b)-r.off {
		r.err = true
		return make([]byte, max(n, 0))
	}
	r.off += n
	return r.b[r.off-n : r.off]
}

func (r *reader) uint16() uint16 { return binary.LittleEndian.Uint16(r.next(2)) }
func (r *reader) uint32() uint32 { return binary.LittleEndian.Uint32(r.next(4)) }

// WriteWeights writes the network's parameters to w in the weights format.
func (s *Sequential) WriteWeights(w io.Writer) error {
	b, err := s.MarshalWeights()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// ReadWeights reads weights written by WriteWeights from r (to its end)
// into the network; see UnmarshalWeights.
func (s *Sequential) ReadWeights(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return s.UnmarshalWeights(b)
}

// Save writes the network's parameters to the file path atomically: to a
// temporary file in the same directory, synced, then renamed over path, so
// that path holds either its old contents or the complete new file.
func (s *Sequential) Save(path string) error {
	b, err := s.MarshalWeights()
	if err != nil {
		return err
	}
	return atomicfile.Write(path, b)
}

// Load reads the network's parameters from the file path; see
// UnmarshalWeights. Errors name the file. Only a regular file is read (a
// FIFO would block for ever, a device never end), and only one of the size
// the network's weights take.
func (s *Sequential) Load(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%v): choose a weights file", path, st.Mode().Type())
	}
	if want := s.weightsSize(); st.Size() > want {
		return fmt.Errorf("%s: %w: a file of %d bytes, more than the %d bytes of the network's weights", path, ErrMismatch, st.Size(), want)
	}
	b, err := io.ReadAll(io.LimitReader(f, st.Size()))
	if err != nil {
		return err
	}
	if err := s.UnmarshalWeights(b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
