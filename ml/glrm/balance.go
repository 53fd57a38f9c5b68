package glrm

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// rebalance replaces (A, Y) by (A·M, M⁻¹·Y) for the invertible k×k matrix M
// that minimises γ_A‖AM‖²_F + γ_Y‖M⁻¹Y‖²_F. The product A·Y, hence the loss,
// is unchanged and the regularisation can only fall, so the objective does
// not increase. Alternating updates alone reach this balance very slowly
// (the scale of each component moves by a factor of about 1 − 4γ/σ per
// iteration for a component of singular value σ), which is why Fit
// rebalances after every Y step when γ_A, γ_Y > 0.
//
// Without sign constraints M is the general optimum: with AᵀA = R_AᵀR_A,
// YYᵀ = R_Y R_Yᵀ (Cholesky) and R_A R_Y = UΣVᵀ (SVD), M⁻¹Y =
// c⁻¹Σ^½VᵀR_Y⁻¹Y with c = (γ_Y/γ_A)^¼, after which γ_A AᵀA = γ_Y YYᵀ =
// √(γ_Aγ_Y)Σ and the regularisation equals 2√(γ_Aγ_Y)‖AY‖_* (its minimum
// over all factorisations). Under a sign constraint, or when AᵀA or YYᵀ is
// singular, M is the best positive diagonal scaling instead, which keeps
// signs: component p is scaled by (γ_Y‖y_p‖²/(γ_A‖a_p‖²))^¼, equalising
// γ_A‖a_p‖² and γ_Y‖y_p‖².
//
// atA holds AᵀA (both triangles); yt is Yᵀ (d×k) and is updated. A (n×k)
// is updated only under nonnegA (it is needed again only as the warm start
// of the sign-constrained A step); atA is not updated.
func rebalance(atA, yt []float64, d, k int, gammaA, gammaY float64, nonnegA, nonnegY bool, a []float64) {
	c := math.Pow(gammaY/gammaA, 0.25)
	yy := gramOf(yt, d, k)
	if !nonnegA && !nonnegY && rebalanceGeneral(atA, yy, yt, d, k, c) {
		return
	}
	scale := make([]float64, k)
	for p := 0; p < k; p++ {
		na, ny := atA[p*k+p], yy[p*k+p]
		scale[p] = 1
		if na > 0 && ny > 0 {
			scale[p] = c * math.Pow(ny/na, 0.25)
		}
	}
	for j := 0; j < d; j++ {
		row := yt[j*k : j*k+k]
		for p := range row {
			row[p] /= scale[p]
		}
	}
	if nonnegA {
		for i := 0; i < len(a)/k; i++ {
			row := a[i*k : i*k+k]
			for p := range row {
				row[p] *= scale[p]
			}
		}
	}
}

// rebalanceGeneral applies the general balancing to yt and reports whether
// it could (AᵀA and YYᵀ numerically positive definite, R_A R_Y of full
// rank).
func rebalanceGeneral(atA, yy, yt []float64, d, k int, c float64) bool {
	la := make([]float64, k*k)
	ly := make([]float64, k*k)
	copy(la, atA)
	copy(ly, yy)
	if !cholesky(la, k, 1e-12*maxDiag(atA, k)) || !cholesky(ly, k, 1e-12*maxDiag(yy, k)) {
		return false
	}
	// C = R_A·R_Y = L_Aᵀ·L_Y.
	cm := mat.NewDense(k, k, nil)
	cm.Mul(mat.NewDense(k, k, la).T(), mat.NewDense(k, k, ly))
	var svd mat.SVD
	if !svd.Factorize(cm, mat.SVDFull) {
		return false
	}
	sv := svd.Values(nil)
	if !(sv[k-1] > 1e-12*sv[0]) {
		return false
	}
	var v mat.Dense
	svd.VTo(&v)
	// T = L_Y⁻ᵀ·V·Σ^½/c, so that Y' = Tᵀ·Y, i.e. Yᵀ' = Yᵀ·T.
	t := make([]float64, k*k)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			t[i*k+j] = v.At(i, j)
		}
	}
	tg := blas64.General{Rows: k, Cols: k, Stride: k, Data: t}
	blas64.Trsm(blas.Left, blas.Trans, 1, blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: k, Stride: k, Data: ly}, tg)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			t[i*k+j] *= math.Sqrt(sv[j]) / c
		}
	}
	old := make([]float64, d*k)
	copy(old, yt)
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, blas64General(old, d, k), tg, 0, blas64General(yt, d, k))
	return true
}

// maxDiag returns the largest diagonal entry of the k×k g.
func maxDiag(g []float64, k int) float64 {
	m := 0.0
	for p := 0; p < k; p++ {
		m = math.Max(m, g[p*k+p])
	}
	return m
}
