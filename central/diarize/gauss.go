package diarize

import "math"

// gaussStats are the sufficient statistics of a set of feature vectors:
// count, sum and sum of outer products (upper triangle kept full).
type gaussStats struct {
	n   float64
	sum []float64
	sq  []float64 // d*d
}

func newGaussStats(dim int) *gaussStats {
	return &gaussStats{sum: make([]float64, dim), sq: make([]float64, dim*dim)}
}

func (g *gaussStats) add(x []float32) {
	d := len(g.sum)
	g.n++
	for i := range d {
		xi := float64(x[i])
		g.sum[i] += xi
		row := g.sq[i*d : (i+1)*d]
		for j := i; j < d; j++ {
			row[j] += xi * float64(x[j])
		}
	}
}

func (g *gaussStats) merge(o *gaussStats) *gaussStats {
	m := &gaussStats{n: g.n + o.n, sum: make([]float64, len(g.sum)), sq: make([]float64, len(g.sq))}
	for i := range g.sum {
		m.sum[i] = g.sum[i] + o.sum[i]
	}
	for i := range g.sq {
		m.sq[i] = g.sq[i] + o.sq[i]
	}
	return m
}

// covRegularizer is added to the covariance diagonal so that short
// segments, with fewer frames than covariance parameters, stay invertible.
const covRegularizer = 0.02

// covariance returns the mean and the regularized maximum-likelihood
// covariance, both sides of the matrix filled.
func (g *gaussStats) covariance() (mean, cov []float64) {
	d := len(g.sum)
	mean = make([]float64, d)
	for i := range d {
		mean[i] = g.sum[i] / g.n
	}
	cov = make([]float64, d*d)
	for i := range d {
		for j := i; j < d; j++ {
			c := g.sq[i*d+j]/g.n - mean[i]*mean[j]
			cov[i*d+j], cov[j*d+i] = c, c
		}
		cov[i*d+i] += covRegularizer
	}
	return mean, cov
}

// logDet returns log |cov| of the statistics' covariance.
func (g *gaussStats) logDet() float64 {
	_, cov := g.covariance()
	l, ok := cholesky(cov, len(g.sum))
	if !ok {
		return math.Inf(-1)
	}
	return cholLogDet(l, len(g.sum))
}

// cholesky returns the lower-triangular factor L of a symmetric positive
// definite d x d matrix, or false when it is not positive definite.
func cholesky(a []float64, d int) ([]float64, bool) {
	l := make([]float64, d*d)
	for i := range d {
		for j := 0; j <= i; j++ {
			s := a[i*d+j]
			for k := range j {
				s -= l[i*d+k] * l[j*d+k]
			}
			if i == j {
				if s <= 0 {
					return nil, false
				}
				l[i*d+i] = math.Sqrt(s)
			} else {
				l[i*d+j] = s / l[j*d+j]
			}
		}
	}
	return l, true
}

func cholLogDet(l []float64, d int) float64 {
	var s float64
	for i := range d {
		s += 2 * math.Log(l[i*d+i])
	}
	return s
}

// deltaBIC returns the Bayesian information criterion difference between
// modelling a and b with one full-covariance Gaussian and with two:
// negative values favour merging. lambda weights the penalty for the extra
// model's d + d(d+1)/2 parameters.
func deltaBIC(a, b *gaussStats, lambda float64) float64 {
	m := a.merge(b)
	d := float64(len(a.sum))
	r := 0.5 * (m.n*m.logDet() - a.n*a.logDet() - b.n*b.logDet())
	p := 0.5 * (d + d*(d+1)/2) * math.Log(m.n)
	return r - lambda*p
}

// gaussian is a full-covariance Gaussian ready to score frames.
type gaussian struct {
	mean  []float64
	chol  []float64 // lower factor of the covariance
	konst float64   // -0.5 (d log 2pi + log|cov|)
	tmp   []float64
}

func newGaussian(g *gaussStats) (*gaussian, bool) {
	d := len(g.sum)
	mean, cov := g.covariance()
	l, ok := cholesky(cov, d)
	if !ok {
		return nil, false
	}
	return &gaussian{
		mean:  mean,
		chol:  l,
		konst: -0.5 * (float64(d)*math.Log(2*math.Pi) + cholLogDet(l, d)),
		tmp:   make([]float64, d),
	}, true
}

// logLikelihood returns log N(x; mean, cov), solving L y = x - mean.
func (g *gaussian) logLikelihood(x []float32) float64 {
	d := len(g.mean)
	var q float64
	for i := range d {
		s := float64(x[i]) - g.mean[i]
		for k := range i {
			s -= g.chol[i*d+k] * g.tmp[k]
		}
		y := s / g.chol[i*d+i]
		g.tmp[i] = y
		q += y * y
	}
	return g.konst - 0.5*q
}
