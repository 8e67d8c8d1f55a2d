package main

import (
	"context"
	"encoding/json"
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
	n := fs.Int("n", 500000, "mentions pushed through the pipeline for the throughput phase (long enough for a steady rate)")
	rate := fs.Int("rate", 5000, "mentions/s produced, paced, for the latency phase")
	latencyFor := fs.Duration("latency-for", 10*time.Second, "length of the latency phase")
	spikeTrials := fs.Int("spike-trials", 5, "brands whose burst measures the spike latency (0: skip that phase)")
	rounds := fs.Int("rounds", 3, "throughput rounds, each measuring the baseline and the full analyzer (the median is reported)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: vigie bench [-config examples/vigie.yaml] [flags]

Pushes synthetic mentions (the demo's French and English sample texts) through real Kafka, the analyzer and
real ClickHouse in two modes: a baseline that only consumes and inserts (no analysis), and the full analysis
(sentiment, terms, spike detection). The -n mentions are queued once; each of -rounds rounds consumes them
from the start in both modes (alternating which goes first) and prints mentions/s and their ratio; the
medians follow, as the machine's load drifts between runs. Then produce-to-stored latency (p50, p99) at a
paced -rate for each mode.
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
	// Throughput: the mentions are queued once; each round consumes them from the first offset with the
	// baseline and the full analyzer, in alternating order so that drift in the machine's load hits both.
	qcfg := *cfg
	benchTopics(&qcfg, fmt.Sprintf("queue.%d", time.Now().UnixNano()))
	defer deleteTopics(qcfg.Kafka, logger)
	if err := benchQueue(ctx, qcfg.Kafka, msgs, logger); err != nil {
		fmt.Fprintln(stderr, "vigie bench:", err)
		return 1
	}
	queue := qcfg.Kafka.MentionsTopic
	var base, full, ratios []float64
	for r := 0; r < *rounds; r++ {
		var tp [2]float64 // baseline, full
		for k := range 2 {
			passthrough := (k+r)%2 == 0
			v, err := benchThroughput(ctx, *cfg, queue, len(msgs), passthrough, logger)
			if err != nil {
				fmt.Fprintln(stderr, "vigie bench:", err)
				return 1
			}
			tp[b2i(!passthrough)] = v
		}
		base, full, ratios = append(base, tp[0]), append(full, tp[1]), append(ratios, tp[1]/tp[0])
		fmt.Fprintf(stdout, "round %d/%d: baseline %9.0f mentions/s   full %9.0f mentions/s   ratio %.2f\n", r+1, *rounds, tp[0], tp[1], tp[1]/tp[0])
	}
	fmt.Fprintf(stdout, "throughput (median of %d rounds): baseline %.0f mentions/s, full %.0f mentions/s, ratio full/baseline %.2f\n",
		*rounds, median(base), median(full), median(ratios))
	var p99 [2]time.Duration
	for k, passthrough := range []bool{true, false} {
		lat, err := benchLatency(ctx, *cfg, msgs, passthrough, *rate, *latencyFor, logger)
		if err != nil {
			fmt.Fprintln(stderr, "vigie bench:", err)
			return 1
		}
		p99[k] = lat[len(lat)*99/100]
		fmt.Fprintf(stdout, "latency %-8s at %d mentions/s: p50 %6.0f ms  p99 %6.0f ms  (%d samples)\n",
			modeName(passthrough), *rate, ms(lat[len(lat)/2]), ms(p99[k]), len(lat))
	}
	fmt.Fprintf(stdout, "ratio full/baseline p99 latency: %.2f\n", float64(p99[1])/float64(p99[0]))
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
	benchTopics(&cfg, run)
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

// benchQueue produces msgs to kcfg's mentions topic, the queue every throughput run consumes from its start.
func benchQueue(ctx context.Context, kcfg config.Kafka, msgs []kafka.Message, logger *slog.Logger) error {
	topic := kcfg.MentionsTopic
	if err := bus.EnsureTopics(ctx, kcfg, logger); err != nil {
		return err
	}
	w := bus.NewWriter(kcfg, topic)
	defer w.Close()
	for lo := 0; lo < len(msgs); lo += 5000 {
		if err := w.WriteMessages(ctx, msgs[lo:min(lo+5000, len(msgs))]...); err != nil {
			return fmt.Errorf("produce: %w", err)
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

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

// benchTopics points cfg at fresh topics and a fresh consumer group named after run.
func benchTopics(cfg *config.Config, run string) {
	cfg.Kafka.MentionsTopic, cfg.Kafka.SpikesTopic, cfg.Kafka.DLQTopic = "vigie.bench."+run+".mentions", "vigie.bench."+run+".spikes", "vigie.bench."+run+".dlq"
	cfg.Kafka.Group = "vigie-bench-" + run
}

func modeName(passthrough bool) string {
	if passthrough {
		return "baseline"
	}
	return "full"
}

// benchAnalyzer is one analyzer run of the benchmark, on a recreated database, counting what it stores.
type benchAnalyzer struct {
	mu          sync.Mutex
	stored      int
	first, last time.Time
	firstBatch  int
	latencies   []time.Duration
	measureLat  bool
	target      int
	done        chan struct{}

	stop func()
	errc chan error
}

// startBenchAnalyzer recreates the mode's database and starts an analyzer on cfg's topics; it reports on
// done once target mentions are stored.
func startBenchAnalyzer(ctx context.Context, cfg config.Config, passthrough bool, target int, logger *slog.Logger) (*benchAnalyzer, error) {
	cfg.ClickHouse.Database = "vigie_bench_" + modeName(passthrough)
	st, err := resetStore(ctx, cfg.ClickHouse, logger)
	if err != nil {
		return nil, err
	}
	b := &benchAnalyzer{target: target, done: make(chan struct{}), errc: make(chan error, 1)}
	a, err := analyze.New(&cfg, st, analyze.Options{Passthrough: passthrough, OnStored: b.onStored}, logger, prometheus.NewRegistry())
	if err != nil {
		st.Close()
		return nil, err
	}
	actx, stop := context.WithCancel(ctx)
	go func() { b.errc <- a.Run(actx); st.Close() }()
	b.stop = func() { stop(); <-b.errc }
	return b, nil
}

func (b *benchAnalyzer) onStored(batch []kafka.Message, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.first.IsZero() {
		b.first, b.firstBatch = at, len(batch)
	}
	b.last = at
	b.stored += len(batch)
	if b.measureLat {
		for _, m := range batch {
			b.latencies = append(b.latencies, at.Sub(m.Time))
		}
	}
	if b.stored >= b.target && b.done != nil {
		close(b.done)
		b.done = nil
	}
}

// wait returns once the target is stored, the analyzer failed, or within is over.
func (b *benchAnalyzer) wait(ctx context.Context, within time.Duration) error {
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case err := <-b.errc:
		return fmt.Errorf("analyzer stopped: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(within):
		return fmt.Errorf("only %d of %d mentions stored within %s", b.stored, b.target, within)
	}
}

// benchThroughput consumes the n mentions queued on queue from its first offset, with a fresh consumer group
// and database, and returns mentions/s from the first stored batch to the last.
func benchThroughput(ctx context.Context, cfg config.Config, queue string, n int, passthrough bool, logger *slog.Logger) (float64, error) {
	benchTopics(&cfg, fmt.Sprintf("%s.%d", modeName(passthrough), time.Now().UnixNano()))
	cfg.Kafka.MentionsTopic = queue
	defer deleteTopics(config.Kafka{Brokers: cfg.Kafka.Brokers, SpikesTopic: cfg.Kafka.SpikesTopic, DLQTopic: cfg.Kafka.DLQTopic}, logger) // not the shared queue
	if err := bus.EnsureTopics(ctx, cfg.Kafka, logger); err != nil {
		return 0, err
	}
	b, err := startBenchAnalyzer(ctx, cfg, passthrough, n, logger)
	if err != nil {
		return 0, err
	}
	defer b.stop()
	if err := b.wait(ctx, 10*time.Minute); err != nil {
		return 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return float64(b.stored-b.firstBatch) / b.last.Sub(b.first).Seconds(), nil
}

// benchLatency produces msgs at a paced rate for latencyFor to a fresh topic an analyzer already consumes,
// and returns the produce-to-stored latencies, sorted.
func benchLatency(ctx context.Context, cfg config.Config, msgs []kafka.Message, passthrough bool, rate int, latencyFor time.Duration, logger *slog.Logger) ([]time.Duration, error) {
	benchTopics(&cfg, fmt.Sprintf("latency.%s.%d", modeName(passthrough), time.Now().UnixNano()))
	defer deleteTopics(cfg.Kafka, logger)
	if err := bus.EnsureTopics(ctx, cfg.Kafka, logger); err != nil {
		return nil, err
	}
	total := int(float64(rate) * latencyFor.Seconds())
	b, err := startBenchAnalyzer(ctx, cfg, passthrough, total, logger)
	if err != nil {
		return nil, err
	}
	defer b.stop()
	b.mu.Lock()
	b.measureLat = true
	b.mu.Unlock()
	w := bus.NewWriter(cfg.Kafka, cfg.Kafka.MentionsTopic)
	defer w.Close()
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
			return nil, fmt.Errorf("produce: %w", err)
		}
		sent += k
	}
	if err := b.wait(ctx, time.Minute); err != nil {
		return nil, fmt.Errorf("latency phase: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	slices.Sort(b.latencies)
	return b.latencies, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
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
