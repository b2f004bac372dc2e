package audio

import (
	"math"

	"github.com/mewkiz/flac/frame"
)

// The FLAC encoder of github.com/mewkiz/flac v1.0.14 writes whatever
// subframe it is given, including LPC subframes and partitioned Rice codes,
// but its own analysis tries only fixed predictors with one Rice partition,
// testing every Rice parameter on every residual. choosePrediction replaces
// that analysis: it tries fixed and LPC predictors, picks the Rice
// partitioning from sums, and fills in every field the writer needs.
const (
	lpcPrecision   = 12 // bits per quantized LPC coefficient
	lpcMaxShift    = 15 // largest shift the 5-bit signed field holds
	maxPartOrder   = 6  // at most 64 Rice partitions per subframe
	minLPCSamples  = 64 // shorter blocks use fixed predictors only
	maxResidualAbs = 1 << 30
)

// lpcOrders are the LPC orders tried exactly. Speech at 16 kHz gains little
// past order 12, and each order costs one pass over the block.
var lpcOrders = []int{4, 8, 12}

// predictor is one way to code a subframe, with its size in bits.
type predictor struct {
	pred   frame.Pred
	order  int
	coeffs []int32
	shift  int32
	rice   riceCode
	bits   int
}

// riceCode is a partitioned Rice coding of residuals.
type riceCode struct {
	partOrder int
	params    []uint
	wideParam bool // 5-bit parameters (RICE2) because one exceeds 14
	bits      int
}

// choosePrediction picks the smallest coding of sf's samples, which have
// bps bits each, and sets sf's header fields for the encoder.
func choosePrediction(sf *frame.Subframe, bps uint) {
	x := sf.Samples
	n := len(x)
	sf.SubHeader = frame.SubHeader{Pred: frame.PredVerbatim}
	if n == 0 {
		return
	}

	if allEqual(x) {
		sf.Pred = frame.PredConstant
		return
	}

	best := predictor{pred: frame.PredVerbatim, bits: n * int(bps)}
	residuals := make([]int64, n)
	if p, ok := bestFixed(x, bps, residuals); ok && p.bits < best.bits {
		best = p
	}
	if n >= minLPCSamples {
		if p, ok := bestLPC(x, bps, residuals); ok && p.bits < best.bits {
			best = p
		}
	}

	if best.pred == frame.PredVerbatim {
		return
	}
	sf.Pred = best.pred
	sf.Order = best.order
	if best.pred == frame.PredFIR {
		sf.Coeffs = best.coeffs
		sf.CoeffPrec = lpcPrecision
		sf.CoeffShift = best.shift
	}
	sf.ResidualCodingMethod = frame.ResidualCodingMethodRice1
	if best.rice.wideParam {
		sf.ResidualCodingMethod = frame.ResidualCodingMethodRice2
	}
	parts := make([]frame.RicePartition, len(best.rice.params))
	for i, k := range best.rice.params {
		parts[i].Param = k
	}
	sf.RiceSubframe = &frame.RiceSubframe{PartOrder: best.rice.partOrder, Partitions: parts}
}

func allEqual(x []int32) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}

// bestFixed returns the fixed predictor (order 0 to 4) with the smallest
// sum of absolute residuals, coded. residuals is scratch space of len(x).
func bestFixed(x []int32, bps uint, residuals []int64) (predictor, bool) {
	n := len(x)
	maxOrder := min(4, n-1)

	var sums [5]int64
	for i := maxOrder; i < n; i++ {
		e0 := int64(x[i])
		e1 := e0 - int64(x[i-1])
		sums[0] += abs64(e0)
		sums[1] += abs64(e1)
		if maxOrder >= 2 {
			e2 := e1 - (int64(x[i-1]) - int64(x[i-2]))
			sums[2] += abs64(e2)
			if maxOrder >= 3 {
				e3 := e2 - (int64(x[i-1]) - 2*int64(x[i-2]) + int64(x[i-3]))
				sums[3] += abs64(e3)
				if maxOrder >= 4 {
					e4 := e3 - (int64(x[i-1]) - 3*int64(x[i-2]) + 3*int64(x[i-3]) - int64(x[i-4]))
					sums[4] += abs64(e4)
				}
			}
		}
	}
	order := 0
	for o := 1; o <= maxOrder; o++ {
		if sums[o] < sums[order] {
			order = o
		}
	}

	coeffs := frame.FixedCoeffs[order]
	res, ok := computeResiduals(x, coeffs, 0, residuals)
	if !ok {
		return predictor{}, false
	}
	rice := bestRice(res, n, order)
	bits := order*int(bps) + rice.bits
	return predictor{pred: frame.PredFixed, order: order, rice: rice, bits: bits}, true
}

