package spike

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkDetectorStep is the per-minute cost of the volume detector of one brand (score + learn).
func BenchmarkDetectorStep(b *testing.B) {
	d, err := NewDetector(DefaultConfig(), time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = poissonDraw(rng, 10)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Step(t0.Add(time.Duration(i)*time.Minute), xs[i%len(xs)])
		i++
	}
}

// BenchmarkTrackerObserve is the per-mention cost of filing a mention (five terms) into its minute.
func BenchmarkTrackerObserve(b *testing.B) {
	tr, err := NewTracker(DefaultConfig(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	pts := make([]Point, 1024)
	for i := range pts {
		pts[i] = Point{Brand: fmt.Sprintf("brand%d", i%20), Negative: i%7 == 0, Source: "rss:example.org", ID: fmt.Sprint(i),
			Terms: []string{"orange", "panne", fmt.Sprintf("t%d", i%300), "reseau", "panne reseau"}}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pts[i%len(pts)]
		p.Time = t0.Add(time.Duration(i) * time.Millisecond)
		tr.Observe(p)
		i++
	}
}

// BenchmarkTrackerAdvance is the cost of one Advance per second for 100 brands at 10 mentions a minute:
// the reported time is per simulated minute (six 10-second ticks plus the minute close).
func BenchmarkTrackerAdvance(b *testing.B) {
	tr, err := NewTracker(DefaultConfig(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	minute := func(m int) {
		ts := t0.Add(time.Duration(m) * time.Minute)
		for brand := 0; brand < 100; brand++ {
			name := fmt.Sprintf("brand%d", brand)
			for j := 0; j < 10; j++ {
				tr.Observe(Point{Brand: name, Time: ts.Add(time.Duration(j) * 6 * time.Second), Negative: rng.IntN(10) == 0,
					Terms: []string{"orange", fmt.Sprintf("t%d", rng.IntN(200)), "panne"}, Source: "rss:x", ID: "id"})
			}
		}
		for s := 1; s <= 6; s++ {
			tr.Advance(ts.Add(time.Duration(s) * 10 * time.Second))
		}
	}
	for m := range 180 { // three hours of history first: windows full, terms warm
		minute(m)
	}
	b.ReportAllocs()
	m := 180
	for b.Loop() {
		minute(m)
		m++
	}
}

// BenchmarkBacktest is `vigie spikes backtest` on six months of 5-minute rows (52,416), parsing and
// writing included: one op is the whole series.
func BenchmarkBacktest(b *testing.B) {
	var in bytes.Buffer
	in.WriteString("timestamp,value\n")
	rng := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 182*288; i++ {
		ts := t0.Add(time.Duration(i) * 5 * time.Minute)
		fmt.Fprintf(&in, "%s,%.0f\n", ts.Format(BacktestLayout), poissonDraw(rng, 40*diurnal(ts)))
	}
	b.SetBytes(int64(in.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := Backtest(bytes.NewReader(in.Bytes()), io.Discard, DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
}
