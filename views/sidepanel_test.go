package views

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestSidePanelScrollsFromEntriesAndHintsMore: the wheel over an entry
// scrolls the column, "More below" shows while part of it is hidden and
// scrolls down when clicked, and goes at the bottom.
func TestSidePanelScrollsFromEntriesAndHintsMore(t *testing.T) {
	newTempApp(t)
	t.Cleanup(testUI.hold()) // the test is the UI goroutine, as in newTestEnv
	var items []*widget.FormItem
	for i := range 20 {
		items = append(items, widget.NewFormItem(fmt.Sprint("field ", i), entryWith(fmt.Sprint(i))))
	}
	s := newSidePanel(container.NewVBox(widget.NewForm(items...)))
	w := test.NewTempWindow(t, s)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(300, 300))
	if !s.more.Visible() {
		t.Fatal("More below hidden while most of the column is out of sight")
	}
	entry := items[1].Widget
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(entry).AddXY(10, 5)
	test.Scroll(w.Canvas(), pos, 0, -40)
	if s.Scroll.Offset.Y != 40 {
		t.Fatalf("the wheel over an entry scrolled the column to %v, want 40", s.Scroll.Offset.Y)
	}
	for range 20 {
		if !s.more.Visible() {
			break
		}
		test.Tap(s.more)
	}
	if s.more.Visible() {
		t.Fatal("More below still shown after scrolling to the end")
	}
	if want := s.Scroll.Content.MinSize().Height - s.Scroll.Size().Height; s.Scroll.Offset.Y != want {
		t.Fatalf("offset %v at the end, want %v", s.Scroll.Offset.Y, want)
	}
}
