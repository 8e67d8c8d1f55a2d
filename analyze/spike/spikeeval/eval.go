package spikeeval

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/vigie-oss/vigie/analyze/spike"
)

// Options of an evaluation run.
type Options struct {
	Brands int
	Weeks  int // scored weeks, after Warmup weeks of history
	Warmup int
	Seed   uint64
	// Within is the detection deadline after a spike's 3× onset.
	Within time.Duration
}

// DefaultOptions is the run recorded in docs/BENCHMARKS.md.
func DefaultOptions() Options {
	return Options{Brands: 20, Weeks: 4, Warmup: 2, Seed: 1, Within: 5 * time.Minute}
}

// stepper is a detector under evaluation, fed one minute at a time; it reports whether an alert opened.
type stepper interface {
	Step(t time.Time, x float64) bool
}

type vigie struct{ d *spike.Detector }

func (v vigie) Step(t time.Time, x float64) bool { return v.d.Step(t, x).Opened }

// MeanSigma is the baseline: alert when a minute exceeds the mean + 3σ of the minutes of the last two
// weeks. It gets the same hysteresis as Vigie's detector (an alert resolves after hold minutes below the
// threshold), so that both are compared on alert episodes, not on flapping.
type MeanSigma struct {
	window     []float64
	i, n       int
	sum, sumSq float64
	open       bool
	calm, hold int
}

func NewMeanSigma(window, hold int) *MeanSigma {
	return &MeanSigma{window: make([]float64, window), hold: hold}
}

func (b *MeanSigma) Step(_ time.Time, x float64) bool {
	above := false
	if b.n >= len(b.window)/2 { // a week of history before judging
		mean := b.sum / float64(b.n)
		sd := math.Sqrt(math.Max(b.sumSq/float64(b.n)-mean*mean, 0))
		above = x > mean+3*sd
	}
	if b.n == len(b.window) {
		old := b.window[b.i]
		b.sum -= old
		b.sumSq -= old * old
	} else {
		b.n++
	}
	b.window[b.i] = x
	b.sum += x
	b.sumSq += x * x
	b.i = (b.i + 1) % len(b.window)
	switch {
	case above && !b.open:
		b.open, b.calm = true, 0
		return true
	case above:
		b.calm = 0
	case b.open:
		if b.calm++; b.calm >= b.hold {
			b.open = false
		}
	}
	return false
}

// Scores of one detector on one run.
type Scores struct {
	Name string
	// Spikes and Hits count, per kind, injected spikes and those detected within the deadline of their
	// 3× onset; Any those detected at any time while the injection lasted.
	Spikes, Hits, Any map[Kind]int
	Delays            []float64 // minutes from 3× onset to the end of the alerting minute, bursts and slow crises
	// FalseAlarms are alerts opened outside every injected spike (and its 60-minute tail); Benign those
	// among them opened during a level shift or the holiday, or the day after.
	FalseAlarms, Benign int
	CleanAlarms         int // alerts on the spike-free background run
	BrandWeeks          int
}

// Report is the result of Run.
type Report struct {
	Options  Options
	Detector []Scores // Vigie first, then the baseline
	Elapsed  time.Duration
	Minutes  int // minutes scored per detector and run
}

// Run evaluates cfg's detector and the mean + 3σ baseline on the same synthetic brands. It is
// deterministic for a given Options.Seed.
func Run(ctx context.Context, opt Options, cfg spike.Config) (Report, error) {
	if opt.Brands <= 0 || opt.Weeks <= 0 || opt.Warmup < 0 {
		return Report{}, fmt.Errorf("spikeeval: need brands > 0, weeks > 0 and warmup ≥ 0, got %d, %d, %d", opt.Brands, opt.Weeks, opt.Warmup)
	}
	began := time.Now()
	hold := int(cfg.Hold / time.Minute)
	names := []string{"vigie", "mean+3σ (2 weeks)"}
	rep := Report{Options: opt, Detector: make([]Scores, len(names))}
	for i, n := range names {
		rep.Detector[i] = Scores{Name: n, Spikes: map[Kind]int{}, Hits: map[Kind]int{}, Any: map[Kind]int{}}
	}
	weeks := opt.Weeks + opt.Warmup
	for b := 0; b < opt.Brands; b++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		for _, inject := range []bool{false, true} {
			rng := rand.New(rand.NewPCG(opt.Seed, uint64(b)<<1|b2u(inject)))
			s := Generate(rng, weeks, opt.Warmup, inject)
			for i := range names {
				var det stepper
				if i == 0 {
					d, err := spike.NewDetector(cfg, time.Minute)
					if err != nil {
						return rep, fmt.Errorf("spikeeval: %w", err)
					}
					det = vigie{d}
				} else {
					det = NewMeanSigma(14*24*60, hold)
				}
				score(&rep.Detector[i], det, s, opt, inject)
			}
			rep.Minutes += len(s.Counts) - opt.Warmup*minutesPerWeek
		}
		for i := range names {
			rep.Detector[i].BrandWeeks += opt.Weeks
		}
	}
	rep.Minutes /= 2
	rep.Elapsed = time.Since(began)
	return rep, nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// score runs det over s and matches its alerts with the injections.
