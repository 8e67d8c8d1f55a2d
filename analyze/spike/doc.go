// Package spike detects reputation crises per brand, streaming, on per-minute buckets of mentions:
// volume spikes against a seasonal baseline, sentiment turns (the negative share jumping), and emerging
// terms (the "why").
//
// The analyzer drives a Tracker:
//
//	t, err := spike.NewTracker(spike.DefaultConfig(), logger, registerer)
//	// on start or partition assignment, per brand, from ClickHouse per-minute rollups (oldest first):
//	err = t.Seed(brand, []spike.Minute{{Start: m, Count: n, Negative: neg}, ...})
//	// for every analysed mention, in arrival order (late and out-of-order mentions are fine):
//	t.Observe(spike.Point{Brand: brand, Time: published, Negative: neg, Terms: terms.Extract(text, lang),
//		Source: "rss:lemonde.fr", ID: id})
//	// every second or so, with the wall clock; publish the events (JSON, key Brand) to vigie.spikes:
//	for _, e := range t.Advance(time.Now()) { ... }
//
// All Tracker methods are safe for concurrent use (one mutex). The volume core, Detector, is also what
// `vigie spikes backtest` runs on a CSV series, and what `vigie spikes eval` measures (package spikeeval).
//
// How the volume detector decides: the expected count of a minute is level × hour-of-day profile ×
// day-of-week factor (multiplicative Holt-Winters), learned from counts winsorised at ±ClipZ standard
// deviations and barely at all while an alert is open, so spikes and outliers do not drag it. Observed and
// expected counts are compared on windows of 1 to 30 minutes with an Anscombe (variance-stabilised Poisson)
// z-score inflated for over-dispersion; an alert opens when one window passes three gates at once (z ≥ OpenZ,
// observed/expected ≥ OpenRatio, observed ≥ MinCount) and resolves after Hold of calm on the short windows.
package spike
