package views

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

// grayGarment returns a 28×28 greyscale image: a bright (ink) square on black.
func grayGarment(v uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, 28, 28))
	for y := 8; y < 20; y++ {
		for x := 8; x < 20; x++ {
			g.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return g
}

func TestThumbStrip(t *testing.T) {
	newTempApp(t)
	t.Cleanup(testUI.hold()) // the test is the UI goroutine
	s := NewThumbStrip()
	s.SetEmptyText("Click a point to see its neighbours")
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(600, 160))
	if !s.empty.Visible() || len(s.cells.Objects) != 0 {
		t.Fatal("an empty strip shows no hint")
	}
	tapped := -1
	s.OnTap = func(i int) { tapped = i }
	src := grayGarment(255)
	s.SetItems([]Thumb{
		{Image: src, Caption: "Trouser · d=3.21", Index: 17},
		{Image: grayGarment(128), Caption: "Dress · d=4.05", Index: 42},
		{Image: image.NewRGBA(image.Rect(0, 0, 10, 10)), Caption: "colour", Index: 7},
		{Caption: "no image", Index: 8},
	})
	if s.empty.Visible() || len(s.cells.Objects) != 4 || len(s.Items()) != 4 {
		t.Fatalf("%d cells", len(s.cells.Objects))
	}
	test.Tap(s.cells.Objects[1].(*thumbCell))
	if tapped != 42 {
		t.Errorf("tap gave %d, want 42", tapped)
	}
	cell := s.cells.Objects[0].(*thumbCell)
	if cell.caption.Text != "Trouser · d=3.21" || cell.img.ScaleMode != canvas.ImageScalePixels {
		t.Errorf("caption %q, scale mode %v", cell.caption.Text, cell.img.ScaleMode)
	}
	// Ink on paper: background white, the garment black; the source is untouched.
	g := cell.img.Image.(*image.Gray)
	if g.GrayAt(0, 0).Y != 255 || g.GrayAt(10, 10).Y != 0 || src.GrayAt(10, 10).Y != 255 {
		t.Errorf("ink on paper: background %d, ink %d", g.GrayAt(0, 0).Y, g.GrayAt(10, 10).Y)
	}
	if _, ok := s.cells.Objects[2].(*thumbCell).img.Image.(*image.RGBA); !ok {
		t.Error("a colour image was converted")
	}
	cell.MouseIn(nil)
	cell.MouseOut()
	if h := s.MinSize().Height; h < ThumbSize {
		t.Errorf("strip is %v high", h)
	}
	saveSnapshot(t, w, "thumbstrip.png")
	s.SetItems(nil)
	if !s.empty.Visible() || len(s.cells.Objects) != 0 {
		t.Error("clearing left thumbnails")
	}
	test.TapCanvas(w.Canvas(), fyne.NewPos(20, 20)) // nothing to tap: no panic
}