func score(sc *Scores, det stepper, s Series, opt Options, inject bool) {
	first := opt.Warmup * minutesPerWeek
	var alerts []int
	for i, x := range s.Counts {
		if det.Step(s.Start.Add(time.Duration(i)*time.Minute), x) && i >= first {
			alerts = append(alerts, i)
		}
	}
	if !inject {
		sc.CleanAlarms += len(alerts)
		return
	}
	within := int(opt.Within / time.Minute)
	for _, in := range s.Injections {
		if !in.Spike() {
			continue
		}
		sc.Spikes[in.Kind]++
		for _, a := range alerts {
			if a < in.Start || a >= in.End {
				continue
			}
			sc.Any[in.Kind]++
			if delay := a - in.Onset3x + 1; delay <= within {
				sc.Hits[in.Kind]++
			}
			if in.Kind != Blip {
				sc.Delays = append(sc.Delays, float64(max(a-in.Onset3x+1, 0)))
			}
			break
		}
	}
	for _, a := range alerts {
		explained, benign := false, false
		for _, in := range s.Injections {
			switch {
			case in.Spike() && a >= in.Start && a < in.End+60:
				explained = true
			case !in.Spike() && a >= in.Start && a < min(in.End, in.Start+1440)+1440:
				benign = true
			}
		}
		if !explained {
			sc.FalseAlarms++
			if benign {
				sc.Benign++
			}
		}
	}
}

// Recall is the fraction of kinds' spikes detected within the deadline (any time if anyTime).
func (sc *Scores) Recall(anyTime bool, kinds ...Kind) (float64, int) {
	var n, h int
	for _, k := range kinds {
		n += sc.Spikes[k]
		if anyTime {
			h += sc.Any[k]
		} else {
			h += sc.Hits[k]
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return float64(h) / float64(n), n
}

// MedianDelay in minutes of the detected bursts and slow crises.
func (sc *Scores) MedianDelay() float64 {
	if len(sc.Delays) == 0 {
		return math.NaN()
	}
	d := slices.Clone(sc.Delays)
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

// WriteTable prints the report as a Markdown table, the detectors side by side.
func (r Report) WriteTable(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "spike evaluation: %d brands × %d scored weeks (after %d warm-up weeks), seed %d, deadline %s after the 3× onset\n\n",
		o.Brands, o.Weeks, o.Warmup, o.Seed, o.Within)
	fmt.Fprintf(w, "| metric |")
	for _, d := range r.Detector {
		fmt.Fprintf(w, " %s |", d.Name)
	}
	fmt.Fprintf(w, "\n| --- |")
	for range r.Detector {
		fmt.Fprintf(w, " --- |")
	}
	fmt.Fprintln(w)
	row := func(name string, f func(sc *Scores) string) {
		fmt.Fprintf(w, "| %s |", name)
		for i := range r.Detector {
			fmt.Fprintf(w, " %s |", f(&r.Detector[i]))
		}
		fmt.Fprintln(w)
	}
	pct := func(anyTime bool, kinds ...Kind) func(sc *Scores) string {
		return func(sc *Scores) string {
			v, n := sc.Recall(anyTime, kinds...)
			return fmt.Sprintf("%.1f %% (n=%d)", 100*v, n)
		}
	}
	row(fmt.Sprintf("recall ≤ %s, bursts + slow crises (target ≥ 90 %%)", fmtMin(o.Within)), pct(false, Burst, Slow))
	row(fmt.Sprintf("recall ≤ %s, sudden bursts", fmtMin(o.Within)), pct(false, Burst))
	row(fmt.Sprintf("recall ≤ %s, slow-building crises", fmtMin(o.Within)), pct(false, Slow))
	row("recall at any time, bursts + slow crises", pct(true, Burst, Slow))
	row("short blips (1–3 min) alerted", pct(true, Blip))
	row("median delay after 3× onset, min", func(sc *Scores) string { return fmt.Sprintf("%.0f", sc.MedianDelay()) })
	row("false alarms / brand-week, spike-free background (target ≤ 1)", func(sc *Scores) string {
		return fmt.Sprintf("%.2f (%d)", float64(sc.CleanAlarms)/float64(sc.BrandWeeks), sc.CleanAlarms)
	})
	row("false alarms / brand-week, with injections", func(sc *Scores) string {
		return fmt.Sprintf("%.2f (%d)", float64(sc.FalseAlarms)/float64(sc.BrandWeeks), sc.FalseAlarms)
	})
	row("… of which on level shifts / holidays", func(sc *Scores) string { return fmt.Sprintf("%d", sc.Benign) })
	fmt.Fprintf(w, "\n%d minutes per detector and run, %s\n", r.Minutes, r.Elapsed.Round(10*time.Millisecond))
}

func fmtMin(d time.Duration) string { return fmt.Sprintf("%.0f min", d.Minutes()) }
