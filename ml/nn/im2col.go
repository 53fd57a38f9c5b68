package nn

import "github.com/viterin/vek/vek32"

// convGeom is the geometry of a stride-1 2-D convolution over an NHWC batch.
type convGeom struct {
	n, h, w, c int // input batch, height, width, channels
	kh, kw     int // kernel height and width
	oh, ow     int // output height and width
	pt, pl     int // zero rows above, zero columns left of the input
}

// k is the length of one im2col row: KH·KW·C.
func (g convGeom) k() int { return g.kh * g.kw * g.c }

// rows is the number of im2col rows: N·OH·OW, one per output pixel.
func (g convGeom) rows() int { return g.n * g.oh * g.ow }

// samplesPerChunk is the smallest number of samples worth a goroutine.
func (g convGeom) samplesPerChunk() int { return max(1, (1<<15)/max(1, g.oh*g.ow*g.k())) }

// kxRange returns the kernel columns [kx0, kx1) that fall inside the input
// for output column ox.
func (g convGeom) kxRange(ox int) (kx0, kx1 int) {
	return max(0, g.pl-ox), min(g.kw, g.w+g.pl-ox)
}

// interior returns the output columns [ox0, ox1) whose whole kernel row
// lies inside the input (every kx in range).
func (g convGeom) interior() (ox0, ox1 int) {
	ox0 = min(g.pl, g.ow)
	return ox0, max(ox0, min(g.ow, g.w+g.pl-g.kw+1))
}

// im2col writes the patch matrix of x into cols (rows() rows of ld ≥ k()
// values, row-major): row (n·OH + oy)·OW + ox holds x[n, oy+ky−pt,
// ox+kx−pl, c] at column (ky·KW + kx)·C + c, zero where that pixel lies in
// the padding; columns k() … ld−1 are set to 1 (a bias column). The
// convolution is then cols·K with K the [KH·KW·C, OutC] kernel.
//
// It works one kernel row (ky) of one output row at a time: the KW·C
// values of an output column's segment are consecutive in the input row,
// so an interior column is one copy, and only the columns at the image's
// edges need per-value bounds.
func im2col(g convGeom, x, cols []float32, ld int) {
	if g.c == 1 {
		im2colSingle(g, x, cols, ld)
		return
	}
	k, kwc := g.k(), g.kw*g.c
	ox0, ox1 := g.interior()
	parallelFor(g.n, g.samplesPerChunk(), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			for oy := 0; oy < g.oh; oy++ {
				out := cols[(n*g.oh+oy)*g.ow*ld:][:g.ow*ld]
				setOnes(out, g.ow, k, ld)
				for ky := 0; ky < g.kh; ky++ {
					iy := oy + ky - g.pt
					if iy < 0 || iy >= g.h {
						for ox := 0; ox < g.ow; ox++ {
							clear(out[ox*ld+ky*kwc : ox*ld+(ky+1)*kwc])
						}
						continue
					}
					src := x[(n*g.h+iy)*g.w*g.c:][:g.w*g.c]
					edge := func(ox int) {
						seg := out[ox*ld+ky*kwc : ox*ld+(ky+1)*kwc]
						kx0, kx1 := g.kxRange(ox)
						if kx0 >= kx1 {
							clear(seg)
							return
						}
						clear(seg[:kx0*g.c])
						copy(seg[kx0*g.c:kx1*g.c], src[(ox+kx0-g.pl)*g.c:])
						clear(seg[kx1*g.c:])
					}
					for ox := 0; ox < ox0; ox++ {
						edge(ox)
					}
					for ox := ox0; ox < ox1; ox++ {
						copy(out[ox*ld+ky*kwc:ox*ld+(ky+1)*kwc], src[(ox-g.pl)*g.c:])
					}
					for ox := ox1; ox < g.ow; ox++ {
						edge(ox)
					}
				}
			}
		}
	})
}

// setOnes sets columns k … ld−1 of the rows×ld matrix out to 1.
func setOnes(out []float32, rows, k, ld int) {
	for j := k; j < ld; j++ {
		for r := j; r < rows*ld; r += ld {
			out[r] = 1
		}
	}
}

