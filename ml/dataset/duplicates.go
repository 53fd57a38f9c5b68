package dataset

import (
	"bytes"
	"hash/maphash"
	"math"
	"sort"
)

// DuplicateGroup is a set of rows with identical features. Train and Test
// hold row indices into the training and test parts.
type DuplicateGroup struct {
	Train []int
	Test  []int
}

// Duplicates are the exact duplicates of a data set, found by hashing every
// row and comparing the rows that share a hash byte for byte.
type Duplicates struct {
	Groups []DuplicateGroup // every group with two or more rows, in order of first row
	// WithinTrain counts the training rows that repeat an earlier training row
	// (a group of 3 identical training rows counts 2). WithinTest likewise.
	WithinTrain, WithinTest int
	// Between counts the distinct rows present in both parts.
	Between int
}

// FindDuplicates looks for exact duplicates within the training part,
// within the test part, and between them. Pixels are compared as bytes,
// numeric values bit for bit (so 0 and -0 differ; NaN never occurs, as
// loaders reject it).
func (d *Dataset) FindDuplicates() Duplicates {
	seed := maphash.MakeSeed()
	type key struct {
		part int
		row  int
	}
	buckets := make(map[uint64][]key)
	for pi, p := range []*Part{&d.Train, &d.Test} {
		for i := 0; i < p.N; i++ {
			h := maphash.Bytes(seed, rowBytes(p, i))
			buckets[h] = append(buckets[h], key{pi, i})
		}
	}
	var res Duplicates
	for _, keys := range buckets {
		if len(keys) < 2 {
			continue
		}
		// Rows sharing a hash are split into classes of truly equal rows.
		used := make([]bool, len(keys))
		for a := range keys {
			if used[a] {
				continue
			}
			ra := rowBytes(d.part(keys[a].part), keys[a].row)
			var g DuplicateGroup
			for b := a; b < len(keys); b++ {
				if used[b] {
					continue
				}
				if b != a && !bytes.Equal(ra, rowBytes(d.part(keys[b].part), keys[b].row)) {
					continue
				}
				used[b] = true
				if keys[b].part == 0 {
					g.Train = append(g.Train, keys[b].row)
				} else {
					g.Test = append(g.Test, keys[b].row)
				}
			}
			if len(g.Train)+len(g.Test) < 2 {
				continue
			}
			sort.Ints(g.Train)
			sort.Ints(g.Test)
			res.Groups = append(res.Groups, g)
			if len(g.Train) > 1 {
				res.WithinTrain += len(g.Train) - 1
			}
			if len(g.Test) > 1 {
				res.WithinTest += len(g.Test) - 1
			}
			if len(g.Train) > 0 && len(g.Test) > 0 {
				res.Between++
			}
		}
	}
	sort.Slice(res.Groups, func(i, j int) bool { return firstRow(res.Groups[i]) < firstRow(res.Groups[j]) })
	return res
}

func (d *Dataset) part(i int) *Part {
	if i == 0 {
		return &d.Train
	}
	return &d.Test
}

// firstRow orders groups: training rows first, then test rows.
func firstRow(g DuplicateGroup) int {
	if len(g.Train) > 0 {
		return g.Train[0]
	}
	return math.MaxInt32 + g.Test[0]
}

func rowBytes(p *Part, i int) []byte {
	if p.Pixels != nil {
		return p.Pixels[i*p.Dim : (i+1)*p.Dim]
	}
	row := p.Values[i*p.Dim : (i+1)*p.Dim]
	b := make([]byte, 4*len(row))
	for j, v := range row {
		u := math.Float32bits(v)
		b[4*j], b[4*j+1], b[4*j+2], b[4*j+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	}
	return b
}
