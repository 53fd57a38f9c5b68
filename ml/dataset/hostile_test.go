package dataset

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileCase is one well-formed but hostile input of issue 14: files that
// lie about their sizes, special files, labels beyond the classes. setup
// makes it in dir and returns the path to load.
type hostileCase struct {
	item  int // the item of issue 14
	name  string
	setup func(t *testing.T, dir string) string
	// want are parts of the error, or (with warn) of the warnings of a
	// data set that loads.
	want []string
	warn bool
	// maxAlloc bounds the bytes allocated while loading (0: 64 MiB).
	maxAlloc uint64
}

// loadBounded loads path and returns the data set, the error and the
// bytes allocated; it fails the test if loading takes more than 30 s (a
// hang: a FIFO read, a device read for ever).
func loadBounded(t *testing.T, path string) (*Dataset, error, uint64) {
	t.Helper()
	type result struct {
		ds    *Dataset
		err   error
		alloc uint64
	}
	done := make(chan result, 1)
	go func() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ds, err := Load(context.Background(), path, nil)
		runtime.ReadMemStats(&after)
		done <- result{ds, err, after.TotalAlloc - before.TotalAlloc}
	}()
	select {
	case r := <-done:
		return r.ds, r.err, r.alloc
	case <-time.After(30 * time.Second):
		t.Fatalf("loading %s has not returned after 30 s", path)
		return nil, nil, 0
	}
}

