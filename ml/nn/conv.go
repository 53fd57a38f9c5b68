package nn

import (
	"fmt"
	"math/rand/v2"
)

// Padding selects the border handling of Conv2D.
type Padding int

const (
	// Valid uses only positions where the kernel lies inside the input:
	// the output is (H−KH+1)×(W−KW+1).
	Valid Padding = iota
	// Same pads with zeros so that the output is H×W: KH−1 rows in all,
	// ⌊(KH−1)/2⌋ above and the rest below (likewise for columns), as
	// TensorFlow/Keras do.
	Same
)

func (p Padding) String() string {
	switch p {
	case Valid:
		return "valid"
	case Same:
		return "same"
	}
	return fmt.Sprintf("Padding(%d)", int(p))
}

// Conv2D is a 2-D convolution with stride 1 (cross-correlation, as in
// Keras) over NHWC images: for x of shape [N, H, W, InC],
//
//	y[n, i, j, o] = b[o] + Σ_{ky, kx, c} x[n, i+ky−pt, j+kx−pl, c] · K[ky, kx, c, o]
//
// with x zero outside the image (pt, pl from Padding) and y of shape
// [N, OH, OW, OutC]. It runs as GEMMs of im2col patch matrices (one row of
// KH·KW·InC values per output pixel) times the kernel (KH·KW·InC × OutC).
// When the kernel is small the batch is cut into chunks of images whose
// patch matrix fits in the cache, written just before its GEMM (and
// written again in Backward rather than kept): the patches never go
// through main memory. Backward therefore reads the input of the last
// Forward again, which must not have changed in between (as everywhere in
// this package, Forward and Backward alternate on the same batch).
// There is no activation; follow it with ReLU.
type Conv2D struct {
	InC, OutC int
	KH, KW    int
	Padding   Padding
	Kernel    *Param // [KH, KW, InC, OutC], Glorot-uniform initialised
	Bias      *Param // [OutC], zero initialised

	// The kernel and the bias are the two parts of one (K+1)×OutC matrix,
	// K = KH·KW·InC, bias last, and the patch matrix has a column of ones
	// after its K columns: one GEMM adds the bias, and one GEMM gives the
	// gradients of both.
	kb, kbGrad []float32

	g           convGeom
	x           *Tensor   // input of the last Forward
	cols        []float32 // patch matrix of one chunk; its gradient during Backward
	colsAt      int       // first image of the chunk whose patches are in cols, −1 if none
	flipped     []float32 // the kernel of the gathering input gradient (see backward)
	out, gradIn *Tensor
}

// NewConv2D returns a stride-1 convolution from inC to outC channels with a
// kh×kw kernel, its kernel drawn from rng (Glorot uniform with fan-in
// kh·kw·inC and fan-out kh·kw·outC, as Keras) and its bias zero.
func NewConv2D(inC, outC, kh, kw int, pad Padding, rng *rand.Rand) *Conv2D {
	if inC <= 0 || outC <= 0 || kh <= 0 || kw <= 0 {
		panic(fmt.Sprintf("nn: NewConv2D(%d, %d, %d, %d): sizes must be positive", inC, outC, kh, kw))
	}
	if pad != Valid && pad != Same {
		panic(fmt.Sprintf("nn: NewConv2D: unknown padding %v", pad))
	}
	k := kh * kw * inC
	c := &Conv2D{InC: inC, OutC: outC, KH: kh, KW: kw, Padding: pad,
		kb: make([]float32, (k+1)*outC), kbGrad: make([]float32, (k+1)*outC)}
	c.Kernel = &Param{Name: "kernel", Shape: []int{kh, kw, inC, outC}, Value: c.kb[:k*outC], Grad: c.kbGrad[:k*outC]}
	c.Bias = &Param{Name: "bias", Shape: []int{outC}, Value: c.kb[k*outC:], Grad: c.kbGrad[k*outC:]}
	glorotUniform(c.Kernel.Value, kh*kw*inC, kh*kw*outC, rng)
	return c
}

// Kind returns "conv2d".
func (c *Conv2D) Kind() string { return "conv2d" }

// Params returns the kernel and the bias.
func (c *Conv2D) Params() []*Param { return []*Param{c.Kernel, c.Bias} }

