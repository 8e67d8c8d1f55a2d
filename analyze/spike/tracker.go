package spike

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Point is one analysed mention, as the tracker sees it.
type Point struct {
	Brand    string
	Time     time.Time // published time, or fetch time when the source gives none
	Negative bool
	Terms    []string // from terms.Extract
	Source   string   // e.g. "rss:lemonde.fr"
	ID       string   // mention id, for the samples of events
}

// Minute is one per-minute rollup of a brand, used to seed its detectors.
type Minute struct {
	Start    time.Time
	Count    int
	Negative int
}

// maxGap is the longest stretch of minutes the tracker replays; beyond, the detectors skip ahead (an
// analyzer that was stopped for a week should be seeded, not replayed empty minutes).
const maxGap = 7 * 24 * time.Hour

// Tracker runs the volume, sentiment and terms detectors of every brand on per-minute buckets of
// mentions. Observe files mentions into their minute; Advance closes the minutes that are over (plus
// Config.Grace) and also scores the still-open minute, pro-rated, so that a burst opens an alert within
// seconds; Seed rebuilds a brand's baseline from rollups. All methods are safe for concurrent use.
type Tracker struct {
	cfg    Config
	logger *slog.Logger
	met    *metrics

	mu     sync.Mutex
	brands map[string]*brandState
	now    time.Time // last Advance
	span   int       // minutes of closed history kept per brand: the longest window of any detector
}

type brandState struct {
	name     string
	frontier time.Time         // start of the first minute not yet closed
	pending  map[int64]*bucket // minutes not yet closed, by Unix minute
	vol      *Detector
	sent     *sentimentDetector
	terms    *termDetector
	closed   ring[*bucket]
}

// bucket is one minute of a brand's mentions.
type bucket struct {
	start           time.Time
	count, negative int
	terms           map[string]int
	sources         map[string]int
	ids, negIDs     []string // newest last, at most Config.SampleIDs
}

// NewTracker returns a tracker; its metrics are registered with reg when reg is not nil.
func NewTracker(cfg Config, logger *slog.Logger, reg prometheus.Registerer) (*Tracker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	met, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	span := max(cfg.Windows[len(cfg.Windows)-1], cfg.Sentiment.Windows[len(cfg.Sentiment.Windows)-1], cfg.Terms.Window)
	return &Tracker{cfg: cfg, logger: logger, met: met, brands: map[string]*brandState{}, span: int(span / time.Minute)}, nil
}

func (t *Tracker) newBrand(name string, frontier time.Time) *brandState {
	vol, _ := NewDetector(t.cfg, time.Minute) // cfg validated by NewTracker
	return &brandState{name: name, frontier: frontier, pending: map[int64]*bucket{}, vol: vol,
		sent: newSentimentDetector(&t.cfg), terms: newTermDetector(&t.cfg), closed: newRing[*bucket](t.span)}
}

// Observe files a mention into its brand's minute. Mentions may arrive late or out of order: a mention
// for a minute already closed still counts in the windows that cover it (though not in the baseline),
// and one older than every window is dropped from scoring (vigie_spike_late_points_dropped_total).
func (t *Tracker) Observe(p Point) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.met.observed.Inc()
	m := p.Time.Truncate(time.Minute)
	if !t.now.IsZero() {
		now := t.now.Truncate(time.Minute)
		if m.After(now) { // a clock ahead of ours: count it now rather than in the future
			m = now
		}
	}
	b := t.brands[p.Brand]
	if b == nil {
		f := m
		if !t.now.IsZero() {
			if oldest := t.now.Truncate(time.Minute).Add(-time.Duration(t.span) * time.Minute); f.Before(oldest) {
				f = oldest
			}
		}
		b = t.newBrand(p.Brand, f)
		t.brands[p.Brand] = b
	}
	if m.Before(b.frontier) {
		ago := int(b.frontier.Sub(m)/time.Minute) - 1
		if ago >= b.closed.len() {
			t.met.late.Inc()
			return
		}
		(*b.closed.at(ago)).add(p, t.cfg.SampleIDs)
		b.vol.addLate(ago, 1)
		b.sent.addLate(ago, p.Negative)
		b.terms.addLate(ago, p.Terms)
		return
	}
	k := m.Unix() / 60
	bk := b.pending[k]
	if bk == nil {
		bk = &bucket{start: m}
		b.pending[k] = bk
	}
	bk.add(p, t.cfg.SampleIDs)
}

func (bk *bucket) add(p Point, keep int) {
	bk.count++
	if bk.terms == nil {
		bk.terms, bk.sources = map[string]int{}, map[string]int{}
	}
	for _, term := range p.Terms {
		bk.terms[term]++
	}
	if p.Source != "" {
		bk.sources[p.Source]++
	}
	push := func(ids []string) []string {
		if keep == 0 || p.ID == "" {
			return ids
		}
		if len(ids) == keep {
			ids = append(ids[:0], ids[1:]...)
		}
		return append(ids, p.ID)
	}
	bk.ids = push(bk.ids)
	if p.Negative {
		bk.negative++
		bk.negIDs = push(bk.negIDs)
	}
}

