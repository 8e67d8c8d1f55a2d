package spike

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday

// diurnal is a daily rate profile with a night trough and an afternoon peak, mean about 1.
func diurnal(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	return 0.2 + 1.4*math.Exp(-math.Pow((h-14)/4.5, 2))
}

func poissonDraw(rng *rand.Rand, mean float64) float64 {
	l, k, p := math.Exp(-mean), 0.0, rng.Float64()
	for p > l {
		k++
		p *= rng.Float64()
	}
	return k
}

func newTestDetector(t *testing.T) *Detector {
	t.Helper()
	d, err := NewDetector(DefaultConfig(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// feed runs d over minutes [from, to) of a Poisson series of rate(t) and returns the alerts opened.
func feed(d *Detector, rng *rand.Rand, from, to int, rate func(time.Time) float64) (opened []int) {
	for i := from; i < to; i++ {
		ts := t0.Add(time.Duration(i) * time.Minute)
		if d.Step(ts, poissonDraw(rng, rate(ts))).Opened {
			opened = append(opened, i)
		}
	}
	return opened
}

func TestDetectorSeasonalBackgroundIsQuiet(t *testing.T) {
	d := newTestDetector(t)
	rng := rand.New(rand.NewPCG(1, 1))
	rate := func(ts time.Time) float64 { return 8 * diurnal(ts) }
	if got := feed(d, rng, 0, 14*1440, rate); len(got) != 0 {
		t.Fatalf("alerts on spike-free background at minutes %v", got)
	}
	// The baseline has learned the daily cycle: expected at the peak and at night within 15 %.
	for _, h := range []int{4, 14} {
		ts := t0.Add(14*24*time.Hour + time.Duration(h)*time.Hour)
		if want, got := rate(ts), d.Expected(ts); math.Abs(got/want-1) > 0.15 {
			t.Errorf("expected at %02d:00 = %.2f, want about %.2f", h, got, want)
		}
	}
}

func TestDetectorColdStart(t *testing.T) {
	d := newTestDetector(t)
	rng := rand.New(rand.NewPCG(2, 2))
	// Within MinHistory nothing alerts, not even a 10× jump: there is nothing to compare it with.
	rate := func(ts time.Time) float64 {
		if m := ts.Sub(t0); m >= 20*time.Minute && m < 30*time.Minute {
			return 50
		}
		return 5
	}
	if got := feed(d, rng, 0, 60, rate); len(got) != 0 {
		t.Fatalf("alert within MinHistory at minutes %v", got)
	}
	// Quiet hours of a young brand do not alert either …
	if got := feed(d, rng, 60, 300, func(time.Time) float64 { return 5 }); len(got) != 0 {
		t.Fatalf("alerts on a young brand's steady traffic at minutes %v", got)
	}
	// … but a massive burst does, within a few minutes, before any seasonality is learned.
	got := feed(d, rng, 300, 330, func(time.Time) float64 { return 60 })
	if len(got) != 1 || got[0] > 302 {
		t.Fatalf("burst at minute 300 on a young brand: alerts at %v, want one within 3 minutes", got)
	}
}

func TestDetectorBaselineNotDraggedBySpikes(t *testing.T) {
	// Two detectors see the same history; one also sees a single 100× outlier minute and a two-hour 6×
	// spike. A day later their expected counts must agree.
	a, b := newTestDetector(t), newTestDetector(t)
	rng := rand.New(rand.NewPCG(3, 3))
	rate := func(ts time.Time) float64 { return 10 * diurnal(ts) }
	spikeFrom, spikeTo, outlier := 7*1440+10*60, 7*1440+12*60, 7*1440+8*60
	var openedB, resolvedB int
	for i := 0; i < 9*1440; i++ {
		ts := t0.Add(time.Duration(i) * time.Minute)
		x := poissonDraw(rng, rate(ts))
		a.Step(ts, x)
		switch {
		case i == outlier:
			x *= 100
		case i >= spikeFrom && i < spikeTo:
			x *= 6
		}
		r := b.Step(ts, x)
		if r.Opened {
			openedB++
		}
		if r.Resolved {
			resolvedB++
		}
	}
	if openedB != 2 || resolvedB != 2 {
		t.Errorf("outlier and spike: %d alerts opened, %d resolved; want 2 and 2", openedB, resolvedB)
	}
	for h := 0; h < 24; h += 3 {
		ts := t0.Add(9*24*time.Hour + time.Duration(h)*time.Hour)
		if ea, eb := a.Expected(ts), b.Expected(ts); math.Abs(eb/ea-1) > 0.05 {
			t.Errorf("expected at %02d:00 the next day: %.2f with the spike, %.2f without; want within 5 %%", h, eb, ea)
		}
	}
}

func TestDetectorHysteresis(t *testing.T) {
	// A crisis that wobbles around the opening threshold for two hours is one episode, not many.
	d := newTestDetector(t)
	rng := rand.New(rand.NewPCG(4, 4))
	feed(d, rng, 0, 3*1440, func(time.Time) float64 { return 10 })
	var opened, resolved int
	for i := 3 * 1440; i < 3*1440+240; i++ {
		ts := t0.Add(time.Duration(i) * time.Minute)
		x := poissonDraw(rng, 10)
		if i < 3*1440+120 {
			x = 10 * []float64{1.6, 2.6, 1.7, 2.8, 1.6, 2.2}[(i/4)%6] // alternating above and below 2×
		}
		r := d.Step(ts, x)
		if r.Opened {
			opened++
		}
		if r.Resolved {
			resolved++
			if i < 3*1440+120+int(DefaultConfig().Hold/time.Minute)-1 {
				t.Fatalf("resolved at minute %d, before the hold after the crisis", i-3*1440)
			}
		}
	}
	if opened != 1 || resolved != 1 {
		t.Fatalf("wobbling crisis: opened %d, resolved %d episodes; want 1 and 1", opened, resolved)
	}
}

func TestDetectorScoreThreshold(t *testing.T) {
	// The score is ≥ 0.5 exactly when the opening gates pass, so analysts can read 0.5 as the threshold.
	d := newTestDetector(t)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < 2*1440+600; i++ {
		ts := t0.Add(time.Duration(i) * time.Minute)
		x := poissonDraw(rng, 6)
		if i%500 == 499 {
			x = 6 * float64(2+i%7)
		}
		r := d.Step(ts, x)
		if r.Score < 0 || r.Score > 1 {
			t.Fatalf("minute %d: score %v out of [0,1]", i, r.Score)
		}
		if r.Opened && r.Score < 0.5 {
			t.Fatalf("minute %d: opened with score %v", i, r.Score)
		}
	}
}

func TestAnscombeZ(t *testing.T) {
	f := func(o, e, rho, want float64) {
		t.Helper()
		if got := anscombeZ(o, e, rho); math.Abs(got-want) > 0.01 {
			t.Fatalf("anscombeZ(%v, %v, %v) = %.3f, want %.3f", o, e, rho, got, want)
		}
	}
	f(10, 10, 0, 0)
	f(100, 25, 0, 2*(math.Sqrt(100.375)-math.Sqrt(25.375)))
	f(100, 25, 0.1, 2*(math.Sqrt(100.375)-math.Sqrt(25.375))/math.Sqrt(1.25))
}
