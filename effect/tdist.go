package effect

import "math"

// TQuantile returns t such that P(T ≤ t) = p for Student's t distribution
// with df degrees of freedom (df may be fractional, as Welch's is). It
// solves the CDF by bisection, which is plenty for a report: 100 halvings
// of [−1000, 1000] leave far less error than the data's. df ≤ 0 or p
// outside (0, 1) gives NaN.
func TQuantile(p, df float64) float64 {
	if df <= 0 || p <= 0 || p >= 1 || math.IsNaN(p) || math.IsNaN(df) {
		return math.NaN()
	}
	lo, hi := -1000.0, 1000.0
	for i := 0; i < 100; i++ {
		mid := (lo + hi) / 2
		if TCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// TCDF is P(T ≤ t) for Student's t with df degrees of freedom:
// 1 − ½·I_x(df/2, ½) with x = df/(df+t²) for t ≥ 0, symmetric below.
func TCDF(t, df float64) float64 {
	x := df / (df + t*t)
	tail := 0.5 * regIncBeta(df/2, 0.5, x)
	if t >= 0 {
		return 1 - tail
	}
	return tail
}

// regIncBeta is the regularised incomplete beta function I_x(a, b),
// evaluated by its continued fraction (modified Lentz), on the side of x
// where the fraction converges fast.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log(1-x))
	if x < (a+1)/(a+b+2) {
		return front * betaFraction(a, b, x) / a
	}
	return 1 - front*betaFraction(b, a, 1-x)/b
}

// betaFraction evaluates the continued fraction of the incomplete beta.
func betaFraction(a, b, x float64) float64 {
	const tiny, eps = 1e-300, 1e-15
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1.0; m <= 300; m++ {
		// even step
		num := m * (b - m) * x / ((a + 2*m - 1) * (a + 2*m))
		d, c = 1+num*d, 1+num/c
		d, c = clampTiny(d, tiny), clampTiny(c, tiny)
		d = 1 / d
		h *= d * c
		// odd step
		num = -(a + m) * (a + b + m) * x / ((a + 2*m) * (a + 2*m + 1))
		d, c = 1+num*d, 1+num/c
		d, c = clampTiny(d, tiny), clampTiny(c, tiny)
		d = 1 / d
		delta := d * c
		h *= delta
		if math.Abs(delta-1) < eps {
			break
		}
	}
	return h
}

func clampTiny(v, tiny float64) float64 {
	if math.Abs(v) < tiny {
		return tiny
	}
	return v
}
