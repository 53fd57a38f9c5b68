package service

import (
	"strings"
	"testing"
)

// TestItemsForSaysWhenTheSplitIsTooSmall: a map asked for more items than
// the evaluation split holds says where the others come from, and one
// asked for more than the data holds says so; neither silently uses fewer.
func TestItemsForSaysWhenTheSplitIsTooSmall(t *testing.T) {
	s := embeddedService(t)
	ev := s.WS.Splits().Eval() // validation: 2,000 of the 10,000
	items, note, err := s.ItemsFor(MapItems{Input: "pixels", N: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3000 || !strings.Contains(note, "has 2000 items: the other 1000 come from the other splits") {
		t.Errorf("3,000 asked: %d items, note %q (the %s split has %d)", len(items), note, ev.Name, ev.Len())
	}
	items, note, err = s.ItemsFor(MapItems{Input: "pixels", N: 20000})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 10000 || note != "20000 items were asked for and the data has 10000: all are mapped" {
		t.Errorf("20,000 asked: %d items, note %q", len(items), note)
	}
	if _, note, _ = s.ItemsFor(MapItems{Input: "pixels", N: 500}); note != "" {
		t.Errorf("500 asked: note %q, want none", note)
	}
}
