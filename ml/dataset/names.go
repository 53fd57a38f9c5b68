package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// FashionMNISTClasses are the class names of Fashion-MNIST, indexed by label.
var FashionMNISTClasses = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// DigitClasses are the class names of MNIST, indexed by label: "0" to "9".
var DigitClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// ClassNamesFile is the name of the optional file beside IDX data that
// names the classes, one name per line, in label order.
const ClassNamesFile = "classes.txt"

// NumberedClasses returns k generic class names: "class 0", "class 1", ...
func NumberedClasses(k int) []string {
	names := make([]string, k)
	for i := range names {
		names[i] = "class " + strconv.Itoa(i)
	}
	return names
}

// ReadClassNames reads class names, one per line, in label order. Lines are
// trimmed of surrounding white space and a leading UTF-8 byte order mark;
// trailing empty lines are ignored. An empty line between names, a duplicate
// name or a file without any name is an error.
func ReadClassNames(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	var names []string
	blank := 0 // the first empty line since the last name, or 0
	seen := make(map[string]int)
	for line := 1; sc.Scan(); line++ {
		if line > maxClassNameLines {
			return nil, fmt.Errorf("more than %d lines: expected one class name per line", maxClassNameLines)
		}
		s := sc.Text()
		if line == 1 {
			s = strings.TrimPrefix(s, "\uFEFF")
		}
		s = strings.TrimSpace(s)
		if s == "" {
			if blank == 0 {
				blank = line
			}
			continue
		}
		if blank > 0 {
			return nil, fmt.Errorf("line %d is empty: expected one class name per line, with no empty lines between names", blank)
		}
		if prev, ok := seen[s]; ok {
			return nil, fmt.Errorf("line %d: class name %q already given on line %d: class names must differ", line, s, prev)
		}
		seen[s] = line
		names = append(names, s)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errors.New("a line is longer than 64 KiB: expected one class name per line")
		}
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no class names: expected one class name per line")
	}
	return names, nil
}

// containsFold reports whether s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// GuessClassNames chooses class names for data with numbered labels whose
// largest label is maxLabel, from a hint such as a folder path or a data
// set name. It returns the data set name to use (empty when the hint says
// nothing about it) and the class names, of which there are at least
// maxLabel+1:
//   - a hint containing "fashion" (in any case) gives FashionMNISTClasses
//     and the name "Fashion-MNIST" when maxLabel < 10;
//   - a hint containing "mnist" gives DigitClasses and the name "MNIST" when
//     maxLabel < 10;
//   - otherwise exactly 10 classes get DigitClasses and the name is empty;
//   - anything else gets NumberedClasses(maxLabel+1).
func GuessClassNames(hint string, maxLabel int) (name string, classes []string) {
	k := maxLabel + 1
	switch {
	case containsFold(hint, "fashion") && k <= len(FashionMNISTClasses):
		return "Fashion-MNIST", append([]string(nil), FashionMNISTClasses...)
	case containsFold(hint, "mnist") && k <= len(DigitClasses):
		return "MNIST", append([]string(nil), DigitClasses...)
	case k == len(DigitClasses):
		return "", append([]string(nil), DigitClasses...)
	}
	return "", NumberedClasses(k)
}

// minDeclaredClasses is the number of classes that numbered labels always
// declare without a class names file: ten, named by DigitClasses.
const minDeclaredClasses = 10

// declaredClasses returns the number of classes that numbered labels
// declare without a class names file: the labels 0, 1, ... up to the first
// one no row has, and at least minDeclaredClasses. counts[v] is the number
// of rows with label v.
func declaredClasses(counts []int) int {
	k := 0
	for k < len(counts) && counts[k] > 0 {
		k++
	}
	return max(k, minDeclaredClasses)
}

// labelPart is one list of numbered labels, named for messages ("FILE").
type labelPart struct {
	name   string
	labels []int
}

