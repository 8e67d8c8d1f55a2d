package spike

import (
	"fmt"
	"math"
	"time"
)

// Detector is the volume detector of one series: the core that the Tracker runs per brand on per-minute
// counts and that `vigie spikes backtest` runs on a CSV series of any step. It is streaming: each step is
// scored only from the steps before it and itself. A Detector is not safe for concurrent use.
type Detector struct {
	cfg        Config
	step       time.Duration
	windows    []int // window lengths in steps, increasing, deduplicated
	closeSteps int   // windows up to this many steps decide calm
	minHistory int   // steps before any alert
	base       seasonal
	hist       ring[cell]
	ep         episode
	n          int
}

// cell is one step of history: the count seen and the count that was expected before seeing it.
type cell struct {
	start    time.Time
	observed float64
	expected float64
	rho      float64
}

// Result is what one step of a Detector produced.
type Result struct {
	// Score is the anomaly score in [0,1]: the weakest of the opening gates (z, ratio, floor) on the best
	// window, mapped so that 0.5 is the threshold. It is 0 until MinHistory has passed.
	Score     float64
	Observed  float64 // observed count on the best window
	Expected  float64 // expected count on the best window
	Statistic float64 // Anscombe z-score on the best window
	Window    time.Duration
	// Opened, Updated and Resolved report an episode transition at this step; Open that one is open after it.
	Opened, Updated, Resolved, Open bool
	Severity                        Severity  // of the open episode
	Start                           time.Time // onset of the open episode
}

// NewDetector returns a detector for a series whose steps last step (one minute for the Tracker).
// Windows shorter than a step are rounded up to one step.
func NewDetector(cfg Config, step time.Duration) (*Detector, error) {
	if step <= 0 {
		return nil, fmt.Errorf("spike: step must be positive, got %s", step)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	loc, _ := time.LoadLocation(cfg.TimeZone) // checked by Validate
	d := &Detector{cfg: cfg, step: step}
	d.windows = stepsOf(cfg.Windows, step)
	d.closeSteps = max(1, int(cfg.CloseWindow/step))
	d.minHistory = int((cfg.MinHistory + step - 1) / step)
	d.base = newSeasonal(&d.cfg, step, loc)
	d.hist = newRing[cell](d.windows[len(d.windows)-1])
	return d, nil
}

func stepsOf(ws []time.Duration, step time.Duration) []int {
	var out []int
	for _, w := range ws {
		n := max(1, int((w+step/2)/step))
		if len(out) == 0 || n > out[len(out)-1] {
			out = append(out, n)
		}
	}
	return out
}

// Expected returns the expected count of the step starting at t under the current baseline.
func (d *Detector) Expected(t time.Time) float64 {
	e, _ := d.base.expected(t)
	return e
}

// Step scores count x of the step starting at t, then learns from it. Steps must be consecutive.
func (d *Detector) Step(t time.Time, x float64) Result {
	return d.result(d.advance(t, x))
}

func (d *Detector) advance(t time.Time, x float64) (verdict, transition) {
	e, rho := d.base.expected(t)
	d.hist.push(cell{start: t, observed: x, expected: e, rho: rho})
	d.n++
	v := d.evaluate(nil)
	tr := d.ep.step(v, t, t.Add(d.step), d.cfg.Hold, d.cfg.UpdateEvery)
	weight := 1.0
	if d.ep.open {
		weight = d.cfg.OpenLearn
	}
	d.base.learn(t, x, weight)
	return v, tr
}

// peek scores the history followed by tail, steps not yet complete (their expected counts pro-rated by
// the caller), and opens an episode if the gates already pass. It learns nothing.
func (d *Detector) peek(tail []cell) (verdict, transition) {
	v := d.evaluate(tail)
	if len(tail) == 0 {
		return v, noChange
	}
	return v, d.ep.peek(v, tail[len(tail)-1].start)
}

// addLate adds n late counts to the step that started stepsAgo steps before the newest one, if the
// history still holds it, so that windows covering it see them.
func (d *Detector) addLate(stepsAgo int, n float64) bool {
	if stepsAgo < 0 || stepsAgo >= d.hist.len() {
		return false
	}
	d.hist.at(stepsAgo).observed += n
	return true
}

func (d *Detector) result(v verdict, tr transition) Result {
	return Result{
		Score: v.score, Observed: v.observed, Expected: v.expected, Statistic: v.statistic, Window: v.window,
		Opened: tr == opened, Updated: tr == updated, Resolved: tr == resolved, Open: d.ep.open,
		Severity: d.ep.severity, Start: d.ep.start,
	}
}

// evaluate compares observed and expected counts on every window ending with the newest step (of tail,
// else of history). The best window is the one with the highest score.
func (d *Detector) evaluate(tail []cell) verdict {
	v := verdict{calm: true}
	if d.n < d.minHistory {
		return v
	}
	total := len(tail) + d.hist.len()
	get := func(i int) *cell { // i-th newest step of tail+history
		if i < len(tail) {
			return &tail[len(tail)-1-i]
		}
		return d.hist.at(i - len(tail))
	}
	var o, e, varRel float64
	wi, first := 0, true
	for i := 0; i < total && wi < len(d.windows); i++ {
		c := get(i)
		if !d.ep.fresh(c.start) {
			break
		}
		o += c.observed
		e += c.expected
		varRel = math.Max(varRel, c.rho)
		if i+1 != d.windows[wi] {
			continue
		}
		wi++
		z := anscombeZ(o, e, varRel)
		ratio := math.Inf(1)
		if e > 0 {
			ratio = o / e
		}
		if i+1 <= d.closeSteps && z >= d.cfg.CloseZ && ratio >= d.cfg.CloseRatio {
			v.calm = false
		}
		s := min(gate(z/d.cfg.OpenZ), gate(ratio/d.cfg.OpenRatio), gate(o/d.cfg.MinCount))
		if first || s > v.score || (s == v.score && z > v.statistic) {
			first = false
			v.score, v.observed, v.expected, v.statistic = s, o, e, z
			v.start, v.window = c.start, time.Duration(i+1)*d.step
			v.severity = d.severity(ratio)
		}
	}
	v.pass = v.score >= 0.5
	return v
}

func (d *Detector) severity(ratio float64) Severity {
	switch {
	case ratio >= d.cfg.CriticalRatio:
		return SeverityCritical
	case ratio >= d.cfg.MajorRatio:
		return SeverityMajor
	}
	return SeverityWarning
}
