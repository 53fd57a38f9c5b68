package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// NumPy's .npy format (numpy.lib.format, versions 1.0 to 3.0): the magic
// "\x93NUMPY", two version bytes, the length of the header (2 bytes little
// endian in version 1, 4 bytes in versions 2 and 3), the header (a Python
// dict literal with the keys descr, fortran_order and shape), then the
// values in C order.
const (
	npyMagic = "\x93NUMPY"
	// maxNPYHeader bounds the header of a .npy file: numpy writes a few
	// hundred bytes and refuses to read more than 10,000 by default.
	maxNPYHeader = 1 << 16
	// maxNPYDims bounds the dimensions of an array, as numpy's NPY_MAXDIMS.
	maxNPYDims = 32
	// maxNPYStringChars bounds the characters of one string of a label
	// array ('<U' or '|S'): class names, not documents.
	maxNPYStringChars = 1024
)

// NPYKind is the kind of values of an NPYArray.
type NPYKind int

const (
	NPYFloat  NPYKind = iota // float32 or float64 ('<f4', '<f8'), kept as float32
	NPYUint8                 // unsigned bytes ('|u1')
	NPYInt                   // signed or unsigned integers of 1 to 8 bytes
	NPYString                // Unicode ('<U') or byte ('|S') strings
)

// NPYArray is an array read from a .npy file. Exactly one of Floats,
// Bytes, Ints and Strings holds its values, in C order.
type NPYArray struct {
	Descr   string // the dtype as the file gives it, e.g. "<f4"
	Shape   []int
	Kind    NPYKind
	Floats  []float32
	Bytes   []uint8
	Ints    []int64
	Strings []string
}

// Len returns the number of values, the product of Shape (1 for a
// scalar).
func (a *NPYArray) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// npyHeader is the parsed header of a .npy file.
type npyHeader struct {
	descr    string
	kind     NPYKind
	itemSize int
	shape    []int
	fortran  bool
	n        int64 // values
	offset   int64 // bytes before the values
}

// ReadNPY reads a .npy file of size bytes from r (the size bounds what
// the header may claim). Accepted values: float32 and float64 ('<f4',
// '<f8', kept as float32, which must be finite and within float32's range),
// unsigned bytes ('|u1'), integers ('<i1' … '<i8', '<u2' … '<u8') and
// strings ('<U', '|S'), little-endian, in C order. The header is checked
// before anything is allocated: the format, the dtype, at most 32
// dimensions, the values within MaxDataBytes (as float32 for numbers, 8
// bytes an integer) and within size. Errors say what is wrong and how to
// write a file that is read.
func ReadNPY(r io.Reader, size int64) (*NPYArray, error) {
	h, err := readNPYHeader(r, size)
	if err != nil {
		return nil, err
	}
	a := &NPYArray{Descr: h.descr, Shape: h.shape, Kind: h.kind}
	n := int(h.n)
	buf := make([]byte, min(int64(idxReadChunk), h.n*int64(h.itemSize)))
	switch h.kind {
	case NPYFloat:
		a.Floats = make([]float32, n)
	case NPYUint8:
		a.Bytes = make([]uint8, n)
	case NPYInt:
		a.Ints = make([]int64, n)
	case NPYString:
		a.Strings = make([]string, n)
	}
	per := max(1, len(buf)/h.itemSize)
	for i := 0; i < n; i += per {
		k := min(per, n-i)
		chunk := buf[:k*h.itemSize]
		if _, err := io.ReadFull(r, chunk); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("the file ends within value %d of %d", i+1, n)
			}
			return nil, err
		}
		if err := h.decode(a, i, chunk); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// decode converts the values of chunk, starting with value i, into a.
func (h *npyHeader) decode(a *NPYArray, i int, chunk []byte) error {
	le := binary.LittleEndian
	sz := h.itemSize
	for j := 0; j*sz < len(chunk); j++ {
		b := chunk[j*sz : (j+1)*sz]
		switch {
		case h.kind == NPYUint8:
			a.Bytes[i+j] = b[0]
		case h.kind == NPYFloat:
			var v float64
			if sz == 4 {
				v = float64(math.Float32frombits(le.Uint32(b)))
			} else {
				v = math.Float64frombits(le.Uint64(b))
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
				return fmt.Errorf("value %d (%s) is %v: every value must be a finite number within float32's range (remove or impute it)", i+j, h.position(i+j), v)
			}
			a.Floats[i+j] = float32(v)
		case h.kind == NPYInt:
			a.Ints[i+j] = h.integer(b)
		case h.descr[1] == 'U':
			s, err := utf32String(b)
			if err != nil {
				return fmt.Errorf("string %d: %v", i+j, err)
			}
			a.Strings[i+j] = s
		default:
			a.Strings[i+j] = strings.ToValidUTF8(string(bytes.TrimRight(b, "\x00")), "\uFFFD")
		}
	}
	return nil
}

