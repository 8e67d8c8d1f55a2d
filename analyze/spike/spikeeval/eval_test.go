package spikeeval

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigie-oss/vigie/analyze/spike"
)

func TestPoissonMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mean := range []float64{0.3, 4, 25, 400} {
		var sum, sumSq float64
		const n = 200000
		for range n {
			x := float64(poisson(rng, mean))
			sum += x
			sumSq += x * x
		}
		m, v := sum/n, sumSq/n-sq(sum/n)
		if math.Abs(m/mean-1) > 0.02 || math.Abs(v/mean-1) > 0.05 {
			t.Errorf("poisson(%v): mean %.3f variance %.3f", mean, m, v)
		}
	}
}

func TestGenerateInjections(t *testing.T) {
	s := Generate(rand.New(rand.NewPCG(3, 1)), 3, 1, true)
	var spikes int
	for _, in := range s.Injections {
		if in.Spike() {
			spikes++
			if in.Start < minutesPerWeek || in.Onset3x < in.Start || in.End <= in.Onset3x {
				t.Errorf("injection %+v outside the scored weeks or out of order", in)
			}
		}
	}
	if spikes != 10 {
		t.Errorf("%d spikes in 2 scored weeks, want 10", spikes)
	}
	if clean := Generate(rand.New(rand.NewPCG(3, 1)), 3, 1, false); len(clean.Injections) != 0 {
		t.Errorf("spike-free run has injections: %+v", clean.Injections)
	}
}

func TestRunSeparatesDetectors(t *testing.T) {
	rep, err := Run(context.Background(), Options{Brands: 2, Weeks: 1, Warmup: 2, Seed: 5, Within: DefaultOptions().Within}, spike.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	v, b := rep.Detector[0], rep.Detector[1]
	if r, n := v.Recall(true, Burst, Slow); n != 6 || r < 0.8 {
		t.Errorf("vigie recall %v over %d spikes", r, n)
	}
	if b.CleanAlarms <= v.CleanAlarms {
		t.Errorf("baseline %d false alarms on clean background, vigie %d: the baseline should be the noisier", b.CleanAlarms, v.CleanAlarms)
	}
	var out bytes.Buffer
	rep.WriteTable(&out)
	if !strings.Contains(out.String(), "| metric | vigie | mean+3σ (2 weeks) |") {
		t.Errorf("table:\n%s", out.String())
	}
	if _, err := Run(context.Background(), Options{Brands: 0, Weeks: 1}, spike.DefaultConfig()); err == nil {
		t.Error("0 brands: no error")
	}
}
