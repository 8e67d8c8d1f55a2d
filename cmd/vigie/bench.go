package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/analyze"
	"github.com/vigie-oss/vigie/analyze/spike"
	"github.com/vigie-oss/vigie/bus"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/examples/demo"
	"github.com/vigie-oss/vigie/ingest/match"
	"github.com/vigie-oss/vigie/mention"
)

func init() {
	register("bench", "measure the pipeline Kafka → analyzer → ClickHouse: mentions/s and produce-to-stored latency", runBench)
}

func runBench(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vigie bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000000, "mentions pushed through the pipeline for the throughput phase (long enough for a steady rate)")
	rate := fs.Int("rate", 5000, "mentions/s produced, paced, for the latency phase")
	latencyFor := fs.Duration("latency-for", 10*time.Second, "length of the latency phase")
	spikeTrials := fs.Int("spike-trials", 5, "brands whose burst measures the spike latency (0: skip that phase)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: vigie bench [-config examples/vigie.yaml] [flags]

Pushes synthetic mentions (the demo's French and English sample texts) through real Kafka, the analyzer and
real ClickHouse, twice: once as a baseline that only consumes and inserts (no analysis), once with the full
analysis (sentiment, terms, spike detection). For each it reports throughput (mentions/s with -n mentions
already queued) and produce-to-stored latency (p50, p99 at a paced -rate), then the ratio of the two runs.
Last, it measures the spike latency: for -spike-trials brands with two days of quiet history, from the first
mention of a burst arriving in Kafka to the volume spike opening on the spikes topic.
Uses fresh topics and the databases vigie_bench_baseline and vigie_bench_full (recreated).

Flags:`)
		fs.PrintDefaults()
	}
	cfg, code := parseConfig(fs, withDefaultConfig(args, "examples/vigie.yaml"), stderr)
	if cfg == nil {
		return code
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	msgs, err := benchMessages(cfg.Brands, *n)
	if err != nil {
		fmt.Fprintln(stderr, "vigie bench:", err)
		return 1
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "vigie bench:", err)
			return 1
		}
		defer stop()
	}
	cpu := cpuModel()
	fmt.Fprintf(stdout, "vigie bench: %d mentions, batch %d, flush %s, GOMAXPROCS %d, %s, %s\n",
		len(msgs), cfg.Analyze.BatchSize, cfg.Analyze.FlushInterval, runtime.GOMAXPROCS(0), cpu, time.Now().Format("2006-01-02"))
	results := map[bool]benchResult{}
	for _, passthrough := range []bool{true, false} {
		r, err := benchMode(ctx, *cfg, msgs, passthrough, *rate, *latencyFor, logger)
		if err != nil {
			fmt.Fprintln(stderr, "vigie bench:", err)
			return 1
		}
		results[passthrough] = r
		fmt.Fprintf(stdout, "%-9s %9.0f mentions/s   latency p50 %6.0f ms  p99 %6.0f ms  (%d latency samples)\n",
			r.name, r.throughput, ms(r.p50), ms(r.p99), r.samples)
	}
	base, full := results[true], results[false]
	fmt.Fprintf(stdout, "ratio full/baseline: throughput %.2f, p99 latency %.2f\n", full.throughput/base.throughput, float64(full.p99)/float64(base.p99))
	if *spikeTrials > 0 {
		lat, err := benchSpikeLatency(ctx, *cfg, *spikeTrials, logger)
		if err != nil {
			fmt.Fprintln(stderr, "vigie bench:", err)
			return 1
		}
		slices.Sort(lat)
		fmt.Fprintf(stdout, "spike latency (burst's first mention in Kafka → open event on the spikes topic), %d brands: median %.1f s, max %.1f s\n",
			len(lat), lat[len(lat)/2].Seconds(), lat[len(lat)-1].Seconds())
	}
	return 0
}

// benchSpikeLatency stores two days of quiet history (2 mentions a minute) for each of trials brands, starts
// a full analyzer, then, brand after brand, produces a burst (40 mentions/s) and measures from the burst's
// first mention arriving in Kafka to the brand's volume spike opening on the spikes topic.
func benchSpikeLatency(ctx context.Context, cfg config.Config, trials int, logger *slog.Logger) ([]time.Duration, error) {
	run := fmt.Sprintf("spike.%d", time.Now().UnixNano())
	cfg.ClickHouse.Database = "vigie_bench_spike"
	cfg.Kafka.MentionsTopic, cfg.Kafka.SpikesTopic, cfg.Kafka.DLQTopic = "vigie.bench."+run+".mentions", "vigie.bench."+run+".spikes", "vigie.bench."+run+".dlq"
	cfg.Kafka.Group = "vigie-bench-" + run
	defer deleteTopics(cfg.Kafka, logger)
	st, err := resetStore(ctx, cfg.ClickHouse, logger)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Minute)
	brands := make([]string, trials)
	var history []mention.Mention
	for b := range brands {
		brands[b] = fmt.Sprintf("BenchBrand%d", b)
		for t := now.Add(-48 * time.Hour); t.Before(now); t = t.Add(30 * time.Second) {
			history = append(history, benchMention(brands[b], fmt.Sprintf("history-%d", t.Unix()), "Un avis comme un autre sur la marque.", t))
		}
	}
	if err := st.InsertMentions(ctx, history); err != nil {
		return nil, err
	}
	if err := bus.EnsureTopics(ctx, cfg.Kafka, logger); err != nil {
		return nil, err
	}
	a, err := analyze.New(&cfg, st, analyze.Options{}, logger, prometheus.NewRegistry())
	if err != nil {
		return nil, err
	}
	actx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- a.Run(actx) }()
	events := kafka.NewReader(kafka.ReaderConfig{Brokers: cfg.Kafka.Brokers, GroupID: cfg.Kafka.Group + "-events", Topic: cfg.Kafka.SpikesTopic,
		StartOffset: kafka.FirstOffset, MaxWait: 50 * time.Millisecond})
	defer events.Close()
	opened := make(chan spike.Event, 16)
	go func() {
		for {
			m, err := events.ReadMessage(actx)
			if err != nil {
				return
			}
			var e spike.Event
			if json.Unmarshal(m.Value, &e) == nil && e.Kind == spike.KindVolume && e.State == spike.StateOpen {
				opened <- e
			}
		}
	}()
	w := bus.NewWriter(cfg.Kafka, cfg.Kafka.MentionsTopic)
	defer w.Close()
	var out []time.Duration
	for _, brand := range brands {
		var first time.Time
		tick := time.NewTicker(100 * time.Millisecond)
	burst:
		for i := 0; ; i++ {
			select {
			case e := <-opened:
				if e.Brand == brand {
					out = append(out, time.Since(first))
					break burst
				}
			case err := <-errc:
				return nil, fmt.Errorf("analyzer stopped: %w", err)
			case <-tick.C:
				if i > 600 {
					return nil, fmt.Errorf("no spike opened for %s after a minute of burst", brand)
				}
				msgs := make([]kafka.Message, 4)
				for k := range msgs {
					b, err := mention.Encode(benchMention(brand, fmt.Sprintf("burst-%d-%d", i, k), "Panne géante, service client injoignable, c'est honteux #panne", time.Now().UTC()))
					if err != nil {
						return nil, err
					}
					msgs[k] = kafka.Message{Key: []byte(brand), Value: b}
				}
				if first.IsZero() {
					first = time.Now()
				}
				if err := w.WriteMessages(ctx, msgs...); err != nil {
					return nil, fmt.Errorf("produce: %w", err)
				}
			}
		}
		tick.Stop()
	}
	return out, nil
}

func benchMention(brand, key, text string, at time.Time) mention.Mention {
	return mention.Mention{ID: mention.NewID(brand, key), Brand: brand, Source: "rss", SourceName: "bench", URL: "https://example.org/" + key,
		Text: brand + " : " + text, Lang: "fr", Published: at, Fetched: at}
}

// startCPUProfile profiles the process into path until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type benchResult struct {
	name       string
	throughput float64
	p50, p99   time.Duration
	samples    int
}

// benchMessages builds n encoded mentions from the demo's sample texts, matched to the configured brands.
func benchMessages(brands []config.Brand, n int) ([]kafka.Message, error) {
	m, err := match.New(brands)
	if err != nil {
		return nil, err
	}
	script := demo.DefaultScript(time.Now(), time.Hour)
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Duration(n/len(demo.Feeds)+1) * script.Every
	var out []kafka.Message
	for _, f := range demo.Feeds {
		for _, it := range script.Items(f.Name, end.Add(-span), end) {
			for _, hit := range m.Match(it.Title + " " + it.Text) {
				now := time.Now().UTC()
				b, err := mention.Encode(mention.Mention{ID: mention.NewID(hit.Brand, it.GUID), Brand: hit.Brand, Source: "rss",
					SourceName: f.Title, URL: "https://example.org/" + it.GUID, Title: it.Title, Text: it.Text, Lang: f.Lang,
					Published: now, Fetched: now, Matched: hit.Terms})
				if err != nil {
					return nil, err
				}
				out = append(out, kafka.Message{Key: []byte(hit.Brand), Value: b})
			}
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("only %d sample mentions for %d wanted; configure brands that the sample texts mention", len(out), n)
	}
	return out[:n], nil
}

// benchMode runs the throughput phase, then the latency phase, for one analyzer mode.
func benchMode(ctx context.Context, cfg config.Config, msgs []kafka.Message, passthrough bool, rate int, latencyFor time.Duration, logger *slog.Logger) (benchResult, error) {
	res := benchResult{name: "full"}
	if passthrough {
		res.name = "baseline"
	}
	cfg.ClickHouse.Database = "vigie_bench_" + res.name
	st, err := resetStore(ctx, cfg.ClickHouse, logger)
	if err != nil {
		return res, err
	}
	defer st.Close()

	// Throughput: every message is queued before the analyzer starts.
	run := fmt.Sprintf("%s.%d", res.name, time.Now().UnixNano())
	cfg.Kafka.MentionsTopic, cfg.Kafka.SpikesTopic, cfg.Kafka.DLQTopic = "vigie.bench."+run+".mentions", "vigie.bench."+run+".spikes", "vigie.bench."+run+".dlq"
	cfg.Kafka.Group = "vigie-bench-" + run
	defer deleteTopics(cfg.Kafka, logger)
	if err := bus.EnsureTopics(ctx, cfg.Kafka, logger); err != nil {
		return res, err
	}
	w := bus.NewWriter(cfg.Kafka, cfg.Kafka.MentionsTopic)
	defer w.Close()
	for lo := 0; lo < len(msgs); lo += 5000 {
		if err := w.WriteMessages(ctx, msgs[lo:min(lo+5000, len(msgs))]...); err != nil {
			return res, fmt.Errorf("produce: %w", err)
		}
	}
	var (
		mu          sync.Mutex
		stored      int
		first, last time.Time
		firstBatch  int
		latencies   []time.Duration
		done        = make(chan struct{})
		target      = len(msgs)
		measureLat  bool
	)
	onStored := func(batch []kafka.Message, at time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if first.IsZero() {
			first, firstBatch = at, len(batch)
		}
		last = at
		stored += len(batch)
		if measureLat {
			for _, m := range batch {
				latencies = append(latencies, at.Sub(m.Time))
			}
		}
		if stored >= target && done != nil {
			close(done)
			done = nil
		}
	}
	actx, stop := context.WithCancel(ctx)
	defer stop()
	a, err := analyze.New(&cfg, st, analyze.Options{Passthrough: passthrough, OnStored: onStored}, logger, prometheus.NewRegistry())
	if err != nil {
		return res, err
	}
	errc := make(chan error, 1)
	go func() { errc <- a.Run(actx) }()
	mu.Lock()
	wait := done
	mu.Unlock()
	select {
	case <-wait:
	case err := <-errc:
		return res, fmt.Errorf("analyzer stopped: %w", err)
	case <-ctx.Done():
		return res, ctx.Err()
	}
	mu.Lock()
	res.throughput = float64(stored-firstBatch) / last.Sub(first).Seconds()
	// Latency: paced production while the analyzer is already consuming.
	measureLat, done = true, make(chan struct{})
	total := int(float64(rate) * latencyFor.Seconds())
	target = stored + total
	wait = done
	mu.Unlock()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	per := max(1, rate/100)
	for sent := 0; sent < total; {
		<-tick.C
		k := min(per, total-sent)
		batch := make([]kafka.Message, k)
		for i := range batch {
			batch[i] = kafka.Message{Key: msgs[(sent+i)%len(msgs)].Key, Value: msgs[(sent+i)%len(msgs)].Value}
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			return res, fmt.Errorf("produce: %w", err)
		}
		sent += k
	}
	select {
	case <-wait:
	case err := <-errc:
		return res, fmt.Errorf("analyzer stopped: %w", err)
	case <-time.After(time.Minute):
		return res, errors.New("latency phase: not every mention was stored within a minute")
	}
	stop()
	<-errc
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(latencies)
	res.samples = len(latencies)
	res.p50, res.p99 = latencies[len(latencies)/2], latencies[len(latencies)*99/100]
	return res, nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