// integer returns the little-endian integer b of the header's dtype.
func (h *npyHeader) integer(b []byte) int64 {
	var u uint64
	for k := len(b) - 1; k >= 0; k-- {
		u = u<<8 | uint64(b[k])
	}
	if h.descr[1] == 'i' && len(b) < 8 && b[len(b)-1]&0x80 != 0 {
		u |= ^uint64(0) << (8 * len(b)) // sign extension
	}
	if h.descr[1] == 'u' && u > math.MaxInt64 {
		return math.MaxInt64 // beyond any label; refused by the caller
	}
	return int64(u)
}

// position names value k by its row and column: "row 3, column 7" for a
// matrix, "item 3" for a vector.
func (h *npyHeader) position(k int) string {
	if len(h.shape) < 2 {
		return fmt.Sprintf("item %d", k)
	}
	cols := int(h.n) / max(1, h.shape[0])
	return fmt.Sprintf("row %d, column %d", k/cols, k%cols)
}

// utf32String decodes a NUL-padded UTF-32LE string.
func utf32String(b []byte) (string, error) {
	var sb strings.Builder
	for k := 0; k+4 <= len(b); k += 4 {
		r := rune(binary.LittleEndian.Uint32(b[k:]))
		if r == 0 {
			break
		}
		if !utf8.ValidRune(r) {
			return "", fmt.Errorf("code point %#x is not a character", uint32(r))
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}

// readNPYHeader reads and checks the header of a .npy file of size bytes.
func readNPYHeader(r io.Reader, size int64) (*npyHeader, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil || string(pre[:6]) != npyMagic {
		return nil, errors.New("not a NumPy .npy file (it does not start with \\x93NUMPY): save arrays with numpy.save")
	}
	major := pre[6]
	var hlen int64
	switch major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, errors.New("the file ends in its header")
		}
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, errors.New("the file ends in its header")
		}
		hlen = int64(binary.LittleEndian.Uint32(l[:]))
	default:
		return nil, fmt.Errorf(".npy format version %d.%d: versions 1.0 to 3.0 are read", major, pre[7])
	}
	offset := 10 + hlen // magic, version and a 2-byte length
	if major > 1 {
		offset = 12 + hlen // a 4-byte length
	}
	if hlen > maxNPYHeader || offset > size {
		return nil, fmt.Errorf("a header of %d bytes: more than the limit of %d (maxNPYHeader) or the file holds", hlen, maxNPYHeader)
	}
	text := make([]byte, hlen)
	if _, err := io.ReadFull(r, text); err != nil {
		return nil, errors.New("the file ends in its header")
	}
	h, err := parseNPYHeader(string(text))
	if err != nil {
		return nil, fmt.Errorf("header %q: %v", strings.TrimSpace(string(text)), err)
	}
	h.offset = offset
	if err := h.check(size); err != nil {
		return nil, err
	}
	return h, nil
}

// check checks the parsed header against the limits and size.
func (h *npyHeader) check(size int64) error {
	if h.fortran {
		return errors.New("the array is in Fortran order: save it in C order (numpy.save(f, numpy.ascontiguousarray(a)))")
	}
	if len(h.shape) > maxNPYDims {
		return fmt.Errorf("%d dimensions: at most %d", len(h.shape), maxNPYDims)
	}
	h.n = 1
	for _, d := range h.shape {
		if d < 0 {
			return fmt.Errorf("shape %v has a negative size", h.shape)
		}
		if d > 0 && h.n > MaxDataBytes/int64(d) {
			return fmt.Errorf("shape %v: more than %s of values, the limit (dataset.MaxDataBytes) this program reads", h.shape, humanBytes(MaxDataBytes))
		}
		h.n *= int64(d)
	}
	mem := map[NPYKind]int64{NPYFloat: 4, NPYUint8: 1, NPYInt: 8, NPYString: 16}[h.kind]
	if h.n*mem > MaxDataBytes {
		return fmt.Errorf("shape %v of %s: %s in memory, more than the limit of %s (dataset.MaxDataBytes) this program reads", h.shape, h.descr, humanBytes(h.n*mem), humanBytes(MaxDataBytes))
	}
	if h.kind == NPYString && h.n > MaxItems {
		return fmt.Errorf("%d strings, more than the limit of %d (dataset.MaxItems)", h.n, MaxItems)
	}
	if need := h.offset + h.n*int64(h.itemSize); need > size {
		return fmt.Errorf("the header says shape %v of %s (%d bytes of values), but the file holds %d bytes after its header: truncated", h.shape, h.descr, h.n*int64(h.itemSize), size-h.offset)
	}
	return nil
}

