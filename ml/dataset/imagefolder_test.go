package dataset

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// uniform returns a w×h NRGBA image of colour c.
func uniform(w, h int, c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// greyOf returns what image/color.GrayModel makes of c.
func greyOf(c color.Color) uint8 { return color.GrayModel.Convert(c).(color.Gray).Y }

// allEqual reports whether every pixel is within tol of v.
func allEqual(pix []uint8, v uint8, tol int) bool {
	for _, p := range pix {
		if d := int(p) - int(v); d < -tol || d > tol {
			return false
		}
	}
	return true
}

func TestLoadImageFolder(t *testing.T) {
	orange := color.NRGBA{200, 100, 50, 255}
	faint := color.NRGBA{250, 10, 90, 128}
	gray := image.NewGray(image.Rect(0, 0, 37, 23))
	for i := range gray.Pix {
		gray.Pix[i] = 77
	}
	pal := image.NewPaletted(image.Rect(0, 0, 5, 5), color.Palette{color.Black, color.RGBA{0, 0, 255, 255}})
	for i := range pal.Pix {
		pal.Pix[i] = 1
	}
	dir := filepath.Join(t.TempDir(), "clothes")
	writeFiles(t, dir, map[string][]byte{
		"Coat/a.png":            encodePNG(t, uniform(8, 8, orange)),
		"Coat/b.png":            encodePNG(t, uniform(8, 8, faint)),
		"Coat/bad.png":          []byte("not an image at all"),
		"Coat/.DS_Store":        []byte("hidden"),
		"Coat/nested/c.png":     encodePNG(t, uniform(8, 8, orange)),
		"Dress/grey.jpg":        encodeJPEG(t, gray),
		"Dress/grey.png":        encodePNG(t, gray),
		"Sandal/blue.gif":       encodeGIF(t, pal),
		"Sandal/cut.png":        encodePNG(t, uniform(8, 8, orange))[:60],
		".hidden/x.png":         encodePNG(t, uniform(8, 8, orange)),
		"loose-file-at-top.png": encodePNG(t, uniform(8, 8, orange)),
	})
	var calls [][2]int
	ds, err := LoadImageFolder(t.Context(), dir, 8, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Classes, []string{"Coat", "Dress", "Sandal"}) || ds.Name != "clothes" || ds.Source != dir {
		t.Errorf("classes %q, name %q, source %q", ds.Classes, ds.Name, ds.Source)
	}
	if ds.Train.N != 5 || ds.HasTest() || ds.Width != 8 || ds.Height != 8 || ds.Dim != 64 || !ds.IsImage() {
		t.Fatalf("%d rows of %d×%d, test %d", ds.Train.N, ds.Width, ds.Height, ds.Test.N)
	}
	if !slices.Equal(ds.Train.Labels, []int{0, 0, 1, 1, 2}) {
		t.Errorf("labels %v", ds.Train.Labels)
	}
	for i, want := range []struct {
		v   uint8
		tol int
	}{{greyOf(orange), 0}, {greyOf(faint), 0}, {77, 1}, {77, 0}, {greyOf(color.RGBA{0, 0, 255, 255}), 0}} {
		if px := ds.Train.RowPixels(i); !allEqual(px, want.v, want.tol) {
			t.Errorf("image %d: pixels %v, want all %d", i, px[:8], want.v)
		}
	}
	wantWarnings := []string{"Coat/bad.png: not a PNG, JPEG or GIF image", "Sandal/cut.png: corrupt PNG image", "2 of 7 images skipped"}
	if len(ds.Warnings) != 3 {
		t.Fatalf("warnings %q, want %q", ds.Warnings, wantWarnings)
	}
	for i, w := range wantWarnings {
		if !bytes.HasPrefix([]byte(ds.Warnings[i]), []byte(w)) {
			t.Errorf("warning %q, want %q...", ds.Warnings[i], w)
		}
	}
	if len(calls) != 7 || calls[0] != [2]int{1, 7} || calls[6] != [2]int{7, 7} {
		t.Errorf("progress calls %v", calls)
	}

	// Side 0 means 28 pixels.
	ds, err = LoadImageFolder(context.Background(), dir, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Width != 28 || len(ds.Train.RowPixels(3)) != 784 || !allEqual(ds.Train.RowPixels(3), 77, 0) {
		t.Errorf("side 0 gave %d×%d", ds.Width, ds.Height)
	}
}

func TestLoadImageFolderTrainTest(t *testing.T) {
	dot := encodePNG(t, uniform(3, 3, color.NRGBA{255, 255, 255, 255}))
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"Train/b/1.png": dot, "Train/b/2.png": dot, "Train/c/1.png": dot,
		"test/a/1.png": dot, "test/c/1.png": dot,
	})
	ds, err := LoadImageFolder(t.Context(), dir, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Classes, []string{"a", "b", "c"}) || !slices.Equal(ds.Train.Labels, []int{1, 1, 2}) || !slices.Equal(ds.Test.Labels, []int{0, 2}) {
		t.Errorf("classes %q, train labels %v, test labels %v", ds.Classes, ds.Train.Labels, ds.Test.Labels)
	}
	if !allEqual(ds.Test.Pixels, 255, 0) || len(ds.Test.Pixels) != 32 {
		t.Errorf("test pixels %v", ds.Test.Pixels)
	}
	if len(ds.Warnings) != 1 || ds.Warnings[0] != `class "a" has no readable training images` {
		t.Errorf("warnings %q", ds.Warnings)
	}
}

