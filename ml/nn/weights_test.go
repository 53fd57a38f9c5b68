package nn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func paramValues(s *Sequential) [][]float32 {
	var v [][]float32
	for _, p := range s.Params() {
		v = append(v, slices.Clone(p.Value))
	}
	return v
}

func sameValues(a, b [][]float32) bool {
	return slices.EqualFunc(a, b, func(x, y []float32) bool { return slices.Equal(x, y) })
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.weights")
	src := SeedEmbeddingNet(32, 1)
	if err := src.Save(path); err != nil {
		t.Fatal(err)
	}
	dst := SeedEmbeddingNet(32, 2)
	if err := dst.Load(path); err != nil {
		t.Fatal(err)
	}
	if !sameValues(paramValues(src), paramValues(dst)) {
		t.Fatal("loaded weights differ from saved ones")
	}
	// Saving again replaces the file; no temporary files are left behind.
	if err := dst.Save(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after two saves", len(entries))
	}
	// Size: header 12 + per array (2 + name + 1 + 4·rank + 4·values) + crc 4.
	names, params := src.NamedParams()
	size := 16
	for i, p := range params {
		size += 3 + len(names[i]) + 4*len(p.Shape) + 4*len(p.Value)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != int64(size) {
		t.Errorf("file size %v (%v), want %d", fi.Size(), err, size)
	}
	if names[0] != "1.conv2d.kernel" || names[len(names)-1] != "11.dense.bias" {
		t.Errorf("parameter names %v", names)
	}
}

func TestLoadErrors(t *testing.T) {
	net := MLPEmbeddingNet(20, 4, 1)
	good, err := net.MarshalWeights()
	if err != nil {
		t.Fatal(err)
	}
	before := paramValues(net)
	withCRC := func(b []byte) []byte {
		b = b[:len(b)-4]
		return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	}
	flipped := slices.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	version := slices.Clone(good)
	version[4] = 2
	other, _ := MLPEmbeddingNet(20, 5, 1).MarshalWeights()
	seed, _ := SeedEmbeddingNet(4, 1).MarshalWeights()

	for _, c := range []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrCorrupt, ""},
		{"text", []byte("hello world, not weights"), ErrNotWeights, ""},
		{"magic only", good[:4], ErrCorrupt, ""},
		{"truncated", good[:len(good)-9], ErrCorrupt, "checksum"},
		{"no checksum", good[:len(good)-4], ErrCorrupt, "checksum"},
		{"flipped bit", flipped, ErrCorrupt, "checksum"},
		{"version", withCRC(version), ErrVersion, "2"},
		{"other width", other, ErrMismatch, "[128 4]"},
		{"other network", seed, ErrMismatch, "parameter arrays"},
		{"extra bytes", withCRC(append(slices.Clone(good), 0, 0, 0, 0)), ErrCorrupt, "unexpected bytes"},
	} {
		err := net.UnmarshalWeights(c.data)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %v containing %q", c.name, err, c.want, c.msg)
		}
		if !sameValues(before, paramValues(net)) {
			t.Fatalf("%s: failed load changed the network", c.name)
		}
	}

	// File errors name the path; reading from a reader works as well.
	path := filepath.Join(t.TempDir(), "bad.weights")
	if err := os.WriteFile(path, flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := net.Load(path); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load: %v", err)
	}
	if err := net.ReadWeights(bytes.NewReader(good)); err != nil {
		t.Errorf("ReadWeights: %v", err)
	}
	if err := net.Save(filepath.Join(t.TempDir(), "missing", "x.weights")); err == nil {
		t.Error("Save into a missing directory succeeded")
	}
}
