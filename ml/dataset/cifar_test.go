package dataset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
)

// cifarRecord returns one CIFAR record: the labels, then the red, green
// and blue planes of a 32×32 image whose pixel p is (r+p, g+p, b+p) mod 256.
func cifarRecord(labels []byte, r, g, b byte) []byte {
	rec := slices.Clone(labels)
	for _, base := range []byte{r, g, b} {
		for p := range 1024 {
			rec = append(rec, base+byte(p))
		}
	}
	return rec
}

func TestReadCIFARBatch(t *testing.T) {
	batch := append(cifarRecord([]byte{3}, 10, 20, 30), cifarRecord([]byte{7}, 0, 100, 200)...)
	n, pix, labels, err := ReadCIFARBatch(bytes.NewReader(batch), int64(len(batch)), 1)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || !slices.Equal(labels, []int{3, 7}) || len(pix) != 2*3072 {
		t.Fatalf("%d images, labels %v, %d bytes", n, labels, len(pix))
	}
	// Pixel 33 (row 1, column 1) of the first image: (10+33, 20+33, 30+33).
	if !slices.Equal(pix[3*33:3*33+3], []uint8{43, 53, 63}) || !slices.Equal(pix[3072+3*1023:3072+3*1024], []uint8{255, 99, 199}) {
		t.Errorf("pixels %v, %v", pix[3*33:3*33+3], pix[3072+3*1023:3072+3*1024])
	}
	// CIFAR-100: the second label byte (fine) is the label.
	rec := cifarRecord([]byte{4, 42}, 1, 2, 3)
	if _, _, labels, err := ReadCIFARBatch(bytes.NewReader(rec), int64(len(rec)), 2); err != nil || !slices.Equal(labels, []int{42}) {
		t.Errorf("CIFAR-100 labels %v, %v", labels, err)
	}
	for _, tc := range []struct {
		name string
		r    []byte
		size int64
		want string
	}{
		{"empty", nil, 0, "the file is empty"},
		{"partial record", batch[:5000], 5000, "5000 bytes are not a whole number of records of 3073 bytes"},
		{"short reader", batch[:3073], int64(len(batch)), "the file ends within record 2 of 2"},
		{"too many", nil, 3073 * (1<<24 + 1), "more than the limits of 16777216 images (dataset.MaxItems)"},
	} {
		_, pix, _, err := ReadCIFARBatch(bytes.NewReader(tc.r), tc.size, 1)
		if pix != nil {
			t.Errorf("%s: pixels with error", tc.name)
		}
		wantErr(t, err, tc.want)
	}
}

func TestLoadCIFARDir(t *testing.T) {
	root := t.TempDir()
	b1 := append(cifarRecord([]byte{0}, 1, 1, 1), cifarRecord([]byte{1}, 2, 2, 2)...)
	b2 := cifarRecord([]byte{2}, 3, 3, 3)
	test := cifarRecord([]byte{1}, 4, 4, 4)
	writeFiles(t, root, map[string][]byte{
		"cifar-10-batches-bin/data_batch_1.bin": b1, "cifar-10-batches-bin/data_batch_2.bin": b2, "cifar-10-batches-bin/test_batch.bin": test,
		"cifar-10-batches-bin/batches.meta.txt": []byte("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n"),
		"c100/train.bin":                        cifarRecord([]byte{0, 99}, 0, 0, 0), "c100/test.bin": cifarRecord([]byte{1, 5}, 0, 0, 0),
		"c100/fine_label_names.txt": []byte("x0\n"),
		"bad/data_batch_1.bin":      b1[:100], "stray/data_batch_1.bin": cifarRecord([]byte{12}, 0, 0, 0),
		"only/test_batch.bin": test,
	})
	for _, path := range []string{root, filepath.Join(root, "cifar-10-batches-bin"), filepath.Join(root, "cifar-10-batches-bin", "data_batch_2.bin")} {
		var last [2]int
		ds, err := Load(t.Context(), path, func(done, total int) { last = [2]int{done, total} })
		if err != nil {
			t.Fatal(err)
		}
		if ds.Name != "CIFAR-10" || ds.Width != 32 || ds.Height != 32 || ds.NumChannels() != 3 || ds.Dim != 3072 || ds.Train.N != 3 || ds.Test.N != 1 {
			t.Errorf("%s: %q %d×%d×%d, %d + %d", path, ds.Name, ds.Width, ds.Height, ds.Channels, ds.Train.N, ds.Test.N)
		}
		if !slices.Equal(ds.Train.Labels, []int{0, 1, 2}) || !slices.Equal(ds.Classes, CIFAR10Classes) || ds.Train.RowPixels(2)[0] != 3 || ds.Test.RowPixels(0)[0] != 4 {
			t.Errorf("%s: labels %v, classes %q", path, ds.Train.Labels, ds.Classes)
		}
		if last[0] != last[1] || last[1] != 4*3073 {
			t.Errorf("progress %v", last)
		}
	}
	// CIFAR-100 without enough names: the names file must name every label.
	_, err := Load(t.Context(), filepath.Join(root, "c100"), nil)
	wantErr(t, err, "fine_label_names.txt names 1 classes but the labels go up to 99")
	writeFiles(t, root, map[string][]byte{"c100/fine_label_names.txt": nil})
	_, err = Load(t.Context(), filepath.Join(root, "c100"), nil)
	wantErr(t, err, "fine_label_names.txt: no class names")

	_, err = Load(t.Context(), filepath.Join(root, "bad"), nil)
	wantErr(t, err, filepath.Join("bad", "data_batch_1.bin"), "100 bytes are not a whole number of records")
	_, err = Load(t.Context(), filepath.Join(root, "stray"), nil)
	wantErr(t, err, "data_batch_1.bin: record 0 (counting from 0) has label 12; classes are 0–9")
	ds, err := Load(t.Context(), filepath.Join(root, "only"), nil)
	if err != nil || ds.Train.N != 1 || ds.HasTest() || ds.Name != "CIFAR-10 (only)" {
		t.Errorf("test batch only: %+v, %v", ds, err)
	}
}

