// Package spikeeval measures the spike detector on synthetic brands: a seasonal Poisson background with
// injected spikes of known onset, next to a simple mean + 3σ baseline run on the same series.
// It backs `vigie spikes eval` and the figures of docs/BENCHMARKS.md.
package spikeeval

import (
	"math"
	"math/rand/v2"
	"time"
)

// Kind of an injected event.
type Kind string

const (
	Burst   Kind = "burst"   // sudden jump to 3–10×, plateau, exponential decay
	Slow    Kind = "slow"    // linear ramp to 3–10× over 30–120 min: a slow-building crisis
	Blip    Kind = "blip"    // 1–3 minutes at 3–10×
	Shift   Kind = "shift"   // benign permanent level shift of +30–80 %
	Holiday Kind = "holiday" // a whole day at 30–50 % of the usual volume
)

// Injection is one event injected into a brand's series, in minutes from the series start.
type Injection struct {
	Kind  Kind
	Start int // first minute affected
	// Onset3x is the first minute whose rate reaches 3× the background (bursts, slow crises, blips).
	Onset3x int
	End     int // first minute no longer affected
	Peak    float64
}

// Spike reports whether the injection is a spike the detector should catch.
func (in Injection) Spike() bool { return in.Kind == Burst || in.Kind == Slow || in.Kind == Blip }

// Series is one synthetic brand.
type Series struct {
	Start      time.Time
	MeanRate   float64 // mentions per minute, averaged over a week
	Counts     []float64
	Injections []Injection
}

// Start of every series: a Monday, so weeks align with calendar weeks.
var epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

const minutesPerWeek = 7 * 24 * 60

// Generate draws one brand's series of weeks weeks. With inject false the series is pure seasonal
// background (the false-alarm run); otherwise events are injected after the first warmup weeks: per week
// two bursts, one slow crisis and two blips, placed where mentions are (onsets drawn in proportion to the
// background rate, at least 6 h apart), plus, per brand, a benign level shift and a holiday with
// probability 1/2 each.
func Generate(rng *rand.Rand, weeks, warmup int, inject bool) Series {
	n := weeks * minutesPerWeek
	s := Series{Start: epoch, MeanRate: math.Exp(math.Log(1) + rng.Float64()*(math.Log(50)-math.Log(1)))}
	peakHour := 12 + rng.Float64()*3
	evening := 0.2 + rng.Float64()*0.4
	weekend := 0.5 + rng.Float64()*0.4
	bg := make([]float64, n)
	var sum float64
	for i := range bg {
		t := s.Start.Add(time.Duration(i) * time.Minute)
		h := float64(t.Hour()) + float64(t.Minute())/60
		d := 0.15 + 1.3*math.Exp(-sq((h-peakHour)/4.5)) + evening*math.Exp(-sq((h-21)/1.5))
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			d *= weekend
		}
		bg[i] = d
		sum += d
	}
	scale := s.MeanRate / (sum / float64(n))
	mult := make([]float64, n)
	for i := range mult {
		bg[i] *= scale
		mult[i] = 1
	}
	if inject {
		s.Injections = place(rng, bg, weeks, warmup)
		for _, in := range s.Injections {
			applyInjection(rng, in, mult)
		}
	}
	// Slow log-normal drift of the rate (AR(1), one-hour memory, σ = 0.1): real conversation is
	// over-dispersed, and a detector tuned on pure Poisson counts would be too confident.
	phi := math.Exp(-1.0 / 60)
	eps := 0.0
	sd := 0.1 * math.Sqrt(1-phi*phi)
	s.Counts = make([]float64, n)
	for i := range s.Counts {
		eps = phi*eps + sd*rng.NormFloat64()
		s.Counts[i] = float64(poisson(rng, bg[i]*mult[i]*math.Exp(eps)))
	}
	return s
}

func sq(x float64) float64 { return x * x }