// geom returns the geometry for a batch of n images h×w, panicking if the
// kernel does not fit.
func (c *Conv2D) geom(n, h, w int) convGeom {
	g := convGeom{n: n, h: h, w: w, c: c.InC, kh: c.KH, kw: c.KW}
	if c.Padding == Same {
		g.oh, g.ow = h, w
		g.pt, g.pl = (c.KH-1)/2, (c.KW-1)/2
	} else {
		g.oh, g.ow = h-c.KH+1, w-c.KW+1
	}
	if g.oh <= 0 || g.ow <= 0 {
		panic(fmt.Sprintf("nn: Conv2D %d×%d valid: input %d×%d is too small", c.KH, c.KW, h, w))
	}
	return g
}

// OutShape returns [OH, OW, OutC] for the input shape [H, W, InC].
func (c *Conv2D) OutShape(in []int) []int {
	if len(in) != 3 || in[2] != c.InC {
		panic(fmt.Sprintf("nn: Conv2D input shape %v, want [H W %d]", in, c.InC))
	}
	g := c.geom(1, in[0], in[1])
	return []int{g.oh, g.ow, c.OutC}
}

// chunkBytes is the size of patch matrix (float32) Conv2D aims to keep in
// the cache between im2col and its GEMMs.
const chunkBytes = 4 << 20

// imagesPerChunk is how many images' patches Conv2D writes at once: about
// chunkBytes of them, or the whole batch when the kernel is larger than
// chunkBytes/4 (the GEMM re-packs the kernel for every chunk, which would
// then cost more than the cache saves).
func (c *Conv2D) imagesPerChunk(g convGeom) int {
	k1 := g.k() + 1
	if k1*c.OutC*4 > chunkBytes/4 {
		return max(g.n, 1)
	}
	return min(max(chunkBytes/(g.oh*g.ow*k1*4), 1), max(g.n, 1))
}

// chunk returns the geometry of images [lo, hi) of the batch.
func (g convGeom) chunk(lo, hi int) convGeom {
	g.n = hi - lo
	return g
}

// patches returns the patch matrix of images [lo, hi) of the last
// Forward's input, writing it unless cols already holds it.
func (c *Conv2D) patches(lo, hi int) []float32 {
	g := c.g.chunk(lo, hi)
	k1 := g.k() + 1
	n := g.rows() * k1
	if cap(c.cols) < n {
		c.cols = make([]float32, n)
		c.colsAt = -1
	}
	if c.colsAt != lo || len(c.cols) != n {
		c.cols = c.cols[:n]
		im2col(g, c.x.Data[lo*g.h*g.w*g.c:hi*g.h*g.w*g.c], c.cols, k1)
		c.colsAt = lo
	}
	return c.cols
}

// Forward computes the convolution of the batch x.
func (c *Conv2D) Forward(x *Tensor, training bool) *Tensor {
	checkRank("Conv2D", x, 4)
	if x.Shape[3] != c.InC {
		panic(fmt.Sprintf("nn: Conv2D input shape %v, want [N H W %d]", x.Shape, c.InC))
	}
	g := c.geom(x.Shape[0], x.Shape[1], x.Shape[2])
	c.g, c.x, c.colsAt = g, x, -1
	y := buffer(&c.out, g.n, g.oh, g.ow, c.OutC)
	per, k1, opix := c.imagesPerChunk(g), g.k()+1, g.oh*g.ow
	for lo := 0; lo < g.n; lo += per {
		hi := min(lo+per, g.n)
		cols := c.patches(lo, hi)
		gemm(false, false, (hi-lo)*opix, c.OutC, k1, 1, cols, k1, c.kb, c.OutC, 0, y.Data[lo*opix*c.OutC:], c.OutC)
	}
	return y
}

// Backward adds colsᵀ·g to the kernel gradient and the per-channel sums of
// g to the bias gradient (both by one GEMM per chunk, through the ones
// column), and returns col2im(g·Kᵀ).
func (c *Conv2D) Backward(gradOut *Tensor) *Tensor {
	c.checkBackward(gradOut)
	g := c.g
	gx := buffer(&c.gradIn, g.n, g.h, g.w, g.c)
	c.backward(gradOut, gx)
	return gx
}

func (c *Conv2D) backwardParams(gradOut *Tensor) {
	c.checkBackward(gradOut)
	c.backward(gradOut, nil)
}

