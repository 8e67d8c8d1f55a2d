package spike

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func newTestTracker(t *testing.T, reg prometheus.Registerer) *Tracker {
	t.Helper()
	tr, err := NewTracker(DefaultConfig(), nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// live feeds the tracker minutes [from, to) after t0 of mentions drawn by gen (called per minute with the
// minute index, returning the points), advancing every 10 s; it returns the events.
func live(tr *Tracker, from, to int, gen func(i int, ts time.Time) []Point) []Event {
	var events []Event
	for i := from; i < to; i++ {
		ts := t0.Add(time.Duration(i) * time.Minute)
		pts := gen(i, ts)
		for s := 0; s < 6; s++ { // six 10-second slices
			for j, p := range pts {
				if j*6/max(len(pts), 1) == s {
					tr.Observe(p)
				}
			}
			events = append(events, tr.Advance(ts.Add(time.Duration(s+1)*10*time.Second))...)
		}
	}
	return events
}

// background makes n mentions of brand in the minute, with negative share neg and usual terms.
func background(rng *rand.Rand, brand string, ts time.Time, n int, neg float64) []Point {
	pts := make([]Point, n)
	for j := range pts {
		pts[j] = Point{Brand: brand, Time: ts.Add(time.Duration(j) * time.Minute / time.Duration(n+1)),
			Negative: rng.Float64() < neg, Terms: []string{"orange", []string{"forfait", "fibre", "mobile", "boutique"}[rng.IntN(4)]},
			Source: []string{"rss:lemonde.fr", "mastodon:piaille.fr"}[rng.IntN(2)], ID: fmt.Sprintf("m%d-%d", ts.Unix()/60, j)}
	}
	return pts
}

// seeded returns a tracker seeded with three days of 10 mentions a minute, 10 % negative, up to t0+3d.
func seeded(t *testing.T, reg prometheus.Registerer) *Tracker {
	t.Helper()
	tr := newTestTracker(t, reg)
	rng := rand.New(rand.NewPCG(7, 7))
	var ms []Minute
	for i := 0; i < 3*1440; i++ {
		n := int(poissonDraw(rng, 10))
		ms = append(ms, Minute{Start: t0.Add(time.Duration(i) * time.Minute), Count: n, Negative: n / 10})
	}
	if err := tr.Seed("Orange", ms); err != nil {
		t.Fatal(err)
	}
	return tr
}

func kinds(events []Event, state string) []string {
	var out []string
	for _, e := range events {
		if e.State == state {
			out = append(out, e.Kind)
		}
	}
	return out
}

func TestTrackerBurstOpensWithinSeconds(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr := seeded(t, reg)
	rng := rand.New(rand.NewPCG(8, 8))
	start := 3 * 1440
	events := live(tr, start, start+5, func(i int, ts time.Time) []Point { return background(rng, "Orange", ts, 10, 0.1) })
	if len(events) != 0 {
		t.Fatalf("events on normal traffic after seeding: %+v", events)
	}
	// 150 mentions in the first 10 seconds of a minute, a new hashtag in most of them.
	burst := t0.Add(time.Duration(start+5) * time.Minute)
	for j := 0; j < 150; j++ {
		p := background(rng, "Orange", burst, 1, 0.1)[0]
		p.Time, p.ID, p.Source = burst.Add(time.Duration(j)*time.Second/15), fmt.Sprintf("b%d", j), "bluesky"
		p.Terms = append(p.Terms, "#pannegeante")
		tr.Observe(p)
	}
	events = tr.Advance(burst.Add(10 * time.Second))
	var vol *Event
	for i := range events {
		if events[i].Kind == KindVolume {
			vol = &events[i]
		}
	}
	if vol == nil {
		t.Fatalf("no volume event 10 s into a 15× burst; events %+v", events)
	}
	if vol.State != StateOpen || vol.Brand != "Orange" || !vol.At.Equal(burst.Add(10*time.Second)) || vol.Observed < 150 || vol.Score < 0.5 {
		t.Errorf("volume event = %+v", *vol)
	}
	if vol.ID != "Orange/volume/"+burst.Format("2006-01-02T15:04Z") {
		t.Errorf("ID = %q", vol.ID)
	}
	if len(vol.Terms) == 0 || vol.Terms[0] != "#pannegeante" {
		t.Errorf("terms = %q, want #pannegeante first", vol.Terms)
	}
	if len(vol.Sources) == 0 || vol.Sources[0] != "bluesky" {
		t.Errorf("sources = %q, want bluesky first", vol.Sources)
	}
	if len(vol.SampleIDs) != DefaultConfig().SampleIDs || vol.SampleIDs[0] != "b149" {
		t.Errorf("sample ids = %q, want the %d newest, b149 first", vol.SampleIDs, DefaultConfig().SampleIDs)
	}
	if vol.Severity != "critical" {
		t.Errorf("severity = %q, want critical for 15×", vol.Severity)
	}
	if got := testutil.ToFloat64(tr.met.severity.WithLabelValues("Orange", KindVolume)); got != float64(SeverityCritical) {
		t.Errorf("vigie_spike_severity{brand=Orange,kind=volume} = %v", got)
	}
	// The same episode goes on when its minute closes: no second open; then it resolves once calm.
	rest := live(tr, start+6, start+60, func(i int, ts time.Time) []Point { return background(rng, "Orange", ts, 10, 0.1) })
	var states []string
	for _, e := range rest {
		if e.Kind == KindVolume {
			states = append(states, e.State)
			if e.ID != vol.ID {
				t.Errorf("event of the same episode with ID %q, want %q", e.ID, vol.ID)
			}
		}
	}
	if len(states) == 0 || states[len(states)-1] != StateResolve || slices.Contains(states, StateOpen) {
		t.Errorf("volume events after the burst: %v, want updates then one resolve", states)
	}
}

func TestTrackerLateMentions(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr := seeded(t, reg)
	rng := rand.New(rand.NewPCG(9, 9))
	start := 3 * 1440
	live(tr, start, start+10, func(i int, ts time.Time) []Point { return background(rng, "Orange", ts, 10, 0.1) })
	// 200 mentions published five minutes ago arrive now: their minute is closed, but the windows that
	// cover it still see them.
	old := t0.Add(time.Duration(start+5) * time.Minute)
	for j := 0; j < 200; j++ {
		p := background(rng, "Orange", old, 1, 0.1)[0]
		tr.Observe(p)
	}
	events := tr.Advance(t0.Add(time.Duration(start+10)*time.Minute + 5*time.Second))
	if got := kinds(events, StateOpen); !slices.Contains(got, KindVolume) {
		t.Fatalf("late burst: opened %v, want volume", got)
	}
	// A mention older than every window is dropped from scoring and counted.
	tr.Observe(Point{Brand: "Orange", Time: t0, ID: "ancient"})
	if got := testutil.ToFloat64(tr.met.late); got != 1 {
		t.Fatalf("late points dropped = %v, want 1", got)
	}
}

func TestTrackerSentimentTurnWithoutVolumeChange(t *testing.T) {
	tr := seeded(t, nil)
	rng := rand.New(rand.NewPCG(10, 10))
	start := 3 * 1440
	events := live(tr, start, start+40, func(i int, ts time.Time) []Point {
		neg := 0.1
		if i >= start+10 {
			neg = 0.7
		}
		return background(rng, "Orange", ts, 10, neg)
	})
	got := kinds(events, StateOpen)
	if !slices.Contains(got, KindSentiment) || slices.Contains(got, KindVolume) {
		t.Fatalf("negative share 10 %% → 70 %% at the same volume: opened %v, want sentiment and not volume", got)
	}
	for _, e := range events {
		if e.Kind == KindSentiment && e.State == StateOpen {
			if e.NegativeShare < 0.2 || len(e.SampleIDs) == 0 || e.Observed <= e.Expected {
				t.Errorf("sentiment event = %+v", e)
			}
			if e.At.Before(t0.Add(time.Duration(start+10) * time.Minute)) {
				t.Errorf("sentiment opened at %s, before the turn", e.At)
			}
		}
	}
}

func TestTrackerEmergingTerm(t *testing.T) {
	tr := seeded(t, nil)
	rng := rand.New(rand.NewPCG(11, 11))
	start := 3 * 1440
	// Two hours of usual terms, so they have a usual share; then "greve" in half the mentions.
	live(tr, start, start+120, func(i int, ts time.Time) []Point { return background(rng, "Orange", ts, 10, 0.1) })
	events := live(tr, start+120, start+150, func(i int, ts time.Time) []Point {
		pts := background(rng, "Orange", ts, 10, 0.1)
		for j := range pts {
			if j%2 == 0 {
				pts[j].Terms = append(pts[j].Terms, "greve", "greve boutique")
			}
		}
		return pts
	})
	var ev *Event
	for i := range events {
		if events[i].Kind == KindTerms && events[i].State == StateOpen {
			ev = &events[i]
		}
	}
	if ev == nil {
		t.Fatalf("no terms event; events %+v", events)
	}
	if len(ev.Terms) < 2 || !slices.Contains(ev.Terms[:2], "greve") || slices.Contains(ev.Terms, "orange") {
		t.Fatalf("terms = %q, want greve among the first and not the usual terms", ev.Terms)
	}
	if got := kinds(events, StateOpen); slices.Contains(got, KindVolume) {
		t.Fatalf("opened %v: volume did not change", got)
	}
}

func TestTrackerColdBrandIsQuiet(t *testing.T) {
	// A brand never seeded: steady traffic from its first minute must not alert while it learns.
	tr := newTestTracker(t, nil)
	rng := rand.New(rand.NewPCG(12, 12))
	events := live(tr, 0, 600, func(i int, ts time.Time) []Point { return background(rng, "Newco", ts, 3+rng.IntN(5), 0.1) })
	if len(events) != 0 {
		t.Fatalf("cold brand alerted: %+v", events[0])
	}
}

func TestSeedValidation(t *testing.T) {
	tr := newTestTracker(t, nil)
	f := func(ms []Minute, want string) {
		t.Helper()
		err := tr.Seed("b", ms)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Seed error = %v, want it to contain %q", err, want)
		}
	}
	f([]Minute{{Start: t0, Count: 1, Negative: 2}}, "0 ≤ negative ≤ count")
	f([]Minute{{Start: t0, Count: 1}, {Start: t0, Count: 1}}, "oldest first")
	if err := tr.Seed("b", nil); err != nil {
		t.Fatal(err)
	}
}

func TestEventJSON(t *testing.T) {
	e := Event{ID: "Orange/volume/2026-11-22T10:04Z", Brand: "Orange", Kind: KindVolume, State: StateOpen,
		Start: t0, At: t0.Add(time.Minute), Observed: 120, Expected: 10, Statistic: 14.2, Score: 0.9,
		WindowSeconds: 60, Severity: "critical", NegativeShare: 0.25, Terms: []string{"panne"}, Sources: []string{"rss:x"}, SampleIDs: []string{"m1"}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"Orange/volume/2026-11-22T10:04Z","brand":"Orange","kind":"volume","state":"open","start":"2026-11-02T00:00:00Z","at":"2026-11-02T00:01:00Z","observed":120,"expected":10,"statistic":14.2,"score":0.9,"window_seconds":60,"severity":"critical","negative_share":0.25,"terms":["panne"],"sources":["rss:x"],"sample_ids":["m1"]}`
	if string(b) != want {
		t.Fatalf("JSON\n got %s\nwant %s", b, want)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil || back.ID != e.ID || !back.At.Equal(e.At) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

func TestNewTrackerRegistersOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	newTestTracker(t, reg)
	if _, err := NewTracker(DefaultConfig(), nil, reg); err == nil {
		t.Fatal("second tracker on the same registry: no error")
	}
	bad := DefaultConfig()
	bad.OpenRatio = 0.5
	if _, err := NewTracker(bad, nil, nil); err == nil || !strings.Contains(err.Error(), "open_ratio") {
		t.Fatalf("invalid config: error %v", err)
	}
}