// bestLPC returns the best of the LPC predictors of lpcOrders, coded.
func bestLPC(x []int32, bps uint, residuals []int64) (predictor, bool) {
	n := len(x)
	maxOrder := lpcOrders[len(lpcOrders)-1]
	autoc := autocorrelation(x, maxOrder)
	if autoc[0] == 0 {
		return predictor{}, false
	}
	lpc := levinsonDurbin(autoc, maxOrder)

	var best predictor
	found := false
	for _, order := range lpcOrders {
		if order >= n || lpc[order-1] == nil {
			continue
		}
		coeffs, shift, ok := quantize(lpc[order-1])
		if !ok {
			continue
		}
		res, ok := computeResiduals(x, coeffs, shift, residuals)
		if !ok {
			continue
		}
		rice := bestRice(res, n, order)
		// Warm-up samples, 4-bit precision, 5-bit shift, coefficients, residuals.
		bits := order*int(bps) + 4 + 5 + order*lpcPrecision + rice.bits
		if !found || bits < best.bits {
			best = predictor{pred: frame.PredFIR, order: order, coeffs: coeffs, shift: shift, rice: rice, bits: bits}
			found = true
		}
	}
	return best, found
}

// autocorrelation returns lags 0..maxLag of x after a Welch window, which
// keeps the block edges from skewing the estimate.
func autocorrelation(x []int32, maxLag int) []float64 {
	n := len(x)
	w := make([]float64, n)
	half := float64(n-1) / 2
	for i, v := range x {
		d := (float64(i) - half) / (half + 1)
		w[i] = float64(v) * (1 - d*d)
	}
	autoc := make([]float64, maxLag+1)
	for lag := range autoc {
		sum := 0.0
		for i := lag; i < n; i++ {
			sum += w[i] * w[i-lag]
		}
		autoc[lag] = sum
	}
	return autoc
}

// levinsonDurbin solves for the predictors of orders 1..maxOrder. Entry o-1
// holds the coefficients a of order o, where x[t] is predicted as
// a[0]*x[t-1] + a[1]*x[t-2] + …, or nil when the recursion became unstable.
func levinsonDurbin(autoc []float64, maxOrder int) [][]float64 {
	out := make([][]float64, maxOrder)
	a := make([]float64, 0, maxOrder)
	errPower := autoc[0]
	for i := 0; i < maxOrder; i++ {
		acc := autoc[i+1]
		for j, c := range a {
			acc -= c * autoc[i-j]
		}
		k := acc / errPower
		if math.IsNaN(k) || math.Abs(k) >= 1 {
			break
		}
		next := make([]float64, i+1)
		for j := range a {
			next[j] = a[j] - k*a[i-1-j]
		}
		next[i] = k
		a = next
		out[i] = a
		errPower *= 1 - k*k
		if errPower <= 0 {
			break
		}
	}
	return out
}