// Advance closes every minute that ended at least Config.Grace before now, scores it, then scores the
// minutes still open with the last one pro-rated to now, and returns the events that this produced,
// ordered by brand. Call it periodically (every second or so) with the wall clock.
func (t *Tracker) Advance(now time.Time) []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.After(t.now) {
		t.now = now
	}
	var events []Event
	for _, name := range slices.Sorted(maps.Keys(t.brands)) {
		events = t.advanceBrand(t.brands[name], now, events, true)
	}
	return events
}

func (t *Tracker) advanceBrand(b *brandState, now time.Time, events []Event, live bool) []Event {
	closeBefore := now.Add(-t.cfg.Grace).Truncate(time.Minute)
	if closeBefore.Sub(b.frontier) > maxGap {
		t.logger.Warn("spike: skipping minutes never advanced", "brand", b.name, "from", b.frontier, "to", closeBefore.Add(-maxGap))
		b.frontier = closeBefore.Add(-maxGap)
	}
	for b.frontier.Before(closeBefore) {
		k := b.frontier.Unix() / 60
		bk := b.pending[k]
		if bk == nil {
			bk = &bucket{start: b.frontier}
		}
		delete(b.pending, k)
		events = t.closeMinute(b, bk, now, events, true)
		b.frontier = b.frontier.Add(time.Minute)
	}
	for k, bk := range b.pending { // too old to matter: counted in rollups, not in scores
		if bk.start.Before(b.frontier) {
			delete(b.pending, k)
		}
	}
	if live {
		events = t.peek(b, now, events)
	}
	return events
}

// closeMinute scores a complete minute and learns from it; with emit false (seeding) transitions change
// the episodes but produce no events.
func (t *Tracker) closeMinute(b *brandState, bk *bucket, now time.Time, events []Event, emit bool) []Event {
	vv, vt := b.vol.advance(bk.start, float64(bk.count))
	sv, st := b.sent.step(sentCell{start: bk.start, total: float64(bk.count), negative: float64(bk.negative)})
	tc := termCell{start: bk.start, terms: bk.terms, total: bk.count}
	if !emit {
		tc.total = 0 // rollups carry no terms: counting their mentions would make every term look rare
	}
	tv, tt := b.terms.step(tc)
	b.closed.push(bk)
	if !emit {
		return events
	}
	events = t.emit(b, KindVolume, vt, vv, &b.vol.ep, now, nil, events)
	events = t.emit(b, KindSentiment, st, sv, &b.sent.ep, now, nil, events)
	events = t.emit(b, KindTerms, tt, tv, &b.terms.ep, now, nil, events)
	return events
}

// peek scores the closed history extended by the open minutes, the last one pro-rated: a burst then
// opens an alert as soon as it is significant, not when its minute closes.
func (t *Tracker) peek(b *brandState, now time.Time, events []Event) []Event {
	if len(b.pending) == 0 {
		t.met.score.WithLabelValues(b.name).Set(max(b.vol.ep.last.score, 0))
		return events
	}
	tail := make([]*bucket, 0, len(b.pending))
	for _, bk := range b.pending {
		if !bk.start.After(now) {
			tail = append(tail, bk)
		}
	}
	sort.Slice(tail, func(i, j int) bool { return tail[i].start.Before(tail[j].start) })
	// Open minutes between the frontier and the newest pending one count, empty or not.
	var filled []*bucket
	for m := b.frontier; len(tail) > 0 && !m.After(tail[len(tail)-1].start); m = m.Add(time.Minute) {
		if len(tail) > 0 && tail[0].start.Equal(m) {
			filled = append(filled, tail[0])
			tail = tail[1:]
		} else {
			filled = append(filled, &bucket{start: m})
		}
	}
	if len(filled) == 0 {
		return events
	}
	vc := make([]cell, len(filled))
	sc := make([]sentCell, len(filled))
	tc := make([]termCell, len(filled))
	for i, bk := range filled {
		e, rho := b.vol.base.expected(bk.start)
		if frac := float64(now.Sub(bk.start)) / float64(time.Minute); frac < 1 {
			e *= max(frac, 1.0/60)
		}
		vc[i] = cell{start: bk.start, observed: float64(bk.count), expected: e, rho: rho}
		sc[i] = sentCell{start: bk.start, total: float64(bk.count), negative: float64(bk.negative)}
		tc[i] = termCell{start: bk.start, terms: bk.terms, total: bk.count}
	}
	vv, vt := b.vol.peek(vc)
	sv, st := b.sent.peek(sc)
	tv, tt := b.terms.peek(tc)
	t.met.score.WithLabelValues(b.name).Set(max(vv.score, sv.score, tv.score))
	events = t.emit(b, KindVolume, vt, vv, &b.vol.ep, now, filled, events)
	events = t.emit(b, KindSentiment, st, sv, &b.sent.ep, now, filled, events)
	events = t.emit(b, KindTerms, tt, tv, &b.terms.ep, now, filled, events)
	return events
}