// parseNPYHeader parses the dict literal of a .npy header.
func parseNPYHeader(text string) (*npyHeader, error) {
	p := &pyParser{s: strings.TrimRight(text, " \n\x00")}
	h := &npyHeader{}
	var seen [3]bool
	if !p.eat('{') {
		return nil, errors.New("expected a dict")
	}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return nil, errors.New("expected 'key': value")
		}
		switch key {
		case "descr":
			d, ok := p.str()
			if !ok {
				return nil, errors.New("descr is not a string: structured arrays are not read; save a plain array of numbers")
			}
			if err := h.setDescr(d); err != nil {
				return nil, err
			}
			seen[0] = true
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
			default:
				return nil, errors.New("fortran_order is not True or False")
			}
			seen[1] = true
		case "shape":
			shape, ok := p.tuple()
			if !ok {
				return nil, errors.New("shape is not a tuple of whole numbers")
			}
			h.shape = shape
			seen[2] = true
		default:
			return nil, fmt.Errorf("unknown key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return nil, errors.New("expected , or }")
			}
			break
		}
	}
	if p.skip(); p.i != len(p.s) {
		return nil, errors.New("text after the dict")
	}
	if seen != [3]bool{true, true, true} {
		return nil, errors.New("descr, fortran_order and shape are all needed")
	}
	return h, nil
}

// setDescr sets the kind and item size of the dtype d.
func (h *npyHeader) setDescr(d string) error {
	h.descr = d
	bad := func(why string) error {
		return fmt.Errorf("dtype %q: %s; save float32, float64, uint8, integer or string arrays (a.astype(numpy.float32))", d, why)
	}
	if len(d) == 2 && d[1] == 'O' {
		return bad("Python objects (pickles) are not read")
	}
	if len(d) < 3 {
		return bad("unknown")
	}
	order, kind := d[0], d[1]
	size, err := strconv.Atoi(d[2:])
	if err != nil || size < 1 {
		return bad("unknown")
	}
	if order == '>' && size > 1 {
		return bad("big-endian values are not read; save little-endian (a.astype(a.dtype.newbyteorder('<')))")
	}
	if order != '<' && order != '|' && order != '=' && !(order == '>' && size == 1) {
		return bad("unknown byte order")
	}
	switch {
	case kind == 'f' && (size == 4 || size == 8):
		h.kind, h.itemSize = NPYFloat, size
	case kind == 'u' && size == 1:
		h.kind, h.itemSize = NPYUint8, 1
	case (kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8):
		h.kind, h.itemSize = NPYInt, size
	case kind == 'U' && size <= maxNPYStringChars:
		h.kind, h.itemSize = NPYString, 4*size
	case kind == 'S' && size <= maxNPYStringChars:
		h.kind, h.itemSize = NPYString, size
	case kind == 'U' || kind == 'S':
		return bad(fmt.Sprintf("strings of more than %d characters (maxNPYStringChars)", maxNPYStringChars))
	case kind == 'O':
		return bad("Python objects (pickles) are not read")
	default:
		return bad("not read")
	}
	return nil
}

// pyParser reads the few Python literals of a .npy header.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *pyParser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

// str reads a quoted string without escapes.
func (p *pyParser) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 || strings.ContainsRune(p.s[p.i+1:p.i+1+end], '\\') {
		return "", false
	}
	s := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return s, true
}

// tuple reads a tuple of non-negative whole numbers: (), (5,), (2, 3).
func (p *pyParser) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for !p.eat(')') {
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i || j-p.i > 18 {
			return nil, false
		}
		v, _ := strconv.Atoi(p.s[p.i:j])
		p.i = j
		shape = append(shape, v)
		if len(shape) > maxNPYDims {
			return nil, false
		}
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, false
			}
			break
		}
	}
	return shape, true
}