func TestWriteSyntheticCIFAR(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSyntheticCIFAR(t.Context(), dir, 23, 7, 5); err != nil {
		t.Fatal(err)
	}
	ds, err := Load(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Train.N != 23 || ds.Test.N != 7 || !slices.Equal(ds.Classes, SyntheticClasses) || ds.Train.Labels[22] != 2 || ds.Test.Labels[6] != 6 {
		t.Errorf("%d + %d items, classes %q, labels %v", ds.Train.N, ds.Test.N, ds.Classes, ds.Train.Labels)
	}
	// The same arguments write the same bytes.
	sum := sha256.Sum256(ds.Train.Pixels)
	dir2 := t.TempDir()
	if err := WriteSyntheticCIFAR(t.Context(), dir2, 23, 7, 5); err != nil {
		t.Fatal(err)
	}
	ds2, err := Load(t.Context(), dir2, nil)
	if err != nil || sha256.Sum256(ds2.Train.Pixels) != sum {
		t.Errorf("a second run differs: %v", err)
	}
	// Each class's shape has its hue: the red disc's centre pixel is mostly red.
	img := SyntheticImage(0, 32, rand.New(rand.NewPCG(1, 2)))
	c := img.NRGBAAt(16, 16)
	if !(int(c.R) > int(c.G)+40 && int(c.R) > int(c.B)+40) {
		t.Errorf("red disc centre %v (%s)", c, hex.EncodeToString(img.Pix[:12]))
	}
}

// cifarSeeds are valid and broken CIFAR batches for the fuzz corpus.
func cifarSeeds() [][]byte {
	return [][]byte{cifarRecord([]byte{1}, 0, 1, 2), cifarRecord([]byte{3, 4}, 9, 9, 9), cifarRecord([]byte{1}, 0, 0, 0)[:100], nil}
}

func FuzzReadCIFARBatch(f *testing.F) {
	for _, b := range cifarSeeds() {
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, cifar100 bool) {
		lb := 1
		if cifar100 {
			lb = 2
		}
		n, pix, labels, err := ReadCIFARBatch(bytes.NewReader(data), int64(len(data)), lb)
		if err != nil {
			if pix != nil || labels != nil || n != 0 {
				t.Fatalf("data returned with error %v", err)
			}
			return
		}
		if n*(lb+3072) != len(data) || len(pix) != n*3072 || len(labels) != n {
			t.Fatalf("%d images, %d bytes, %d labels from %d bytes", n, len(pix), len(labels), len(data))
		}
		for i, l := range labels {
			if l != int(data[i*(lb+3072)+lb-1]) {
				t.Fatalf("label %d is %d", i, l)
			}
		}
		ds := &Dataset{Name: "fuzz", Classes: NumberedClasses(256), Width: 32, Height: 32, Channels: 3, Dim: 3072,
			Train: Part{N: n, Dim: 3072, Pixels: pix, Labels: labels}}
		if err := ds.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}
