package spike

import (
	"math"
	"time"
)

// ring keeps the newest n values; at(0) is the newest.
type ring[T any] struct {
	buf  []T
	head int // index of the newest value
	n    int
}

func newRing[T any](size int) ring[T] { return ring[T]{buf: make([]T, size), head: -1} }

// push appends v and returns the value it evicted, if the ring was full.
func (r *ring[T]) push(v T) (evicted T, full bool) {
	r.head = (r.head + 1) % len(r.buf)
	evicted, full = r.buf[r.head], r.n == len(r.buf)
	r.buf[r.head] = v
	if !full {
		r.n++
	}
	return evicted, full
}

func (r *ring[T]) len() int { return r.n }

// at returns the i-th newest value (0 is the newest).
func (r *ring[T]) at(i int) *T {
	return &r.buf[((r.head-i)%len(r.buf)+len(r.buf))%len(r.buf)]
}

// gate maps x = value/threshold to (0,1) with gate(1) = 0.5, so that the minimum of several gates is at
// least 0.5 exactly when every value reaches its threshold: that minimum is the anomaly score.
func gate(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	if math.IsInf(x, 1) {
		return 1
	}
	return x * x / (1 + x*x)
}

// anscombeZ is the z-score of a Poisson count observed against expected, on Anscombe's variance-stabilised
// scale (2√(x+3/8) has variance ≈ 1), inflated by the relative uncertainty rho of expected itself.
// Unlike (o-e)/√e it stays honest for small counts, where the Poisson tail is far from normal.
func anscombeZ(observed, expected, rho float64) float64 {
	return 2 * (math.Sqrt(observed+0.375) - math.Sqrt(expected+0.375)) / math.Sqrt(1+rho*rho*expected)
}

// halfLifeAlpha is the per-update weight of an exponential moving average with the given half-life.
func halfLifeAlpha(every, halfLife time.Duration) float64 {
	return 1 - math.Exp2(-float64(every)/float64(halfLife))
}

// Severity grades an episode; it only rises while the episode is open.
type Severity int

const (
	SeverityNone Severity = iota
	SeverityWarning
	SeverityMajor
	SeverityCritical
)

func (s Severity) String() string {
	switch s {
	case SeverityWarning:
		return "warning"
	case SeverityMajor:
		return "major"
	case SeverityCritical:
		return "critical"
	}
	return "none"
}

// verdict is one evaluation of a detector on its windows.
type verdict struct {
	score     float64 // anomaly score in [0,1]; ≥ 0.5 exactly when pass
	pass      bool    // every opening gate holds on some window
	calm      bool    // no short window is still elevated (may resolve)
	observed  float64 // on the best window
	expected  float64
	statistic float64
	start     time.Time // start of the best window: the onset estimate
	window    time.Duration
	severity  Severity
}

// transition is what an evaluation did to an episode.
type transition int

const (
	noChange transition = iota
	opened
	updated
	resolved
)

// episode is the open/close state machine shared by every detector: open at once when the gates pass,
// resolve only after Hold of continuous calm (hysteresis: the closing gates are lower than the opening ones),
// so that a spike wobbling around its threshold makes one episode, not many.
type episode struct {
	open       bool
	start      time.Time
	calmSince  time.Time // zero while not calm
	severity   Severity
	lastUpdate time.Time
	peak       verdict // last verdict that passed, or the opening one
	last       verdict // last verdict while open
	// resolvedAt is the end of the last episode: a new one may only open on windows that start at or
	// after it, or a long window still holding the old spike would reopen it at once (flapping).
	resolvedAt time.Time
}

// fresh reports whether a window starting at start may open a new episode.
func (e *episode) fresh(start time.Time) bool { return e.open || !start.Before(e.resolvedAt) }

// peek may open the episode from a verdict on still-incomplete data; it never closes it, because closing
// needs the hold period measured on complete minutes.
func (e *episode) peek(v verdict, at time.Time) transition {
	if e.open || !v.pass {
		return noChange
	}
	e.open, e.start, e.calmSince, e.severity, e.lastUpdate, e.peak, e.last = true, v.start, time.Time{}, v.severity, at, v, v
	return opened
}

// step advances the episode with the verdict of the complete step [start, end).
func (e *episode) step(v verdict, start, end time.Time, hold, updateEvery time.Duration) transition {
	if !e.open {
		return e.peek(v, end)
	}
	e.last = v
	if v.pass {
		e.peak = v
	}
	if !v.calm {
		e.calmSince = time.Time{}
	} else if e.calmSince.IsZero() {
		e.calmSince = start
	}
	if !e.calmSince.IsZero() && end.Sub(e.calmSince) >= hold {
		e.open, e.resolvedAt = false, end
		return resolved
	}
	if v.pass && v.severity > e.severity {
		e.severity, e.lastUpdate = v.severity, end
		return updated
	}
	if end.Sub(e.lastUpdate) >= updateEvery {
		e.lastUpdate = end
		return updated
	}
	return noChange
}
