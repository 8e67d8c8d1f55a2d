package spike

import (
	"math"
	"sort"
	"time"
)

// termDetector finds the terms bursting in a brand's mentions: terms whose share of the mentions of the
// last Terms.Window is far above their usual share. Shares, not counts, so that a volume spike does not
// make every term burst: what is left is the "why".
type termDetector struct {
	cfg    *Config
	alpha  float64 // decay per minute of the usual counts
	usual  map[string]*decayed
	total  decayed // decayed count of mentions
	window map[string]int
	wTotal int
	hist   ring[termCell]
	ep     episode
	last   []termScore // bursting terms of the last evaluation
	// since is the first minute with mentions: terms are judged only once their usual shares rest on
	// Terms.MinHistory of mentions (a seeded brand has counts but no terms, so its terms start cold).
	since int64
}

type termCell struct {
	start time.Time
	terms map[string]int
	total int
}

// decayed is an exponentially decayed count, decayed lazily: most terms are not seen in most minutes.
type decayed struct {
	v    float64
	last int64 // minute of the last update
}

func (d *decayed) at(minute int64, alpha float64) float64 {
	if minute > d.last {
		d.v *= math.Pow(1-alpha, float64(minute-d.last))
		d.last = minute
	}
	return d.v
}

type termScore struct {
	term  string
	count int
	z     float64
	score float64
}

// usualPrior is the share assumed for a term never seen (with the weight of usualPriorN mentions): an
// unseen term must reach several mentions before it can be said to burst.
const (
	usualPrior  = 0.01
	usualPriorN = 200.0
)

func newTermDetector(cfg *Config) *termDetector {
	return &termDetector{cfg: cfg, alpha: halfLifeAlpha(time.Minute, cfg.Terms.HalfLife),
		usual: map[string]*decayed{}, window: map[string]int{},
		hist: newRing[termCell](max(1, int(cfg.Terms.Window/time.Minute)))}
}

func (d *termDetector) step(c termCell) (verdict, transition) {
	if old, full := d.hist.push(c); full {
		d.remove(old)
	}
	for t, n := range c.terms {
		d.window[t] += n
	}
	d.wTotal += c.total
	minute := c.start.Unix() / 60
	if d.since == 0 && c.total > 0 {
		d.since = minute
	}
	v := d.evaluate(nil, 0, false)
	tr := d.ep.step(v, c.start, c.start.Add(time.Minute), d.cfg.Hold, d.cfg.UpdateEvery)
	d.total.at(minute, d.alpha)
	d.total.v += float64(c.total)
	for t, n := range c.terms {
		u := d.usual[t]
		if u == nil {
			u = &decayed{last: minute}
			d.usual[t] = u
		}
		u.at(minute, d.alpha)
		u.v += float64(n)
	}
	if len(d.usual) > d.cfg.Terms.MaxTracked*5/4 {
		d.prune(minute)
	}
	return v, tr
}

func (d *termDetector) remove(c termCell) {
	for t, n := range c.terms {
		if d.window[t] -= n; d.window[t] <= 0 {
			delete(d.window, t)
		}
	}
	d.wTotal -= c.total
}

// prune forgets the least used terms down to MaxTracked, keeping memory bounded whatever the vocabulary.
func (d *termDetector) prune(minute int64) {
	type kv struct {
		t string
		v float64
	}
	all := make([]kv, 0, len(d.usual))
	for t, u := range d.usual {
		all = append(all, kv{t, u.at(minute, d.alpha)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	for _, e := range all[d.cfg.Terms.MaxTracked:] {
		delete(d.usual, e.t)
	}
}

func (d *termDetector) addLate(stepsAgo int, terms []string) {
	if stepsAgo < 0 || stepsAgo >= d.hist.len() {
		return
	}
	c := d.hist.at(stepsAgo)
	c.total++
	d.wTotal++
	for _, t := range terms {
		if c.terms == nil {
			c.terms = map[string]int{}
		}
		c.terms[t]++
		d.window[t]++
	}
}

// peek evaluates the window extended by unclosed minutes; only terms seen in them can have changed.
func (d *termDetector) peek(tail []termCell) (verdict, transition) {
	if len(tail) == 0 {
		return verdict{calm: true}, noChange
	}
	extra, n := merge(tail)
	v := d.evaluate(extra, n, true)
	return v, d.ep.peek(v, tail[len(tail)-1].start)
}

// rank scores every term of the window extended by tail, so that top lists the terms driving an event.
func (d *termDetector) rank(tail []termCell) {
	extra, n := merge(tail)
	d.evaluate(extra, n, false)
}

func merge(tail []termCell) (map[string]int, int) {
	extra := map[string]int{}
	n := 0
	for _, c := range tail {
		for t, k := range c.terms {
			extra[t] += k
		}
		n += c.total
	}
	return extra, n
}

// evaluate scores the terms of the window extended by extra, terms of extraN more mentions; onlyExtra
// limits scoring to the terms of extra.
func (d *termDetector) evaluate(extra map[string]int, extraN int, onlyExtra bool) verdict {
	tc := &d.cfg.Terms
	v := verdict{calm: true, window: tc.Window}
	d.last = d.last[:0]
	n := d.wTotal + extraN
	if n == 0 || d.hist.len() == 0 {
		return v
	}
	oldest := d.hist.at(d.hist.len() - 1).start
	minute := d.hist.at(0).start.Unix() / 60
	cold := d.since == 0 || time.Duration(minute-d.since)*time.Minute < tc.MinHistory || !d.ep.fresh(oldest)
	total := d.total.at(minute, d.alpha)
	score := func(t string, c int) {
		if float64(c) < tc.MinCount/2 {
			return
		}
		u := 0.0
		if e := d.usual[t]; e != nil {
			u = e.at(minute, d.alpha)
		}
		p := (u + usualPrior*usualPriorN) / (total + usualPriorN)
		e := p * float64(n)
		z := (float64(c) - e) / math.Sqrt(e*(1-p)+sq(d.cfg.Overdispersion*e))
		share := float64(c) / float64(n)
		s := min(gate(z/tc.OpenZ), gate(share/tc.MinShare), gate(share/p/tc.MinLift), gate(float64(c)/tc.MinCount))
		if s > v.score {
			v.score, v.observed, v.expected, v.statistic, v.start = s, float64(c), e, z, oldest
		}
		if z >= d.cfg.CloseZ && share/p >= tc.MinLift/2 && float64(c) >= tc.MinCount/2 {
			v.calm = false
		}
		if s >= 0.5 || (s > 0.25 && z > 0) {
			d.last = append(d.last, termScore{t, c, z, s})
		}
	}
	for t, k := range extra {
		score(t, d.window[t]+k)
	}
	if !onlyExtra {
		for t, c := range d.window {
			if _, seen := extra[t]; !seen {
				score(t, c)
			}
		}
	}
	sort.Slice(d.last, func(i, j int) bool {
		if d.last[i].score != d.last[j].score {
			return d.last[i].score > d.last[j].score
		}
		return d.last[i].term < d.last[j].term
	})
	if cold { // the ranking still tells an event's "why"; the terms alone may not alert yet
		return verdict{calm: true, window: tc.Window}
	}
	v.pass = v.score >= 0.5
	v.severity = SeverityWarning
	return v
}

// top returns the most bursting terms of the last evaluation, at most n.
func (d *termDetector) top(n int) []string {
	out := make([]string, 0, min(n, len(d.last)))
	for _, s := range d.last {
		if len(out) == n {
			break
		}
		out = append(out, s.term)
	}
	return out
}