// quantize converts LPC coefficients to lpcPrecision-bit integers with a
// common right shift, carrying each rounding error into the next coefficient.
func quantize(lpc []float64) ([]int32, int32, bool) {
	cmax := 0.0
	for _, c := range lpc {
		cmax = max(cmax, math.Abs(c))
	}
	if cmax == 0 {
		return nil, 0, false
	}
	_, exp := math.Frexp(cmax) // cmax = m * 2^exp with 0.5 <= m < 1
	shift := min(lpcPrecision-1-exp, lpcMaxShift)
	if shift < 0 {
		return nil, 0, false
	}

	limit := float64(int(1)<<(lpcPrecision-1)) - 1
	scale := math.Ldexp(1, shift)
	out := make([]int32, len(lpc))
	carry := 0.0
	for i, c := range lpc {
		v := c*scale + carry
		q := math.Max(-limit-1, math.Min(limit, math.Round(v)))
		carry = v - q
		out[i] = int32(q)
	}
	return out, int32(shift), true
}

// computeResiduals writes x[i] minus the prediction from coeffs for every
// i from len(coeffs) on, computed exactly as the encoder and decoder do it,
// and returns them. It fails when a residual is too large to Rice-code
// safely in 32-bit arithmetic.
func computeResiduals(x []int32, coeffs []int32, shift int32, scratch []int64) ([]int64, bool) {
	order := len(coeffs)
	res := scratch[:0]
	for i := order; i < len(x); i++ {
		var sum int64
		for j, c := range coeffs {
			sum += int64(c) * int64(x[i-j-1])
		}
		r := int64(x[i]) - (sum >> uint(shift))
		if r >= maxResidualAbs || r <= -maxResidualAbs {
			return nil, false
		}
		res = append(res, r)
	}
	return res, true
}

// bestRice chooses the Rice partition order and parameters for residuals of
// a block of n samples whose first order samples are warm-up samples. Sizes
// are estimated from partition sums (libFLAC's estimate), so the chosen code
// is near, not always at, the optimum.
func bestRice(res []int64, n, order int) riceCode {
	// Partition order p splits the block into 2^p parts of n>>p samples.
	// The first part loses the warm-up samples and must keep at least one.
	top := 0
	for p := 1; p <= maxPartOrder; p++ {
		if n%(1<<p) != 0 || n>>p <= order {
			break
		}
		top = p
	}

	// Sums of zigzag-folded residuals for the finest partitioning, then
	// merged pairwise for each coarser one.
	sums := make([]uint64, 1<<top)
	counts := make([]int, 1<<top)
	size := n >> top
	for i, r := range res {
		part := (i + order) / size
		sums[part] += uint64((r << 1) ^ (r >> 63))
		counts[part]++
	}

	var best riceCode
	for p := top; p >= 0; p-- {
		code := riceForSums(sums, counts)
		code.partOrder = p
		if p == top || code.bits < best.bits {
			best = code
		}
		if p > 0 {
			for i := range len(sums) / 2 {
				sums[i] = sums[2*i] + sums[2*i+1]
				counts[i] = counts[2*i] + counts[2*i+1]
			}
			sums, counts = sums[:len(sums)/2], counts[:len(counts)/2]
		}
	}
	return best
}

// riceForSums picks each partition's parameter and totals the estimated
// bits, including the 2-bit method and 4-bit partition order fields.
func riceForSums(sums []uint64, counts []int) riceCode {
	code := riceCode{params: make([]uint, len(sums)), bits: 2 + 4}
	for i, sum := range sums {
		k, bits := riceParam(sum, counts[i])
		code.params[i] = k
		code.bits += bits
		if k > 14 {
			code.wideParam = true
		}
	}
	paramBits := 4
	if code.wideParam {
		paramBits = 5
	}
	code.bits += paramBits * len(sums)
	return code
}

// riceParam returns the parameter k (0 to 30) that minimizes the estimated
// size count*(k+1) + sum>>k of count residuals whose folded values add up
// to sum, and that size.
func riceParam(sum uint64, count int) (uint, int) {
	bestK, bestBits := uint(0), math.MaxInt
	for k := uint(0); k <= 30; k++ {
		bits := count*int(k+1) + int(min(sum>>k, math.MaxInt32))
		if bits < bestBits {
			bestK, bestBits = k, bits
		}
	}
	return bestK, bestBits
}