func (c *Conv2D) checkBackward(gradOut *Tensor) {
	if c.x == nil {
		panic("nn: Conv2D.Backward without a Forward since the last Backward")
	}
	g := c.g
	checkSameShape("Conv2D gradient", gradOut.Shape, []int{g.n, g.oh, g.ow, c.OutC})
}

// backward does the work of Backward chunk by chunk, the last chunk of
// Forward (whose patches are still in cols) first; it writes ∂L/∂x into
// gx unless gx is nil.
//
// ∂L/∂x is computed one of two ways. Scattering: ∂L/∂cols = g·Kᵀ, then
// col2im adds each patch value back to its pixel. Gathering: ∂L/∂x is
// itself a stride-1 convolution of g (zero-padded by KH−1−pt rows and
// KW−1−pl columns) with the kernel flipped in both directions and its
// channel axes swapped, i.e. im2col of g times that kernel: no additions
// outside the GEMM. Gathering moves KH·KW·OutC values per input pixel,
// scattering KH·KW·InC per output pixel; the smaller wins (e.g. a
// convolution to fewer channels than it reads).
func (c *Conv2D) backward(gradOut, gx *Tensor) {
	g := c.g
	per, k, opix := c.imagesPerChunk(g), g.k(), g.oh*g.ow
	gather := gx != nil && g.h*g.w*c.OutC < opix*c.InC
	if gather {
		c.flipKernel()
	}
	for lo := (g.n - 1) / per * per; lo >= 0; lo -= per {
		hi := min(lo+per, g.n)
		rows := (hi - lo) * opix
		cols := c.patches(lo, hi)
		gc := gradOut.Data[lo*opix*c.OutC : hi*opix*c.OutC]
		gemm(true, false, k+1, c.OutC, rows, 1, cols, k+1, gc, c.OutC, 1, c.kbGrad, c.OutC)
		if gx == nil {
			continue
		}
		img := g.h * g.w * g.c
		dx := gx.Data[lo*img : hi*img]
		if gather {
			c.gatherGrad(g.chunk(lo, hi), gc, dx)
			continue
		}
		// The patches are no longer needed: their buffer takes ∂L/∂cols.
		gemm(false, true, rows, k, c.OutC, 1, gc, c.OutC, c.Kernel.Value, c.OutC, 0, cols, k+1)
		c.colsAt = -1
		col2im(g.chunk(lo, hi), cols, dx, k+1)
	}
	c.x = nil
}

// flipKernel sets c.flipped to the kernel of the gathering gradient:
// [KH, KW, OutC, InC] with flipped[ky, kx, o, i] = K[KH−1−ky, KW−1−kx, i, o].
func (c *Conv2D) flipKernel() {
	n := c.KH * c.KW * c.OutC * c.InC
	if cap(c.flipped) < n {
		c.flipped = make([]float32, n)
	}
	c.flipped = c.flipped[:n]
	for ky := 0; ky < c.KH; ky++ {
		for kx := 0; kx < c.KW; kx++ {
			src := c.Kernel.Value[((c.KH-1-ky)*c.KW+(c.KW-1-kx))*c.InC*c.OutC:][:c.InC*c.OutC]
			dst := c.flipped[(ky*c.KW+kx)*c.OutC*c.InC:][:c.OutC*c.InC]
			for i := 0; i < c.InC; i++ {
				for o := 0; o < c.OutC; o++ {
					dst[o*c.InC+i] = src[i*c.OutC+o]
				}
			}
		}
	}
}

// gatherGrad writes ∂L/∂x of the images of geometry g (a chunk) into dx
// from their output gradient gc: the patches of gc under the transposed
// geometry times the flipped kernel. It uses cols as scratch.
func (c *Conv2D) gatherGrad(g convGeom, gc, dx []float32) {
	t := convGeom{n: g.n, h: g.oh, w: g.ow, c: c.OutC, kh: g.kh, kw: g.kw,
		oh: g.h, ow: g.w, pt: g.kh - 1 - g.pt, pl: g.kw - 1 - g.pl}
	kt := t.k()
	if cap(c.cols) < t.rows()*kt {
		c.cols = make([]float32, t.rows()*kt)
	}
	c.colsAt = -1
	cols := c.cols[:t.rows()*kt]
	im2col(t, gc, cols, kt)
	gemm(false, false, t.rows(), c.InC, kt, 1, cols, kt, c.flipped, c.InC, 0, dx, c.InC)
}