// emit turns an episode transition into an event, with the terms, sources and samples of its window.
func (t *Tracker) emit(b *brandState, kind string, tr transition, v verdict, ep *episode, now time.Time, tail []*bucket, events []Event) []Event {
	if tr == noChange {
		return events
	}
	state := map[transition]string{opened: StateOpen, updated: StateUpdate, resolved: StateResolve}[tr]
	if tr == resolved {
		v = ep.last
	}
	sev := ep.severity
	if tr == resolved {
		t.met.severity.WithLabelValues(b.name, kind).Set(0)
	} else {
		t.met.severity.WithLabelValues(b.name, kind).Set(float64(sev))
	}
	t.met.events.WithLabelValues(kind, state).Inc()
	e := Event{
		ID: episodeID(b.name, kind, ep.start), Brand: b.name, Kind: kind, State: state, Start: ep.start, At: now,
		Observed: v.observed, Expected: v.expected, Statistic: v.statistic, Score: v.score,
		WindowSeconds: v.window.Seconds(), Severity: sev.String(),
	}
	// The window's buckets, newest first: the open tail, then closed minutes.
	n := max(1, int(v.window/time.Minute))
	win := make([]*bucket, 0, n)
	for i := len(tail) - 1; i >= 0 && len(win) < n; i-- {
		win = append(win, tail[i])
	}
	for i := 0; i < b.closed.len() && len(win) < n; i++ {
		win = append(win, *b.closed.at(i))
	}
	var count, neg int
	sources := map[string]int{}
	var ids []string
	for _, bk := range win {
		count += bk.count
		neg += bk.negative
		for s, k := range bk.sources {
			sources[s] += k
		}
		pick := bk.ids
		if kind == KindSentiment {
			pick = bk.negIDs
		}
		for i := len(pick) - 1; i >= 0 && len(ids) < t.cfg.SampleIDs; i-- {
			ids = append(ids, pick[i])
		}
	}
	if count > 0 {
		e.NegativeShare = float64(neg) / float64(count)
	}
	e.Sources = topKeys(sources, t.cfg.TopSources)
	e.SampleIDs = ids
	tcells := make([]termCell, len(tail))
	for i, bk := range tail {
		tcells[i] = termCell{start: bk.start, terms: bk.terms, total: bk.count}
	}
	b.terms.rank(tcells)
	e.Terms = b.terms.top(t.cfg.Terms.Top)
	t.logger.Info("spike event", "id", e.ID, "state", e.State, "severity", e.Severity,
		"observed", e.Observed, "expected", e.Expected, "terms", e.Terms)
	return append(events, e)
}

// topKeys returns the n keys with the highest counts, ties by name.
func topKeys(m map[string]int, n int) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys[:min(n, len(keys))]
}

// Seed rebuilds a brand's detectors from its per-minute rollups, oldest first (gaps count as empty
// minutes), typically the last two to four weeks up to the last complete minute. It replaces the brand's
// state; an episode still open at the end of the rollups stays open, with the same ID, and later events
// continue it. Mentions observed afterwards for minutes the rollups cover are treated as already counted.
func (t *Tracker) Seed(brand string, minutes []Minute) error {
	for i, m := range minutes {
		if m.Count < 0 || m.Negative < 0 || m.Negative > m.Count {
			return fmt.Errorf("spike: seed %s: minute %d (%s): want 0 ≤ negative ≤ count, got count %d negative %d", brand, i, m.Start, m.Count, m.Negative)
		}
		if i > 0 && !m.Start.Truncate(time.Minute).After(minutes[i-1].Start.Truncate(time.Minute)) {
			return fmt.Errorf("spike: seed %s: minute %d (%s) is not after minute %d (%s): want oldest first, one row per minute", brand, i, m.Start, i-1, minutes[i-1].Start)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(minutes) == 0 {
		return nil
	}
	old := t.brands[brand]
	b := t.newBrand(brand, minutes[0].Start.Truncate(time.Minute))
	for _, m := range minutes {
		start := m.Start.Truncate(time.Minute)
		if start.Sub(b.frontier) > maxGap {
			b.frontier = start.Add(-maxGap)
		}
		for b.frontier.Before(start) {
			t.closeMinute(b, &bucket{start: b.frontier}, b.frontier, nil, false)
			b.frontier = b.frontier.Add(time.Minute)
		}
		t.closeMinute(b, &bucket{start: start, count: m.Count, negative: m.Negative}, start, nil, false)
		b.frontier = start.Add(time.Minute)
	}
	if old != nil {
		for k, bk := range old.pending {
			if !bk.start.Before(b.frontier) {
				b.pending[k] = bk
			}
		}
	}
	t.brands[brand] = b
	for kind, ep := range map[string]*episode{KindVolume: &b.vol.ep, KindSentiment: &b.sent.ep, KindTerms: &b.terms.ep} {
		sev := SeverityNone
		if ep.open {
			sev = ep.severity
		}
		t.met.severity.WithLabelValues(brand, kind).Set(float64(sev))
	}
	t.logger.Info("spike: seeded brand", "brand", brand, "minutes", len(minutes), "until", b.frontier)
	return nil
}