// imageClasses writes class folders a and b with three 8×8 PNGs each.
func imageClasses(t *testing.T, dir string) {
	t.Helper()
	for _, c := range []string{"a", "b"} {
		for i := range 3 {
			writeFiles(t, dir, map[string][]byte{
				filepath.Join(c, fmt.Sprintf("%d.png", i)): encodePNG(t, uniform(8, 8, color.NRGBA{uint8(40 * i), 0, 0, 255})),
			})
		}
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// idxFolder writes an IDX training pair into dir.
func idxFolder(t *testing.T, dir string, images, labels []byte) string {
	t.Helper()
	writeFiles(t, dir, map[string][]byte{"train-images-idx3-ubyte.gz": images, "train-labels-idx1-ubyte": labels})
	return dir
}

// tenLabels returns n labels cycling through 0..9.
func tenLabels(n int) []byte {
	l := make([]byte, n)
	for i := range l {
		l[i] = byte(i % 10)
	}
	return l
}

// csvImages returns a Kaggle-style CSV of 2×2 images with the given labels.
func csvImages(labels ...int) string {
	var b strings.Builder
	b.WriteString("label,pixel1,pixel2,pixel3,pixel4\n")
	for i, l := range labels {
		fmt.Fprintf(&b, "%d,%d,0,0,%d\n", l, i, 255-i)
	}
	return b.String()
}

func hostileCases() []hostileCase {
	write := func(name, content string) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			writeFiles(t, dir, map[string][]byte{name: []byte(content)})
			return filepath.Join(dir, name)
		}
	}
	return []hostileCase{
		// 2. Image folders: special files are skipped with a warning naming them.
		{item: 2, name: "FIFO named x.png", setup: func(t *testing.T, dir string) string {
			imageClasses(t, dir)
			mkfifo(t, filepath.Join(dir, "a", "x.png"))
			return dir
		}, want: []string{"a/x.png: a FIFO (named pipe), not a regular file: skipped"}, warn: true},
		{item: 2, name: "link to /dev/zero named .png", setup: func(t *testing.T, dir string) string {
			imageClasses(t, dir)
			symlink(t, "/dev/zero", filepath.Join(dir, "b", "zero.png"))
			return dir
		}, want: []string{"b/zero.png: a character device, not a regular file: skipped"}, warn: true},
		{item: 2, name: "symbolic link loop", setup: func(t *testing.T, dir string) string {
			imageClasses(t, dir)
			symlink(t, "l2.png", filepath.Join(dir, "a", "l1.png"))
			symlink(t, "l1.png", filepath.Join(dir, "a", "l2.png"))
			return dir
		}, want: []string{"a/l1.png: a symbolic link loop: skipped", "a/l2.png: a symbolic link loop"}, warn: true},
		{item: 2, name: "class folder linking back to the data folder", setup: func(t *testing.T, dir string) string {
			imageClasses(t, dir)
			symlink(t, dir, filepath.Join(dir, "c"))
			return dir
		}, want: []string{"c: a link back to a folder above it (a symbolic link loop): skipped"}, warn: true},
		{item: 2, name: "image file of 65 MiB (sparse)", setup: func(t *testing.T, dir string) string {
			imageClasses(t, dir)
			f, err := os.Create(filepath.Join(dir, "a", "huge.png"))
			if err != nil {
				t.Fatal(err)
			}
			f.Write([]byte("\x89PNG"))
			f.Truncate(65 << 20)
			f.Close()
			return dir
		}, want: []string{"a/huge.png: file of more than 64 MiB is too large for an image"}, warn: true},
		{item: 2, name: "FIFO as the data path", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "data.csv")
			mkfifo(t, p)
			return p
		}, want: []string{"data.csv is a FIFO (named pipe), not a data file or folder"}},
		{item: 2, name: "FIFO as an IDX file", setup: func(t *testing.T, dir string) string {
			writeFiles(t, dir, map[string][]byte{"train-labels-idx1-ubyte": idxLabels(tenLabels(10))})
			mkfifo(t, filepath.Join(dir, "train-images-idx3-ubyte"))
			return dir
		}, want: []string{"train-images-idx3-ubyte is a FIFO (named pipe), not a regular file"}},
		{item: 2, name: "FIFO as classes.txt", setup: func(t *testing.T, dir string) string {
			idxFolder(t, dir, gz(idxImages(10, 2, 2, counting(40))), idxLabels(tenLabels(10)))
			mkfifo(t, filepath.Join(dir, ClassNamesFile))
			return dir
		}, want: []string{"classes.txt is a FIFO (named pipe), not a regular file"}},

		// 5. IDX headers that lie are refuted before the pixels are read.
		{item: 5, name: "2,000,000 images with 10 labels", setup: func(t *testing.T, dir string) string {
			return idxFolder(t, dir, gz(idxImages(2_000_000, 28, 28, make([]byte, 1<<20))), idxLabels(tenLabels(10)))
		}, want: []string{"claims 2000000 images of 28×28 pixels (1.5 GiB), more than the limit of 1 GiB (dataset.MaxDataBytes)"}, maxAlloc: 8 << 20},
		{item: 5, name: "1,000,000 images with 10 labels", setup: func(t *testing.T, dir string) string {
			return idxFolder(t, dir, gz(idxImages(1_000_000, 28, 28, make([]byte, 1<<20))), idxLabels(tenLabels(10)))
		}, want: []string{"train-images-idx3-ubyte.gz holds 1000000 images but", "train-labels-idx1-ubyte holds 10 labels (as their headers say)"}, maxAlloc: 8 << 20},
		{item: 5, name: "plain file claiming more than it holds", setup: func(t *testing.T, dir string) string {
			labels := idxLabels(tenLabels(100_000))
			writeFiles(t, dir, map[string][]byte{"train-images-idx3-ubyte": idxImages(100_000, 28, 28, counting(784)), "train-labels-idx1-ubyte": labels})
			return dir
		}, want: []string{"truncated IDX image file", "100000 images of 28×28 pixels (78400000 bytes of pixels)", "ends after 784 bytes"}, maxAlloc: 8 << 20},
		{item: 5, name: "gzip file claiming more than deflate can expand to", setup: func(t *testing.T, dir string) string {
			return idxFolder(t, dir, gz(idxImages(1_000_000, 28, 28, counting(784))), gz(idxLabels(tenLabels(1_000_000))))
		}, want: []string{"the header claims 1000000 images of 28×28 pixels (784000000 bytes)", "holds at most", "deflate expands at most 1032 times"}, maxAlloc: 8 << 20},
		{item: 5, name: "more items than MaxItems", setup: func(t *testing.T, dir string) string {
			return idxFolder(t, dir, gz(idxImages(1<<25, 1, 1, nil)), idxLabels(nil))
		}, want: []string{"claims 33554432 images", "limit of 16777216 items (dataset.MaxItems)"}},
		{item: 5, name: "more pixels than MaxDataBytes", setup: func(t *testing.T, dir string) string {
			return idxFolder(t, dir, gz(idxImages(20_000, 256, 256, nil)), idxLabels(nil))
		}, want: []string{"claims 20000 images of 256×256 pixels (1.2 GiB)", "limit of 1 GiB (dataset.MaxDataBytes)"}},

		// 6. One line of 40 MB: refused once the limit is passed, memory a
		// few times the limit, not 43 times the line.
		{item: 6, name: "CSV with one 40 MB line of numbers", setup: func(t *testing.T, dir string) string {
			return write("wide.csv", strings.Repeat("1,", 20<<20)+"1\n")(t, dir)
		}, want: []string{"wide.csv: line 1: more than 262144 cells in one row", "dataset.MaxColumns"}, maxAlloc: 64 << 20},
		{item: 6, name: "CSV with one 40 MB cell", setup: func(t *testing.T, dir string) string {
			return write("cell.csv", "a,label\n\""+strings.Repeat("x", 40<<20)+"\",1\n")(t, dir)
		}, want: []string{"cell.csv: line 2: a row longer than 16 MiB", "dataset.MaxLineBytes"}, maxAlloc: 160 << 20},
		{item: 6, name: "projector vectors with one 40 MB line", setup: func(t *testing.T, dir string) string {
			write("v_metadata.tsv", "a\n")(t, dir)
			return write("v.tsv", strings.Repeat("1\t", 20<<20)+"1\n")(t, dir)
		}, want: []string{"v.tsv, line 1: longer than 16 MiB", "dataset.MaxLineBytes"}, maxAlloc: 64 << 20},

		// 7. Labels beyond the declared classes.
		{item: 7, name: "IDX label 200 in 10 classes", setup: func(t *testing.T, dir string) string {
			labels := tenLabels(20)
			labels[8] = 200
			labels[18] = 8 // keep 0..9 present
			return idxFolder(t, dir, gz(idxImages(20, 2, 2, counting(80))), idxLabels(labels))
		}, want: []string{"train-labels-idx1-ubyte: label 200 at row 8 (counting from 0); classes are 0–9 — add a classes.txt beside the data"}},
		{item: 7, name: "CSV label 200 in 10 classes", setup: func(t *testing.T, dir string) string {
			return write("fashion.csv", csvImages(0, 1, 2, 3, 4, 5, 6, 7, 200, 8, 9))(t, dir)
		}, want: []string{"fashion.csv, line 10: label 200; classes are 0–9 — add a classes.txt"}},
		{item: 7, name: "CSV labels counted from 1 past 10", setup: func(t *testing.T, dir string) string {
			return write("digits.csv", csvImages(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11))(t, dir)
		}, want: []string{"digits.csv, line 11: label 10; classes are 0–9"}},

		// 9. Small things with misleading messages before.
		{item: 9, name: "CSV with CR-only line ends", setup: func(t *testing.T, dir string) string {
			return write("mac.csv", strings.ReplaceAll(csvImages(0, 1, 2), "\n", "\r"))(t, dir)
		}, want: []string{"mac.csv: the lines end with a carriage return alone (CR"}},
		{item: 9, name: "CSV with a duplicated pixel1 header", setup: func(t *testing.T, dir string) string {
			return write("dup.csv", "label,pixel1,pixel1,pixel3,pixel4\n0,1,2,3,4\n1,1,2,3,4\n")(t, dir)
		}, want: []string{`dup.csv, line 1: columns 2 and 3 are both named "pixel1"`}},

		// 4. A projector pair whose metadata belongs to other vectors.
		{item: 4, name: "TSV metadata of other vectors", setup: func(t *testing.T, dir string) string {
			var v1, m1, v2, m2 bytes.Buffer
			meta := func() [][]string { return [][]string{{"a"}, {"b"}} }
			if err := WriteTSVPair(&v1, &m1, []float32{1, 2, 3, 4}, 2, []string{"label"}, meta()); err != nil {
				t.Fatal(err)
			}
			if err := WriteTSVPair(&v2, &m2, []float32{5, 6, 7, 8}, 2, []string{"label"}, meta()); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, dir, map[string][]byte{"v.tsv": v2.Bytes(), "v_metadata.tsv": m1.Bytes()})
			return filepath.Join(dir, "v.tsv")
		}, want: []string{"v_metadata.tsv, row 1: its pair column holds", "the two files were not written together"}},
	}
}

