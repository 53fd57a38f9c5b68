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
// [N, OH, OW, OutC]. It runs as one GEMM over the whole batch: the im2col
// patch matrix (N·OH·OW × KH·KW·InC) times the kernel (KH·KW·InC × OutC).
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
	cols        []float32 // patch matrix of the last Forward; gradient of it during Backward
	colsValid   bool
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

// Forward computes the convolution of the batch x.
func (c *Conv2D) Forward(x *Tensor, training bool) *Tensor {
	checkRank("Conv2D", x, 4)
	if x.Shape[3] != c.InC {
		panic(fmt.Sprintf("nn: Conv2D input shape %v, want [N H W %d]", x.Shape, c.InC))
	}
	g := c.geom(x.Shape[0], x.Shape[1], x.Shape[2])
	c.g = g
	rows, k1 := g.rows(), g.k()+1
	if cap(c.cols) < rows*k1 {
		c.cols = make([]float32, rows*k1)
	}
	c.cols = c.cols[:rows*k1]
	im2col(g, x.Data, c.cols, k1)
	c.colsValid = true
	y := buffer(&c.out, g.n, g.oh, g.ow, c.OutC)
	gemm(false, false, rows, c.OutC, k1, 1, c.cols, k1, c.kb, c.OutC, 0, y.Data, c.OutC)
	return y
}

// Backward adds colsᵀ·g to the kernel gradient and the per-channel sums of
// g to the bias gradient (both by one GEMM, through the ones column), and
// returns col2im(g·Kᵀ).
func (c *Conv2D) Backward(gradOut *Tensor) *Tensor {
	c.backwardParams(gradOut)
	g := c.g
	rows, k := g.rows(), g.k()
	// The patch matrix is no longer needed: its buffer takes ∂L/∂cols.
	gemm(false, true, rows, k, c.OutC, 1, gradOut.Data, c.OutC, c.Kernel.Value, c.OutC, 0, c.cols, k+1)
	c.colsValid = false
	gx := buffer(&c.gradIn, g.n, g.h, g.w, g.c)
	col2im(g, c.cols, gx.Data, k+1)
	return gx
}

func (c *Conv2D) backwardParams(gradOut *Tensor) {
	if !c.colsValid {
		panic("nn: Conv2D.Backward without a Forward since the last Backward")
	}
	g := c.g
	checkSameShape("Conv2D gradient", gradOut.Shape, []int{g.n, g.oh, g.ow, c.OutC})
	rows, k1 := g.rows(), g.k()+1
	gemm(true, false, k1, c.OutC, rows, 1, c.cols, k1, gradOut.Data, c.OutC, 1, c.kbGrad, c.OutC)
}
