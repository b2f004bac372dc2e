package diarize

import (
	"errors"
	"fmt"
	"math"

	"github.com/ordagrann/ordagrann/board"
)

// Direction grid and band for SRP-PHAT. Bins below 250 Hz carry little
// direction information at these apertures, and bins above 5 kHz mostly
// add spatial aliasing.
const (
	dirStep    = 5.0 // degrees
	srpLowHz   = 250.0
	srpHighHz  = 5000.0
	soundSpeed = 343.0 // m/s at about 20 °C
	// srpBinStep uses every second bin: neighbouring bins of a
	// Hann-windowed frame are strongly correlated, and this halves the
	// cost, which dominates the 4-mic real-time factor.
	srpBinStep = 2
)

// steering holds the phase shifts that steer every microphone pair to
// every direction of the grid, for every frequency bin of the band.
type steering struct {
	pairs  [][2]int
	dirs   []float64 // degrees
	linear bool      // all microphones on one line: directions 0 to 180 only
	bins   []int     // FFT bins used
	// cos and sin are indexed [dir][pair][i] for bin bins[i].
	cos, sin [][][]float32
}

func newSteering(mics []board.Position) (*steering, error) {
	if len(mics) < 2 {
		return nil, errors.New("spatial diarization needs at least two microphone positions")
	}
	s := &steering{linear: collinear(mics)}
	for k := int(math.Ceil(srpLowHz * frameLen / SampleRate)); k <= int(srpHighHz*frameLen/SampleRate); k += srpBinStep {
		s.bins = append(s.bins, k)
	}
	for i := range mics {
		for j := i + 1; j < len(mics); j++ {
			dx, dy := mics[i].X-mics[j].X, mics[i].Y-mics[j].Y
			if math.Hypot(dx, dy) < 0.005 {
				return nil, fmt.Errorf("microphones %d and %d are %.1f mm apart in the horizontal plane: at least 5 mm needed", i, j, 1000*math.Hypot(dx, dy))
			}
			s.pairs = append(s.pairs, [2]int{i, j})
		}
	}
	// A planar array gets a grid uniform in azimuth. A linear array gets
	// one uniform in the cosine of the angle to its axis, which is
	// uniform in time difference, so that bins are equally far apart in
	// what the array can measure.
	if s.linear {
		n := int(180/dirStep) + 1
		for i := range n {
			s.dirs = append(s.dirs, math.Acos(1-2*float64(i)/float64(n-1))*180/math.Pi)
		}
	} else {
		for a := 0.0; a < 360; a += dirStep {
			s.dirs = append(s.dirs, a)
		}
	}

	// A plane wave from unit direction u reaches microphone m at -m·u/c,
	// so the cross spectrum X_i X_j* has phase -w (t_i - t_j), which the
	// steering phase w (t_i - t_j) cancels in the true direction. Speakers
	// are assumed in the horizontal plane of the array.
	nb := len(s.bins)
	for _, deg := range s.dirs {
		ux, uy := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
		cs := make([][]float32, len(s.pairs))
		sn := make([][]float32, len(s.pairs))
		for p, pr := range s.pairs {
			mi, mj := mics[pr[0]], mics[pr[1]]
			dt := -((mi.X-mj.X)*ux + (mi.Y-mj.Y)*uy) / soundSpeed
			cs[p] = make([]float32, nb)
			sn[p] = make([]float32, nb)
			for i, k := range s.bins {
				w := 2 * math.Pi * float64(k) * SampleRate / frameLen
				cs[p][i] = float32(math.Cos(w * dt))
				sn[p][i] = float32(math.Sin(w * dt))
			}
		}
		s.cos = append(s.cos, cs)
		s.sin = append(s.sin, sn)
	}
	return s, nil
}

// collinear reports whether all microphones lie on one line in the
// horizontal plane.
func collinear(mics []board.Position) bool {
	ax, ay := mics[1].X-mics[0].X, mics[1].Y-mics[0].Y
	for _, m := range mics[2:] {
		bx, by := m.X-mics[0].X, m.Y-mics[0].Y
		if math.Abs(ax*by-ay*bx) > 1e-6 {
			return false
		}
	}
	return true
}

// fold maps an azimuth in degrees onto the grid's range: 0 to 360, or for a
// linear array the 0 to 180 degrees it can tell apart, mirroring across the
// array's axis.
// NOTE: the mirroring assumes a linear array along the X axis, as on the
// ReSpeaker 2-mic board.
func (s *steering) fold(deg float64) float64 {
	deg = math.Mod(deg, 360)
	if deg < 0 {
		deg += 360
	}
	if s.linear && deg > 180 {
		deg = 360 - deg
	}
	return deg
}

// distance returns the angle between two grid directions in degrees.
func (s *steering) distance(a, b float64) float64 {
	d := math.Abs(a - b)
	if !s.linear && d > 180 {
		d = 360 - d
	}
	return d
}

// near returns how far apart two grid directions are and whether that is
// within tol degrees. For a linear array the distance is taken between the
// cosines of the angles to its axis, which is what the array measures, and
// tol becomes sin(tol). A seated speaker's mouth is above the array, which
// pulls a direction along the axis towards broadside: on the evaluation
// set a chair at 180 degrees was heard at about 150, which is 30 degrees
// but only 0.13 in cosine.
func (s *steering) near(a, b, tol float64) (float64, bool) {
	if !s.linear {
		d := s.distance(a, b)
		return d, d <= tol
	}
	d := math.Abs(math.Cos(a*math.Pi/180) - math.Cos(b*math.Pi/180))
	return d, d <= math.Sin(tol*math.Pi/180)
}

// power returns the SRP-PHAT map of one hop: for each direction, the mean
// over pairs and bins of the phase-transformed cross spectrum steered to
// that direction, between -1 and 1.
func (s *steering) power(spec [][]complex128) []float32 {
	nb := len(s.bins)
	re := make([]float32, len(s.pairs)*nb)
	im := make([]float32, len(s.pairs)*nb)
	for p, pr := range s.pairs {
		xi, xj := spec[pr[0]], spec[pr[1]]
		for i, k := range s.bins {
			c := xi[k] * complex(real(xj[k]), -imag(xj[k]))
			m := math.Hypot(real(c), imag(c))
			if m < 1e-20 {
				continue
			}
			re[p*nb+i] = float32(real(c) / m)
			im[p*nb+i] = float32(imag(c) / m)
		}
	}

	out := make([]float32, len(s.dirs))
	norm := float32(len(s.pairs) * nb)
	for d := range s.dirs {
		var sum float32
		for p := range s.pairs {
			cs, sn := s.cos[d][p], s.sin[d][p]
			r, i := re[p*nb:(p+1)*nb], im[p*nb:(p+1)*nb]
			for k := range nb {
				sum += r[k]*cs[k] - i[k]*sn[k]
			}
		}
		out[d] = sum / norm
	}
	return out
}