// TestHostileInputs is the hostile-input suite of issue 14 for the data
// loaders: every case gives a clear error (or loads with a warning naming
// the problem), never a panic or a hang, within bounded memory.
func TestHostileInputs(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(fmt.Sprintf("item %d: %s", tc.item, tc.name), func(t *testing.T) {
			path := tc.setup(t, t.TempDir())
			ds, err, alloc := loadBounded(t, path)
			if tc.warn {
				if err != nil {
					t.Fatalf("want a data set with a warning, got %v", err)
				}
				w := strings.Join(ds.Warnings, "\n")
				for _, want := range tc.want {
					if !strings.Contains(w, want) {
						t.Errorf("warnings %q lack %q", ds.Warnings, want)
					}
				}
			} else {
				if ds != nil {
					t.Fatalf("loaded %d rows, want an error", ds.Train.N)
				}
				wantErr(t, err, tc.want...)
			}
			limit := tc.maxAlloc
			if limit == 0 {
				limit = 64 << 20
			}
			if alloc > limit {
				t.Errorf("allocated %d bytes, more than %d", alloc, limit)
			}
			t.Logf("%d bytes allocated", alloc)
		})
	}
}

// TestHostileInputsFixed: the fixes the messages suggest work — a
// classes.txt declares more classes; a byte order mark and quoted header
// cells are read; a pair written together loads.
func TestHostileInputsFixed(t *testing.T) {
	dir := t.TempDir()
	labels := tenLabels(20)
	labels[8] = 200
	idxFolder(t, dir, gz(idxImages(20, 2, 2, counting(80))), idxLabels(labels))
	names := make([]string, 201)
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	writeFiles(t, dir, map[string][]byte{ClassNamesFile: []byte(strings.Join(names, "\n"))})
	ds, err := LoadIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Classes) != 201 || ds.Train.Labels[8] != 200 || ds.Classes[200] != "c200" {
		t.Errorf("%d classes, label %d", len(ds.Classes), ds.Train.Labels[8])
	}

	csvDir := t.TempDir()
	writeFiles(t, csvDir, map[string][]byte{
		"x.csv":        []byte(csvImages(0, 1, 200)),
		ClassNamesFile: []byte(strings.Join(names, "\n")),
	})
	if ds, err := LoadCSV(filepath.Join(csvDir, "x.csv")); err != nil || len(ds.Classes) != 201 {
		t.Errorf("CSV with classes.txt: %v", err)
	}

	bom := "\uFEFF\"label\",\"pixel1\",\"pixel2\",\"pixel3\",\"pixel4\"\r\n7,1,2,3,4\r\n3,5,6,7,8\r\n"
	ds, err = ReadCSV(strings.NewReader(bom), "bom.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !ds.IsImage() || ds.Train.N != 2 || ds.Train.Labels[0] != 7 || !bytes.Equal(ds.Train.RowPixels(1), []byte{5, 6, 7, 8}) {
		t.Errorf("BOM and quoted header: %d rows, image %v, labels %v", ds.Train.N, ds.IsImage(), ds.Train.Labels)
	}

	var v, m bytes.Buffer
	if err := WriteTSVPair(&v, &m, []float32{1, 2, 3, 4}, 2, []string{"label"}, [][]string{{"a"}, {"b"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.String(), "label\tpair\na\t") {
		t.Errorf("metadata %q lacks the pair column", m.String())
	}
	if _, err := ReadTSVPair(context.Background(), &v, &m, "ok"); err != nil {
		t.Errorf("a pair written together: %v", err)
	}
}

// TestIDXCountsCheckedFirst: with a gzip images file whose pixels really
// are there (1,000,000 blank images, 784 MB of zeros in 760 KB; issue 14
// had 2,000,000, now refused by MaxDataBytes at once), a labels file of
// another count is reported from the two headers, before the pixels are
// read: well under a MB allocated, not the 3.7 GB of before.
func TestIDXCountsCheckedFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 784 MB")
	}
	const n = 1_000_000
	var hdr [16]byte
	binary.BigEndian.PutUint32(hdr[0:], idxImagesMagic)
	binary.BigEndian.PutUint32(hdr[4:], n)
	binary.BigEndian.PutUint32(hdr[8:], 28)
	binary.BigEndian.PutUint32(hdr[12:], 28)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(hdr[:])
	zero := make([]byte, 28*28*1000)
	for range n / 1000 {
		zw.Write(zero)
	}
	zw.Close()
	dir := idxFolder(t, t.TempDir(), buf.Bytes(), idxLabels(tenLabels(10)))
	_, err, alloc := loadBounded(t, dir)
	wantErr(t, err, "holds 1000000 images but", "holds 10 labels")
	if alloc > 8<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}
	t.Logf("a gzip file of %d bytes; %d bytes allocated", buf.Len(), alloc)
}
