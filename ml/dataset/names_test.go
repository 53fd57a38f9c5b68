package dataset

import (
	"slices"
	"strings"
	"testing"
)

func TestGuessClassNames(t *testing.T) {
	for _, tc := range []struct {
		hint      string
		maxLabel  int
		wantName  string
		wantFirst string
		wantK     int
	}{
		{"/data/Fashion-MNIST", 9, "Fashion-MNIST", "T-shirt/top", 10},
		{"/data/FASHION", 7, "Fashion-MNIST", "T-shirt/top", 10},
		{"/data/fashion-more", 10, "", "class 0", 11},
		{"/data/mnist-t10k", 9, "MNIST", "0", 10},
		{"/data/mnist-subset", 4, "MNIST", "0", 10},
		{"/data/digits", 9, "", "0", 10},
		{"/data/letters", 25, "", "class 0", 26},
		{"/data/pairs", 1, "", "class 0", 2},
	} {
		name, classes := GuessClassNames(tc.hint, tc.maxLabel)
		if name != tc.wantName || classes[0] != tc.wantFirst || len(classes) != tc.wantK {
			t.Errorf("GuessClassNames(%q, %d) = %q, %q; want %q, %q..., %d classes", tc.hint, tc.maxLabel, name, classes, tc.wantName, tc.wantFirst, tc.wantK)
		}
	}
	// The result must be a copy.
	_, classes := GuessClassNames("fashion", 9)
	classes[0] = "changed"
	if FashionMNISTClasses[0] != "T-shirt/top" {
		t.Error("GuessClassNames returned the package's slice")
	}
}

func TestNumberedClasses(t *testing.T) {
	if got, want := NumberedClasses(3), []string{"class 0", "class 1", "class 2"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := NumberedClasses(0); len(got) != 0 {
		t.Errorf("got %q for 0 classes", got)
	}
}

func TestReadClassNames(t *testing.T) {
	got, err := ReadClassNames(strings.NewReader("\uFEFF Coat \r\nShirt\r\nAnkle boot\n\n \n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Coat", "Shirt", "Ankle boot"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"", "no class names"},
		{"\n\n", "no class names"},
		{"a\n\nb\n", "line 2 is empty"},
		{"a\nb\na\n", `line 3: class name "a" already given on line 1`},
		{strings.Repeat("x", 70000), "longer than 64 KiB"},
	} {
		_, err := ReadClassNames(strings.NewReader(tc.in))
		wantErr(t, err, tc.want)
	}
}