// im2colSingle is im2col for single-channel images, whose segments are too
// short for copies: the kernel rows of an output row are taken from the
// input rows (a zero row where they fall in the padding), the interior
// columns of a 3×3 kernel as three 3-value moves each.
func im2colSingle(g convGeom, x, cols []float32, ld int) {
	k := g.k()
	ox0, ox1 := g.interior()
	zero := make([]float32, g.w)
	parallelFor(g.n, g.samplesPerChunk(), func(lo, hi int) {
		rows := make([][]float32, g.kh)
		for n := lo; n < hi; n++ {
			img := x[n*g.h*g.w : (n+1)*g.h*g.w]
			for oy := 0; oy < g.oh; oy++ {
				out := cols[(n*g.oh+oy)*g.ow*ld:][:g.ow*ld]
				setOnes(out, g.ow, k, ld)
				for ky := range rows {
					rows[ky] = zero
					if iy := oy + ky - g.pt; iy >= 0 && iy < g.h {
						rows[ky] = img[iy*g.w : (iy+1)*g.w]
					}
				}
				edge := func(ox int) {
					for ky, r := range rows {
						for kx := 0; kx < g.kw; kx++ {
							out[ox*ld+ky*g.kw+kx] = pixel(r, ox+kx-g.pl)
						}
					}
				}
				for ox := 0; ox < ox0; ox++ {
					edge(ox)
				}
				if g.kh == 3 && g.kw == 3 {
					r0, r1, r2 := rows[0], rows[1], rows[2]
					for ox := ox0; ox < ox1; ox++ {
						d := (*[9]float32)(out[ox*ld:])
						a, b, c := (*[3]float32)(r0[ox-g.pl:]), (*[3]float32)(r1[ox-g.pl:]), (*[3]float32)(r2[ox-g.pl:])
						d[0], d[1], d[2] = a[0], a[1], a[2]
						d[3], d[4], d[5] = b[0], b[1], b[2]
						d[6], d[7], d[8] = c[0], c[1], c[2]
					}
				} else {
					for ky, r := range rows {
						for ox := ox0; ox < ox1; ox++ {
							copy(out[ox*ld+ky*g.kw:ox*ld+(ky+1)*g.kw], r[ox-g.pl:])
						}
					}
				}
				for ox := ox1; ox < g.ow; ox++ {
					edge(ox)
				}
			}
		}
	})
}

// pixel returns row[i], or 0 outside the row.
func pixel(row []float32, i int) float32 {
	if i < 0 || i >= len(row) {
		return 0
	}
	return row[i]
}

// col2im is the adjoint of im2col: it sets dx (N·H·W·C) to the sum, over
// every im2col entry (columns 0 … k()−1 of rows of ld values), of dcols at
// the input pixel that entry was copied from. Like im2col it works one
// kernel row of one output row at a time.
func col2im(g convGeom, dcols, dx []float32, ld int) {
	kwc := g.kw * g.c
	img := g.h * g.w * g.c
	ox0, ox1 := g.interior()
	parallelFor(g.n, g.samplesPerChunk(), func(lo, hi int) {
		clear(dx[lo*img : hi*img])
		for n := lo; n < hi; n++ {
			for oy := 0; oy < g.oh; oy++ {
				in := dcols[(n*g.oh+oy)*g.ow*ld:][:g.ow*ld]
				for ky := 0; ky < g.kh; ky++ {
					iy := oy + ky - g.pt
					if iy < 0 || iy >= g.h {
						continue
					}
					dst := dx[(n*g.h+iy)*g.w*g.c:][:g.w*g.c]
					edge := func(ox int) {
						kx0, kx1 := g.kxRange(ox)
						if kx0 < kx1 {
							seg := in[ox*ld+ky*kwc+kx0*g.c : ox*ld+ky*kwc+kx1*g.c]
							addTo(dst[(ox+kx0-g.pl)*g.c:], seg)
						}
					}
					for ox := 0; ox < ox0; ox++ {
						edge(ox)
					}
					for ox := ox0; ox < ox1; ox++ {
						addTo(dst[(ox-g.pl)*g.c:], in[ox*ld+ky*kwc:ox*ld+(ky+1)*kwc])
					}
					for ox := ox1; ox < g.ow; ox++ {
						edge(ox)
					}
				}
			}
		}
	})
}

// addTo adds src to dst[:len(src)] element-wise, with vek32 (SIMD) unless
// src is short.
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	if len(src) >= 16 {
		vek32.Add_Inplace(dst, src)
		return
	}
	for i, v := range src {
		dst[i] += v
	}
}
