package dataset

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// rect returns a w×h opaque NRGBA image of colour (r, g, b).
func rect(w, h int, r, g, b uint8) *image.NRGBA { return uniform(w, h, color.NRGBA{r, g, b, 255}) }

// rgbAt returns the channels of pixel (x, y) of row i of part p.
func rgbAt(ds *Dataset, p *Part, i, x, y int) []uint8 {
	c := ds.NumChannels()
	o := (y*ds.Width + x) * c
	return p.RowPixels(i)[o : o+c]
}

func TestLoadImagesColour(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"orange/a.png": encodePNG(t, rect(8, 6, 200, 100, 50)),
		"orange/b.png": encodePNG(t, uniform(8, 6, color.NRGBA{200, 100, 50, 128})), // half transparent: on black
		"blue/a.png":   encodePNG(t, rect(8, 6, 0, 0, 255)),
	})
	var calls [][2]int
	ds, err := LoadImages(t.Context(), dir, ImageOptions{}, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	// One size, within DefaultMaxSide: kept, non-square.
	if ds.Width != 8 || ds.Height != 6 || ds.Channels != 3 || ds.Dim != 144 || ds.Train.N != 3 {
		t.Fatalf("%d×%d×%d, %d features, %d rows", ds.Width, ds.Height, ds.Channels, ds.Dim, ds.Train.N)
	}
	if len(calls) != 6 || calls[5] != [2]int{6, 6} {
		t.Errorf("progress %v", calls)
	}
	// Premultiplied on black: 200·128/255 = 100.4 → 100 (16-bit: 0xc8c8·0x8080/0xffff >> 8).
	for i, want := range [][]uint8{{0, 0, 255}, {200, 100, 50}, {100, 50, 25}} {
		if got := rgbAt(ds, &ds.Train, i, 7, 5); !slices.Equal(got, want) {
			t.Errorf("image %d: %v, want %v", i, got, want)
		}
	}
	img, ok := ds.Image(&ds.Train, 1).(*image.NRGBA)
	if !ok || img.Bounds() != image.Rect(0, 0, 8, 6) || img.NRGBAAt(3, 2) != (color.NRGBA{200, 100, 50, 255}) {
		t.Errorf("Image: %T %v", ds.Image(&ds.Train, 1), ds.Image(&ds.Train, 1).Bounds())
	}

	// Greyscale option: luma, as LoadImageFolder, at the kept size.
	ds, err = LoadImages(t.Context(), dir, ImageOptions{Grey: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Channels != 1 || ds.Dim != 48 || ds.Train.RowPixels(1)[0] != greyOf(color.NRGBA{200, 100, 50, 255}) {
		t.Errorf("grey: %d channels, %d features, pixel %d", ds.Channels, ds.Dim, ds.Train.RowPixels(1)[0])
	}
	if _, ok := ds.Image(&ds.Train, 0).(*image.Gray); !ok {
		t.Errorf("grey Image is %T", ds.Image(&ds.Train, 0))
	}
}

// TestLoadImagesGreyFolder: a folder of grey pixels (even stored as RGB)
// loads with one channel, the same bytes as the greyscale reader.
func TestLoadImagesGreyFolder(t *testing.T) {
	dir := t.TempDir()
	g := image.NewGray(image.Rect(0, 0, 5, 5))
	for i := range g.Pix {
		g.Pix[i] = uint8(10 * i)
	}
	writeFiles(t, dir, map[string][]byte{
		"a/gray.png": encodePNG(t, g), "a/rgb.png": encodePNG(t, rect(5, 5, 77, 77, 77)),
		"b/pal.gif": encodeGIF(t, g),
	})
	ds, err := LoadImages(t.Context(), dir, ImageOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := LoadImageFolder(t.Context(), dir, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Channels != 1 || ds.Dim != 25 || !slices.Equal(ds.Train.Pixels, legacy.Train.Pixels) {
		t.Errorf("%d channels, pixels %v, want %v", ds.Channels, ds.Train.Pixels, legacy.Train.Pixels)
	}
}

func TestLoadImagesSizes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"a/wide.png": encodePNG(t, rect(8, 4, 255, 0, 0)),
		"b/tall.png": encodePNG(t, rect(2, 4, 0, 255, 0)),
	})
	// Letterbox (the default): a 4×4 square, the wide image as rows 1–2,
	// the tall one as columns 1–2, on black.
	ds, err := LoadImages(t.Context(), dir, ImageOptions{Side: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Width != 4 || ds.Height != 4 || ds.Channels != 3 {
		t.Fatalf("letterbox: %d×%d×%d", ds.Width, ds.Height, ds.Channels)
	}
	for _, tc := range []struct {
		row, x, y int
		want      []uint8
	}{{0, 0, 0, []uint8{0, 0, 0}}, {0, 0, 1, []uint8{255, 0, 0}}, {0, 3, 2, []uint8{255, 0, 0}}, {0, 3, 3, []uint8{0, 0, 0}},
		{1, 0, 0, []uint8{0, 0, 0}}, {1, 1, 0, []uint8{0, 255, 0}}, {1, 2, 3, []uint8{0, 255, 0}}, {1, 3, 3, []uint8{0, 0, 0}}} {
		if got := rgbAt(ds, &ds.Train, tc.row, tc.x, tc.y); !slices.Equal(got, tc.want) {
			t.Errorf("letterbox image %d (%d, %d): %v, want %v", tc.row, tc.x, tc.y, got, tc.want)
		}
	}
	// Crop: every pixel is the image's colour. Without Side the square's
	// side is the largest side met, 8.
	ds, err = LoadImages(t.Context(), dir, ImageOptions{Fit: FitCrop}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Width != 8 || ds.Height != 8 {
		t.Fatalf("crop: %d×%d", ds.Width, ds.Height)
	}
	for y := range 8 {
		for x := range 8 {
			if !slices.Equal(rgbAt(ds, &ds.Train, 0, x, y), []uint8{255, 0, 0}) || !slices.Equal(rgbAt(ds, &ds.Train, 1, x, y), []uint8{0, 255, 0}) {
				t.Fatalf("crop (%d, %d): %v %v", x, y, rgbAt(ds, &ds.Train, 0, x, y), rgbAt(ds, &ds.Train, 1, x, y))
			}
		}
	}
	// One size larger than the limit: shrunk, aspect kept (200×100 → 96×48).
	big := t.TempDir()
	writeFiles(t, big, map[string][]byte{"a/1.png": encodePNG(t, rect(200, 100, 9, 8, 7)), "b/1.png": encodePNG(t, rect(200, 100, 1, 2, 3))})
	ds, err = LoadImages(t.Context(), big, ImageOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Width != 96 || ds.Height != 48 || !slices.Equal(rgbAt(ds, &ds.Train, 1, 95, 47), []uint8{1, 2, 3}) {
		t.Errorf("shrunk: %d×%d", ds.Width, ds.Height)
	}
	if _, err := ParseFit("squash"); err == nil {
		t.Error("ParseFit accepted squash")
	}
	if f, err := ParseFit("Crop"); err != nil || f != FitCrop || f.String() != "crop" {
		t.Errorf("ParseFit(Crop) = %v, %v", f, err)
	}
}

func TestFitImageAreas(t *testing.T) {
	// A 4×2 grey ramp letterboxed into 2×2: halved by area along x into
	// row 0 of a 2×1 band, on black.
	src := []uint8{0, 40, 80, 120, 10, 50, 90, 130}
	got := fitImage(src, 4, 2, 1, geometry{2, 2, FitLetterbox})
	// Column 0 averages {0, 40, 10, 50} = 25, column 1 {80, 120, 90, 130} = 105; the band is row 0 ((2−1)/2 = 0).
	if !slices.Equal(got, []uint8{25, 105, 0, 0}) {
		t.Errorf("letterbox %v", got)
	}
	// Cropped into 2×2: scaled to 4×2 (unchanged), columns 1–2 kept.
	if got := fitImage(src, 4, 2, 1, geometry{2, 2, FitCrop}); !slices.Equal(got, []uint8{40, 80, 50, 90}) {
		t.Errorf("crop %v", got)
	}
	// Three channels resize each on its own, as resizeArea does one plane.
	rng := rand.New(rand.NewPCG(1, 1))
	rgbSrc := make([]uint8, 7*5*3)
	for i := range rgbSrc {
		rgbSrc[i] = uint8(rng.IntN(256))
	}
	out := resizePlanes(rgbSrc, 7, 5, 3, 3, 3)
	for c := range 3 {
		plane := make([]uint8, 35)
		for p := range plane {
			plane[p] = rgbSrc[3*p+c]
		}
		want := resizeArea(plane, 7, 5, 3)
		for p, v := range want {
			if out[3*p+c] != v {
				t.Fatalf("channel %d pixel %d: %d, want %d", c, p, out[3*p+c], v)
			}
		}
	}
	for _, tc := range []struct {
		sizes []image.Point
		limit int
		want  geometry
	}{
		{[]image.Point{{32, 32}, {32, 32}}, 96, geometry{32, 32, FitLetterbox}},
		{[]image.Point{{300, 200}}, 96, geometry{96, 64, FitLetterbox}},
		{[]image.Point{{20, 30}, {40, 10}}, 96, geometry{40, 40, FitLetterbox}},
		{[]image.Point{{200, 30}, {40, 10}}, 64, geometry{64, 64, FitLetterbox}},
	} {
		if got := folderGeometry(tc.sizes, tc.limit, FitLetterbox); got != tc.want {
			t.Errorf("%v limit %d: %+v, want %+v", tc.sizes, tc.limit, got, tc.want)
		}
	}
}

// TestScalingPerChannel: per-feature scalings of RGB data are per pixel
// and channel. Two 1×1 RGB images (10, 20, 30) and (30, 60, 90): the
// channel means are 20, 40, 60 and the standard deviations 10, 20, 30.
func TestScalingPerChannel(t *testing.T) {
	ds := &Dataset{Name: "rgb", Classes: []string{"a", "b"}, Width: 1, Height: 1, Channels: 3, Dim: 3,
		Train: Part{N: 2, Dim: 3, Pixels: []uint8{10, 20, 30, 30, 60, 90}, Labels: []int{0, 1}}}
	if err := ds.Validate(); err != nil {
		t.Fatal(err)
	}
	s, _ := ds.Split(SplitOptions{})
	sc, err := FitScaler(ScaleStandardize, s.Train)
	if err != nil {
		t.Fatal(err)
	}
	x := sc.Transform(s.Train)
	want := blas32.General{Rows: 2, Cols: 3, Stride: 3, Data: []float32{-1, -1, -1, 1, 1, 1}}
	if !slices.Equal(x.Data, want.Data) || !slices.Equal(sc.Offset, []float32{20, 40, 60}) {
		t.Errorf("standardised %v, offsets %v", x.Data, sc.Offset)
	}
	sc, _ = FitScaler(ScalePixelStd, s.Train)
	for j, std := range []float64{10, 20, 30} {
		if got, want := sc.Factor[j], float32(1/(std+25.5)); got != want {
			t.Errorf("x/(std+0.1) factor %d: %v, want %v", j, got, want)
		}
	}
	if err := (&Dataset{Name: "x", Classes: []string{"a"}, Width: 1, Height: 1, Channels: 4, Dim: 4,
		Train: Part{N: 1, Dim: 4, Pixels: make([]uint8, 4), Labels: []int{0}}}).Validate(); err == nil {
		t.Error("4 channels validated")
	}
}

// TestSyntheticFolder writes SyntheticImage images as PNG files in class
// folders (a real colour folder) and reads them back unchanged.
func TestSyntheticFolder(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	files := map[string][]byte{}
	var want [][]uint8
	for i := range 6 {
		img := SyntheticImage(i%3, 16, rng)
		files[fmt.Sprintf("%d/%d.png", i%3, i/3)] = encodePNG(t, img)
		want = append(want, img.Pix)
	}
	writeFiles(t, dir, files)
	ds, err := Load(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Width != 16 || ds.NumChannels() != 3 || ds.Train.N != 6 {
		t.Fatalf("%d×%d×%d", ds.Width, ds.Height, ds.Channels)
	}
	// Files are read class by class: 0/0, 0/1, 1/0, ...
	for k, i := range []int{0, 3, 1, 4, 2, 5} {
		got := ds.Image(&ds.Train, k).(*image.NRGBA).Pix
		if !slices.Equal(got, want[i]) {
			t.Fatalf("image %d differs", k)
		}
	}
	if got := filepath.Base(ds.Source); got != filepath.Base(dir) {
		t.Errorf("source %q", ds.Source)
	}
}
