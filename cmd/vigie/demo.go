package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/analyze"
	"github.com/vigie-oss/vigie/analyze/sentiment"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/examples/demo"
	"github.com/vigie-oss/vigie/ingest/match"
	"github.com/vigie-oss/vigie/mention"
	"github.com/vigie-oss/vigie/store"
)

func init() {
	register("demo", "watch sample French and English feeds flow through the local stack until a crisis is caught", runDemo)
}

func runDemo(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vigie demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	burstAfter := fs.Duration("burst-after", 90*time.Second, "when the crisis starts, after the feeds start")
	history := fs.Duration("history", 72*time.Hour, "how much past the sample feeds are given in ClickHouse, as the detector's baseline")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up (exit 1) when no spike was reported by then")
	feedAddr := fs.String("feed-addr", "127.0.0.1:0", "address of the local feed server")
	verbose := fs.Bool("v", false, "show the pipeline's own logs (they go to stderr either way when -v; otherwise only warnings)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: vigie demo [-config examples/vigie.yaml] [flags]

Runs Vigie on the local stack (start it first: deploy/local/start.sh, or use 'make demo') against a local
server that replays sample French and English feeds — news sites, a consumer forum, a social site — about the
brands of the configuration. After -burst-after, a crisis breaks out: a burst of angry mentions of Orange.
The demo shows mentions arriving in ClickHouse with their sentiment, and exits 0 once the spike is reported.
It uses its own database (vigie_demo, recreated each run) and its own Kafka topics.

Flags:`)
		fs.PrintDefaults()
	}
	args = withDefaultConfig(args, "examples/vigie.yaml")
	cfg, code := parseConfig(fs, args, stderr)
	if cfg == nil {
		return code
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := demoRun(ctx, cfg, demoOptions{*burstAfter, *history, *timeout, *feedAddr}, stdout, logger); err != nil {
		fmt.Fprintln(stderr, "vigie demo:", err)
		return 1
	}
	return 0
}

// withDefaultConfig adds -config def to args when they name none and def exists.
func withDefaultConfig(args []string, def string) []string {
	for _, a := range args {
		if a == "-config" || a == "--config" || strings.HasPrefix(a, "-config=") || strings.HasPrefix(a, "--config=") {
			return args
		}
	}
	if _, err := os.Stat(def); err != nil {
		return args
	}
	return append([]string{"-config", def}, args...)
}

type demoOptions struct {
	burstAfter, history, timeout time.Duration
	feedAddr                     string
}

func demoRun(ctx context.Context, cfg *config.Config, o demoOptions, out io.Writer, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	start := time.Now().UTC()
	script := demo.DefaultScript(start, o.burstAfter)

	ln, err := net.Listen("tcp", o.feedAddr)
	if err != nil {
		return fmt.Errorf("feed server: %w", err)
	}
	srv := &http.Server{Handler: script.Handler(time.Now), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	stateDir, err := os.MkdirTemp("", "vigie-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stateDir)
	run := fmt.Sprintf("%d", start.Unix())
	cfg.Sources.Feeds, cfg.Sources.OPML = nil, nil
	for _, f := range demo.Feeds {
		cfg.Sources.Feeds = append(cfg.Sources.Feeds, config.Feed{URL: base + "/" + f.Name, Name: f.Title, Interval: 5 * time.Second})
	}
	cfg.Ingest.StateFile = filepath.Join(stateDir, "ingest-state.json")
	cfg.Ingest.AllowPrivateAddresses = true // the demo's feed server is on loopback
	cfg.ClickHouse.Database = "vigie_demo"
	cfg.Kafka.MentionsTopic = "vigie.demo." + run + ".mentions"
	cfg.Kafka.SpikesTopic = "vigie.demo." + run + ".spikes"
	cfg.Kafka.DLQTopic = "vigie.demo." + run + ".dlq"
	cfg.Kafka.Group = "vigie-demo-" + run
	cfg.Server.Listen = "127.0.0.1:0"
	defer deleteTopics(cfg.Kafka, logger)

	fmt.Fprintf(out, "Vigie demo — %d brands, %d sample feeds served on %s, crisis at %s\n",
		len(cfg.Brands), len(demo.Feeds), base, script.BurstAt.Local().Format("15:04:05"))
	st, err := resetStore(ctx, cfg.ClickHouse, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := backfill(ctx, st, cfg.Brands, script, base, start.Add(-o.history), start)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	fmt.Fprintf(out, "History: %d mentions over the last %s stored in ClickHouse (the spike detector's baseline)\n", n, o.history)

	errc := make(chan error, 1)
	rctx, stopPipeline := context.WithCancel(ctx)
	defer stopPipeline()
	go func() {
		errc <- runComponents(rctx, cfg, roles{ingest: true, analyze: true}, logger, newRegistry(), analyze.Options{})
	}()
	fmt.Fprintln(out, "Pipeline started: feeds → ingest → Kafka → analyzer → ClickHouse. Live mentions (since start):")
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	seen := map[string]bool{}
	var caught time.Time
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("pipeline stopped: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("no spike reported within %s: %w", o.timeout, ctx.Err())
		case <-tick.C:
		}
		if err := printLive(ctx, out, st, start); err != nil {
			fmt.Fprintln(out, "  (ClickHouse query failed:", err, ")")
			continue
		}
		spikes, err := st.Spikes(ctx, start)
		if err != nil {
			fmt.Fprintln(out, "  (ClickHouse query failed:", err, ")")
			continue
		}
		for _, s := range spikes {
			key := s.ID + "/" + s.State
			if seen[key] {
				continue
			}
			seen[key] = true
			fmt.Fprintf(out, "\n  >>> SPIKE %s: %s (%s, %s) — %.0f mentions/min vs %.1f expected, %.0f%% negative; terms: %s; since %s\n\n",
				strings.ToUpper(s.State), s.Brand, s.Kind, s.Severity, s.Observed, s.Expected, 100*s.NegativeShare,
				strings.Join(first(s.Terms, 5), ", "), s.Start.Local().Format("15:04:05"))
			if s.State == "open" && caught.IsZero() {
				caught = time.Now()
				fmt.Fprintf(out, "  Crisis caught %s after it began.\n\n", caught.Sub(script.BurstAt).Round(time.Second))
			}
		}
		if !caught.IsZero() && time.Since(caught) > 20*time.Second {
			stopPipeline()
			<-errc
			fmt.Fprintln(out, "Done. Explore the rows: clickhouse-client -d vigie_demo -q 'SELECT brand, label, count() FROM mentions FINAL GROUP BY brand, label'")
			return nil
		}
	}
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// backfill stores what the sample feeds published in (from, to], scored like live mentions.
func backfill(ctx context.Context, st *store.Store, brands []config.Brand, script demo.Script, base string, from, to time.Time) (int, error) {
	m, err := match.New(brands)
	if err != nil {
		return 0, err
	}
	scorer := sentiment.New()
	var batch []mention.Mention
	n := 0
	for _, f := range demo.Feeds {
		for _, it := range script.Items(f.Name, from, to) {
			for _, hit := range m.Match(it.Title + " " + it.Text) {
				link := demo.Link(base, it)
				r := scorer.Score(it.Title+". "+it.Text, f.Lang, hit.Brand)
				batch = append(batch, mention.Mention{ID: mention.NewID(hit.Brand, it.Key()), Brand: hit.Brand, Source: "rss",
					SourceName: f.Title, URL: link, Title: it.Title, Text: it.Text, Lang: f.Lang, Published: it.Published,
					Fetched: it.Published, Matched: hit.Terms, Sentiment: r.Score, Label: r.Label.String(), Confidence: r.Confidence, Abusive: r.Abusive})
			}
		}
	}
	for len(batch) > 0 {
		k := min(len(batch), 20000)
		if err := st.InsertMentions(ctx, batch[:k]); err != nil {
			return n, err
		}
		n += k
		batch = batch[k:]
	}
	return n, nil
}

// printLive prints live mentions per brand and sentiment.
func printLive(ctx context.Context, out io.Writer, st *store.Store, since time.Time) error {
	rows, err := st.Conn().Query(ctx, "SELECT brand, label, count() FROM mentions FINAL WHERE fetched >= ? GROUP BY brand, label", since.Add(-time.Second))
	if err != nil {
		return err
	}
	defer rows.Close()
	per := map[string]map[string]uint64{}
	total := uint64(0)
	for rows.Next() {
		var brand, label string
		var n uint64
		if err := rows.Scan(&brand, &label, &n); err != nil {
			return err
		}
		if per[brand] == nil {
			per[brand] = map[string]uint64{}
		}
		per[brand][label] += n
		total += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	names := make([]string, 0, len(per))
	for b := range per {
		names = append(names, b)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, b := range names {
		c := per[b]
		parts = append(parts, fmt.Sprintf("%s %d (−%d ~%d +%d)", b, c["negative"]+c["neutral"]+c["positive"], c["negative"], c["neutral"], c["positive"]))
	}
	fmt.Fprintf(out, "  %s  %d stored: %s\n", time.Now().Format("15:04:05"), total, strings.Join(parts, "  "))
	return nil
}

// deleteTopics deletes cfg's topics (the empty names skipped), for the commands that make their own.
func deleteTopics(cfg config.Kafka, logger *slog.Logger) {
	var topics []string
	for _, t := range []string{cfg.MentionsTopic, cfg.SpikesTopic, cfg.DLQTopic} {
		if t != "" {
			topics = append(topics, t)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...)}
	if _, err := client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics}); err != nil {
		logger.Warn("could not delete the topics", "topics", topics, "err", err)
	}
}