func TestLoadImageFolderErrors(t *testing.T) {
	good := encodePNG(t, uniform(2, 2, color.NRGBA{1, 2, 3, 255}))
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		side  int
		want  []string
	}{
		{"empty", map[string][]byte{".keep": nil}, 0, []string{"is empty", "one sub-folder per class"}},
		{"no sub-folders", map[string][]byte{"a.png": good}, 0, []string{"holds files but no class sub-folders", filepath.Join("Coat", "001.png")}},
		{"empty classes", map[string][]byte{"a/.keep": nil, "b/.keep": nil}, 0, []string{"hold no files"}},
		{"nothing readable", map[string][]byte{"a/x.txt": []byte("hello"), "b/y.png": []byte("\x89PNG\r\n\x1a\n")}, 0,
			[]string{"none of the 2 files", "is a readable PNG, JPEG or GIF image", "first problem: a/x.txt: not a PNG, JPEG or GIF image"}},
		{"empty train", map[string][]byte{"train/a/x.txt": nil, "test/a/1.png": good}, 0, []string{"train sub-folder", "no readable"}},
		{"bad side", map[string][]byte{"a/1.png": good}, -1, []string{"side -1"}},
		{"huge side", map[string][]byte{"a/1.png": good}, 5000, []string{"side 5000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			_, err := LoadImageFolder(t.Context(), dir, tc.side, nil)
			wantErr(t, err, tc.want...)
		})
	}
	_, err := LoadImageFolder(t.Context(), filepath.Join(t.TempDir(), "missing"), 0, nil)
	wantErr(t, err, "cannot list")

	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"a/1.png": good, "b/1.png": good})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := LoadImageFolder(ctx, dir, 0, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

func TestResizeArea(t *testing.T) {
	for _, tc := range []struct {
		name    string
		src     []uint8
		w, h    int
		side    int
		want    []uint8
		wantAll int // when ≥ 0, every output pixel
	}{
		{"mean", []uint8{0, 10, 20, 30}, 2, 2, 1, []uint8{15}, -1},
		{"blocks", []uint8{
			0, 0, 100, 100,
			0, 0, 100, 100,
			50, 50, 200, 200,
			50, 50, 200, 250,
		}, 4, 4, 2, []uint8{0, 100, 50, 213}, -1},
		{"fractional", []uint8{0, 30, 60, 0, 30, 60, 0, 30, 60}, 3, 3, 2, []uint8{10, 50, 10, 50}, -1},
		{"upscale", []uint8{9}, 1, 1, 5, nil, 9},
		{"identity", []uint8{1, 2, 3, 4}, 2, 2, 2, []uint8{1, 2, 3, 4}, -1},
		{"constant down", slices.Repeat([]uint8{201}, 97*61), 97, 61, 28, nil, 201},
		{"constant up", slices.Repeat([]uint8{255}, 5*3), 5, 3, 28, nil, 255},
		{"constant odd", slices.Repeat([]uint8{133}, 29*31), 29, 31, 28, nil, 133},
	} {
		got := resizeArea(tc.src, tc.w, tc.h, tc.side)
		if len(got) != tc.side*tc.side {
			t.Errorf("%s: %d pixels, want %d", tc.name, len(got), tc.side*tc.side)
			continue
		}
		if tc.wantAll >= 0 && !allEqual(got, uint8(tc.wantAll), 0) || tc.wantAll < 0 && !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}

func TestLuma(t *testing.T) {
	colours := []color.Color{
		color.RGBA{200, 100, 50, 255}, color.NRGBA{250, 10, 90, 128}, color.Gray16{40000},
		color.YCbCr{100, 50, 200}, color.CMYK{10, 20, 30, 40}, color.RGBA64{1000, 50000, 3, 65535},
	}
	images := []image.Image{
		image.NewRGBA(image.Rect(1, 2, 4, 4)), image.NewNRGBA(image.Rect(0, 0, 3, 2)), image.NewGray16(image.Rect(0, 0, 3, 2)),
		image.NewYCbCr(image.Rect(0, 0, 3, 2), image.YCbCrSubsampleRatio420), image.NewCMYK(image.Rect(0, 0, 3, 2)), image.NewRGBA64(image.Rect(0, 0, 3, 2)),
	}
	for i, img := range images {
		c := colours[i]
		b := img.Bounds()
		switch m := img.(type) {
		case *image.YCbCr:
			for j := range m.Y {
				m.Y[j] = 100
			}
			for j := range m.Cb {
				m.Cb[j], m.Cr[j] = 50, 200
			}
		default:
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					img.(interface{ Set(x, y int, c color.Color) }).Set(x, y, c)
				}
			}
		}
		got := luma(img)
		if len(got) != b.Dx()*b.Dy() || !allEqual(got, greyOf(c), 0) {
			t.Errorf("%T: luma %v, want all %d", img, got, greyOf(c))
		}
	}
}

