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

// im2col writes the patch matrix of x into cols (rows() rows of ld ≥ k()
// values, row-major): row (n·OH + oy)·OW + ox holds x[n, oy+ky−pt,
// ox+kx−pl, c] at column (ky·KW + kx)·C + c, zero where that pixel lies in
// the padding; columns k() … ld−1 are set to 1 (a bias column). The
// convolution is then cols·K with K the [KH·KW·C, OutC] kernel.
func im2col(g convGeom, x, cols []float32, ld int) {
	if g.c == 1 {
		im2colSingle(g, x, cols, ld)
		return
	}
	k, kwc := g.k(), g.kw*g.c
	parallelFor(g.n, g.samplesPerChunk(), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			for oy := 0; oy < g.oh; oy++ {
				for ox := 0; ox < g.ow; ox++ {
					row := cols[((n*g.oh+oy)*g.ow+ox)*ld:][:ld]
					for j := k; j < ld; j++ {
						row[j] = 1
					}
					kx0, kx1 := g.kxRange(ox)
					for ky := 0; ky < g.kh; ky++ {
						seg := row[ky*kwc : (ky+1)*kwc]
						iy := oy + ky - g.pt
						if iy < 0 || iy >= g.h || kx0 >= kx1 {
							clear(seg)
							continue
						}
						clear(seg[:kx0*g.c])
						src := x[((n*g.h+iy)*g.w+ox+kx0-g.pl)*g.c:][:(kx1-kx0)*g.c]
						copySmall(seg[kx0*g.c:kx1*g.c], src)
						clear(seg[kx1*g.c:])
					}
				}
			}
		}
	})
}

// im2colSingle is im2col for single-channel images, value by value: the
// general version's per-segment copies cost more than they move here.
func im2colSingle(g convGeom, x, cols []float32, ld int) {
	k := g.k()
	parallelFor(g.n, g.samplesPerChunk(), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			img := x[n*g.h*g.w : (n+1)*g.h*g.w]
			for oy := 0; oy < g.oh; oy++ {
				for ox := 0; ox < g.ow; ox++ {
					row := cols[((n*g.oh+oy)*g.ow+ox)*ld:][:ld]
					for j := k; j < ld; j++ {
						row[j] = 1
					}
					for ky := 0; ky < g.kh; ky++ {
						seg := row[ky*g.kw : (ky+1)*g.kw]
						iy := oy + ky - g.pt
						if iy < 0 || iy >= g.h {
							clear(seg)
							continue
						}
						src := img[iy*g.w : (iy+1)*g.w]
						for kx := range seg {
							ix := ox + kx - g.pl
							if ix >= 0 && ix < g.w {
								seg[kx] = src[ix]
							} else {
								seg[kx] = 0
							}
						}
					}
				}
			}
		}
	})
}

// col2im is the adjoint of im2col: it sets dx (N·H·W·C) to the sum, over
// every im2col entry (columns 0 … k()−1 of rows of ld values), of dcols at
// the input pixel that entry was copied from.
func col2im(g convGeom, dcols, dx []float32, ld int) {
	k, kwc := g.k(), g.kw*g.c
	img := g.h * g.w * g.c
	parallelFor(g.n, g.samplesPerChunk(), func(lo, hi int) {
		clear(dx[lo*img : hi*img])
		for n := lo; n < hi; n++ {
			for oy := 0; oy < g.oh; oy++ {
				for ox := 0; ox < g.ow; ox++ {
					row := dcols[((n*g.oh+oy)*g.ow+ox)*ld:][:k]
					kx0, kx1 := g.kxRange(ox)
					if kx0 >= kx1 {
						continue
					}
					for ky := 0; ky < g.kh; ky++ {
						iy := oy + ky - g.pt
						if iy < 0 || iy >= g.h {
							continue
						}
						seg := row[ky*kwc+kx0*g.c : ky*kwc+kx1*g.c]
						dst := dx[((n*g.h+iy)*g.w+ox+kx0-g.pl)*g.c:][:len(seg)]
						addTo(dst, seg)
					}
				}
			}
		}
	})
}

// copySmall copies src into dst (same length), avoiding the call overhead
// of the copy builtin for the few-value segments of single-channel inputs.
func copySmall(dst, src []float32) {
	if len(src) > 8 {
		copy(dst, src)
		return
	}
	for i, v := range src {
		dst[i] = v
	}
}

// addTo adds src to dst element-wise (same length), with vek32 (SIMD) for
// long slices.
func addTo(dst, src []float32) {
	if len(src) >= 64 {
		vek32.Add_Inplace(dst[:len(src)], src)
		return
	}
	dst = dst[:len(src)]
	i := 0
	for ; i+4 <= len(src); i += 4 {
		s, d := src[i:i+4:i+4], dst[i:i+4:i+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(src); i++ {
		dst[i] += src[i]
	}
}