// checkStrayLabels returns an error naming the first label, in parts
// order, beyond the classes declared without a class names file (see
// declaredClasses): e.g. "FILE: label 200 at row 8; classes are 0–9".
// Without the check such a label would silently make classes without rows.
func checkStrayLabels(parts ...labelPart) error {
	counts := make([]int, 0, 256)
	for _, p := range parts {
		for _, l := range p.labels {
			if l >= len(counts) {
				counts = append(counts, make([]int, l+1-len(counts))...)
			}
			counts[l]++
		}
	}
	k := declaredClasses(counts)
	if len(counts) <= k {
		return nil
	}
	for _, p := range parts {
		for row, l := range p.labels {
			if l >= k {
				return strayLabelError(fmt.Sprintf("%s: label %d at row %d (counting from 0)", p.name, l, row), k)
			}
		}
	}
	return nil
}

// strayLabelError describes a label beyond the k declared classes; where
// says where it is and what it is.
func strayLabelError(where string, k int) error {
	return fmt.Errorf("%s; classes are 0–%d — add a %s beside the data, one class name per line, to declare more (without one, the classes are the labels from 0 up to the first label no row has, and at least 0–9)",
		where, k-1, ClassNamesFile)
}

// idxDirNames returns the data set name and class names for IDX data in dir
// whose largest label is maxLabel: a ClassNamesFile in dir wins, else
// GuessClassNames on the path decides, and the name falls back to the base
// name of dir. Without a class names file, labels beyond the declared
// classes are an error (see checkStrayLabels).
func idxDirNames(dir string, maxLabel int, parts ...labelPart) (name string, classes []string, err error) {
	abs, aerr := filepath.Abs(dir)
	if aerr != nil {
		abs = dir
	}
	base := filepath.Base(abs)
	classes, err = readClassNamesFile(filepath.Join(dir, ClassNamesFile), maxLabel)
	if err != nil {
		return "", nil, err
	}
	if classes != nil {
		return base, classes, nil
	}
	if err := checkStrayLabels(parts...); err != nil {
		return "", nil, err
	}
	name, classes = GuessClassNames(abs, maxLabel)
	if name == "" {
		name = base
	}
	return name, classes, nil
}

// readClassNamesFile reads the class names file at path. It returns nil and
// no error when there is no such file, and an error when the file is
// unreadable or names fewer than maxLabel+1 classes.
func readClassNamesFile(path string, maxLabel int) ([]string, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	f, _, err := openRegular(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read class names: %w", err)
	}
	defer f.Close()
	names, err := ReadClassNames(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(names) <= maxLabel {
		return nil, fmt.Errorf("%s names %d classes but the labels go up to %d: add one name per line for each of the %d classes", path, len(names), maxLabel, maxLabel+1)
	}
	return names, nil
}

// orderLabels numbers the distinct label texts, given in order of first
// appearance: the whole numbers 0..K-1, all present, keep their value;
// otherwise the texts are sorted, numerically when all are numbers, else
// by their bytes. It returns the class names in class order and the class
// of each text.
func orderLabels(texts []string) (classes []string, classOf []int) {
	k := len(texts)
	classOf = make([]int, k)
	nums := make([]float64, k)
	allNumbers, dense := true, true
	seen := make([]bool, k)
	for i, t := range texts {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsNaN(v) {
			allNumbers, dense = false, false
			continue
		}
		nums[i] = v
		if v != math.Trunc(v) || v < 0 || v >= float64(k) || seen[int(v)] {
			dense = false
			continue
		}
		seen[int(v)] = true
	}
	if dense {
		classes = make([]string, k)
		for i, v := range nums {
			classOf[i] = int(v)
			classes[int(v)] = texts[i]
		}
		return classes, classOf
	}
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if allNumbers && nums[a] != nums[b] {
			if nums[a] < nums[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(texts[a], texts[b])
	})
	classes = make([]string, k)
	for class, id := range order {
		classOf[id] = class
		classes[class] = texts[id]
	}
	return classes, classOf
}