// hugePNG returns a PNG whose header claims w×h pixels.
func hugePNG(t *testing.T, w, h uint32) []byte {
	b := encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// The IHDR chunk follows the 8-byte signature: length, "IHDR", data, CRC.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestLoadImageFolderSkipped(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"ok/1.png":    encodePNG(t, uniform(3, 3, color.NRGBA{0, 0, 0, 255})),
		"big/big.png": hugePNG(t, 100000, 100000),
	}
	for i := range 60 {
		files[fmt.Sprintf("bad/%02d.jpg", i)] = []byte("\xff\xd8\xff garbage")
	}
	writeFiles(t, dir, files)
	if err := os.Symlink(filepath.Join(dir, "ok"), filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	ds, err := LoadImageFolder(t.Context(), dir, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Classes, []string{"bad", "big", "linked", "ok"}) || !slices.Equal(ds.Train.Labels, []int{2, 3}) {
		t.Errorf("classes %q, labels %v", ds.Classes, ds.Train.Labels)
	}
	w := ds.Warnings
	if len(w) != 54 {
		t.Fatalf("%d warnings: %q", len(w), w)
	}
	for i, want := range map[int]string{
		0:  "bad/00.jpg: corrupt JPEG image",
		49: "bad/49.jpg: corrupt JPEG image",
		50: "... and 11 more",
		51: "61 of 63 images skipped",
		52: `class "bad" has no readable training images`,
		53: `class "big" has no readable training images`,
	} {
		if !strings.HasPrefix(w[i], want) {
			t.Errorf("warning %d is %q, want %q...", i, w[i], want)
		}
	}
	_, err = decodeImage(hugePNG(t, 100000, 100000), 2)
	wantErr(t, err, "PNG image of 100000×100000 pixels is empty or too large")
}