// place draws the injections of a brand: onsets in proportion to the background rate, 6 h apart.
func place(rng *rand.Rand, bg []float64, weeks, warmup int) []Injection {
	cum := make([]float64, len(bg)+1)
	for i, v := range bg {
		cum[i+1] = cum[i] + v
	}
	var out []Injection
	taken := func(m int) bool {
		for _, in := range out {
			if m > in.Start-6*60 && m < in.End+6*60 && in.Kind != Shift && in.Kind != Holiday {
				return true
			}
		}
		return false
	}
	draw := func(lo, hi int) int { // a minute in [lo, hi) drawn in proportion to bg
		for range 1000 {
			u := cum[lo] + rng.Float64()*(cum[hi]-cum[lo])
			m := lo
			for a, b := lo, hi; a < b; { // first m with cum[m+1] > u
				mid := (a + b) / 2
				if cum[mid+1] > u {
					b = mid
				} else {
					a = mid + 1
				}
				m = a
			}
			if !taken(m) && m+6*60 < len(bg) {
				return m
			}
		}
		return -1
	}
	for w := warmup; w < weeks; w++ {
		lo, hi := w*minutesPerWeek, (w+1)*minutesPerWeek
		for _, k := range []Kind{Burst, Burst, Slow, Blip, Blip} {
			m := draw(lo, hi)
			if m < 0 {
				continue
			}
			in := Injection{Kind: k, Start: m, Peak: 3 + rng.Float64()*7}
			switch k {
			case Burst:
				in.Onset3x = m
				in.End = m + 5 + rng.IntN(26) + 120
			case Slow:
				ramp := 30 + rng.IntN(91)
				in.Onset3x = m + int(math.Ceil(float64(ramp)*2/(in.Peak-1)))
				in.End = m + ramp + 30 + 120
			case Blip:
				in.Onset3x = m
				in.End = m + 1 + rng.IntN(3)
			}
			in.End = min(in.End, len(bg))
			out = append(out, in)
		}
	}
	first := warmup * minutesPerWeek
	if rng.IntN(2) == 0 {
		m := first + rng.IntN(len(bg)-first)
		out = append(out, Injection{Kind: Shift, Start: m, End: len(bg), Peak: 1.3 + rng.Float64()*0.5})
	}
	if rng.IntN(2) == 0 {
		day := first/1440 + rng.IntN((len(bg)-first)/1440)
		out = append(out, Injection{Kind: Holiday, Start: day * 1440, End: (day + 1) * 1440, Peak: 0.3 + rng.Float64()*0.2})
	}
	return out
}

// applyInjection multiplies the background rate by the event's shape.
func applyInjection(rng *rand.Rand, in Injection, mult []float64) {
	switch in.Kind {
	case Burst:
		plateau := in.Start + 5 + rng.IntN(26)
		tau := 10 + rng.Float64()*50
		for m := in.Start; m < in.End; m++ {
			x := in.Peak
			if m >= plateau {
				x = 1 + (in.Peak-1)*math.Exp(-float64(m-plateau)/tau)
			}
			mult[m] *= x
		}
	case Slow:
		ramp := in.End - 150 - in.Start
		tau := 30 + rng.Float64()*30
		for m := in.Start; m < in.End; m++ {
			var x float64
			switch {
			case m < in.Start+ramp:
				x = 1 + (in.Peak-1)*float64(m-in.Start+1)/float64(ramp)
			case m < in.Start+ramp+30:
				x = in.Peak
			default:
				x = 1 + (in.Peak-1)*math.Exp(-float64(m-in.Start-ramp-30)/tau)
			}
			mult[m] *= x
		}
	case Blip:
		for m := in.Start; m < in.End; m++ {
			mult[m] *= in.Peak
		}
	case Shift, Holiday:
		for m := in.Start; m < in.End; m++ {
			mult[m] *= in.Peak
		}
	}
}

// poisson draws a Poisson variate: by multiplication of uniforms for small means, else by Hörmann's
// transformed rejection (PTRS), exact for any mean.
func poisson(rng *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean < 10 {
		l, k, p := math.Exp(-mean), 0, rng.Float64()
		for p > l {
			k++
			p *= rng.Float64()
		}
		return k
	}
	slam := math.Sqrt(mean)
	loglam := math.Log(mean)
	b := 0.931 + 2.53*slam
	a := -0.059 + 0.02483*b
	invalpha := 1.1239 + 1.1328/(b-3.4)
	vr := 0.9277 - 3.6224/(b-2)
	for {
		u := rng.Float64() - 0.5
		v := rng.Float64()
		us := 0.5 - math.Abs(u)
		k := math.Floor((2*a/us+b)*u + mean + 0.43)
		if us >= 0.07 && v <= vr {
			return int(k)
		}
		if k < 0 || (us < 0.013 && v > us) {
			continue
		}
		lg, _ := math.Lgamma(k + 1)
		if math.Log(v)+math.Log(invalpha)-math.Log(a/(us*us)+b) <= -mean+k*loglam-lg {
			return int(k)
		}
	}
}
