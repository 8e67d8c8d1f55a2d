package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-oss/vigie/analyze"
	"github.com/vigie-oss/vigie/bus"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/internal/itest"
	"github.com/vigie-oss/vigie/store"
)

func testStore(t *testing.T, cfg *config.Config) *store.Store {
	t.Helper()
	st, err := resetStore(context.Background(), cfg.ClickHouse, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.ClickHouse.Database)
		st.Close()
	})
	return st
}

const testFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Le Fil Conso</title><link>http://example.fr/</link>
<item><title>Panne géante chez Orange</title><link>http://example.fr/panne-orange?utm_source=rss</link><guid>http://example.fr/panne-orange</guid>
<dc:creator>Jeanne Martin</dc:creator><pubDate>Sat, 21 Nov 2026 09:30:00 +0100</pubDate>
<description>&lt;p&gt;Plus d'internet &lt;b&gt;depuis ce matin&lt;/b&gt;, le service client est injoignable. C'est honteux.&lt;/p&gt;</description></item>
<item><title>Free et Orange se disputent la fibre rurale</title><link>http://example.fr/fibre</link><guid>http://example.fr/fibre</guid>
<pubDate>Sat, 21 Nov 2026 10:00:00 +0100</pubDate><description>Les deux opérateurs accélèrent le déploiement dans les villages.</description></item>
<item><title>Recette du jus d'orange pressé</title><link>http://example.fr/jus</link><guid>http://example.fr/jus</guid>
<pubDate>Sat, 21 Nov 2026 11:00:00 +0100</pubDate><description>Un jus d'orange frais chaque matin.</description></item>
</channel></rss>`

// TestRunIntegrationFeedToClickHouse: a feed served over HTTP ends as correct, scored rows in ClickHouse,
// through ingest, real Kafka and the analyzer, all wired by runComponents as `vigie run` does.
func TestRunIntegrationFeedToClickHouse(t *testing.T) {
	cfg := itest.Config(t)
	st := testStore(t, cfg)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, testFeed)
	}))
	defer srv.Close()
	cfg.Brands = []config.Brand{
		{Name: "Orange", Exclude: []string{"jus d'orange"}},
		{Name: "Free", Aliases: []string{"Free Mobile"}, Exclude: []string{"for free"}},
	}
	cfg.Sources.Feeds = []config.Feed{{URL: srv.URL + "/feed.xml", Interval: time.Second}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- runComponents(ctx, cfg, roles{ingest: true, analyze: true}, slog.New(slog.NewTextHandler(io.Discard, nil)), newRegistry(), analyze.Options{})
	}()
	itest.Eventually(t, 90*time.Second, func() bool { n, _ := st.CountMentions(ctx, ""); return n == 3 }, "the feed's 3 mentions were not stored")
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	rows, err := st.Conn().Query(context.Background(), `SELECT brand, title, text, url, author, lang, label, source, toString(published, 'UTC')
		FROM mentions FINAL ORDER BY published, brand`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var brand, title, text, url, author, lang, label, source, published string
		if err := rows.Scan(&brand, &title, &text, &url, &author, &lang, &label, &source, &published); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{brand, title, text, url, author, lang, label, source, published}, " | "))
	}
	want := []string{
		"Orange | Panne géante chez Orange | Plus d'internet depuis ce matin, le service client est injoignable. C'est honteux. | http://example.fr/panne-orange | Jeanne Martin | fr | negative | rss | 2026-11-21 08:30:00",
		"Free | Free et Orange se disputent la fibre rurale | Les deux opérateurs accélèrent le déploiement dans les villages. | http://example.fr/fibre |  | fr | neutral | rss | 2026-11-21 09:00:00",
		"Orange | Free et Orange se disputent la fibre rurale | Les deux opérateurs accélèrent le déploiement dans les villages. | http://example.fr/fibre |  | fr | neutral | rss | 2026-11-21 09:00:00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAnalyzeIntegrationKilledMidStream kills `vigie analyze` with SIGKILL while it stores a stream, starts it
// again, and checks that every mention is stored exactly once.
func TestAnalyzeIntegrationKilledMidStream(t *testing.T) {
	cfg := itest.Config(t)
	st := testStore(t, cfg)
	bin := filepath.Join(t.TempDir(), "vigie")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfgFile := filepath.Join(t.TempDir(), "vigie.yaml")
	yaml := fmt.Sprintf(`kafka:
  brokers: [%q]
  mentions_topic: %s
  spikes_topic: %s
  dlq_topic: %s
  group: %s
  partitions: 3
clickhouse:
  addr: %q
  database: %s
analyze:
  batch_size: 1000
  flush_interval: 200ms
server:
  listen: ""
`, cfg.Kafka.Brokers[0], cfg.Kafka.MentionsTopic, cfg.Kafka.SpikesTopic, cfg.Kafka.DLQTopic, cfg.Kafka.Group, cfg.ClickHouse.Addr, cfg.ClickHouse.Database)
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	const n = 40000
	if err := bus.EnsureTopics(context.Background(), cfg.Kafka, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, itest.Mentions(n, time.Now().Add(-12*time.Hour), "Orange", "Free", "SNCF", "Airbus"))

	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "analyze", "-config", cfgFile)
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	rowsStored := func() uint64 {
		var c uint64
		st.Conn().QueryRow(context.Background(), "SELECT count() FROM mentions").Scan(&c)
		return c
	}
	first := start()
	itest.Eventually(t, 2*time.Minute, func() bool { return rowsStored() >= 3000 }, "the first analyzer stored nothing")
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	killedAt := rowsStored()
	if killedAt >= n {
		t.Fatalf("the analyzer finished (%d rows) before it was killed; produce more", killedAt)
	}
	second := start()
	defer func() { second.Process.Signal(syscall.SIGTERM); second.Wait() }()
	itest.Eventually(t, 3*time.Minute, func() bool { n2, _ := st.CountMentions(context.Background(), ""); return n2 == n }, "after restart, FINAL count is not %d", n)
	var uniq uint64
	if err := st.Conn().QueryRow(context.Background(), "SELECT uniqExact(id) FROM mentions").Scan(&uniq); err != nil {
		t.Fatal(err)
	}
	if uniq != n {
		t.Fatalf("%d distinct ids stored, want %d", uniq, n)
	}
	// The per-minute rollup counts every insert: re-delivered mentions must not have been inserted again.
	var rolled uint64
	if err := st.Conn().QueryRow(context.Background(), "SELECT sum(mentions) FROM mention_minutes").Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if rolled != n || rowsStored() != n {
		t.Fatalf("rollup counts %d mentions and the table has %d rows before FINAL, want %d: re-deliveries were inserted again", rolled, rowsStored(), n)
	}
	t.Logf("killed with %d rows stored; %d rows before FINAL, rollup %d", killedAt, rowsStored(), rolled)
}

// TestDemoIntegration runs the README's demo, shortened: the crisis must be reported as a spike of Orange.
func TestDemoIntegration(t *testing.T) {
	cfg, err := config.Load("../../examples/vigie.yaml")
	if err != nil {
		t.Fatal(err)
	}
	test := itest.Config(t)
	cfg.Kafka.Brokers, cfg.ClickHouse.Addr = test.Kafka.Brokers, test.ClickHouse.Addr
	var out itest.Buffer
	err = demoRun(context.Background(), cfg, demoOptions{burstAfter: 15 * time.Second, history: 6 * time.Hour, timeout: 4 * time.Minute, feedAddr: "127.0.0.1:0"},
		&out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{"History:", "stored: ", "SPIKE OPEN: Orange (volume", "Crisis caught"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestBenchIntegration runs `vigie bench` (the `make bench` command) small: it must go through every phase on
// the real servers and print each figure.
func TestBenchIntegration(t *testing.T) {
	test := itest.Config(t)
	var out, errOut itest.Buffer
	code := runBench(context.Background(), []string{"-config", "../../examples/vigie.yaml",
		"-kafka.brokers", strings.Join(test.Kafka.Brokers, ","), "-clickhouse.addr", test.ClickHouse.Addr,
		"-n", "20000", "-rounds", "1", "-rate", "1000", "-latency-for", "2s", "-spike-trials", "1"}, nil, &out, &errOut)
	if code != 0 {
		t.Fatalf("vigie bench exited %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"round 1/1: baseline", "ratio full/baseline", "latency full", "p99 latency", "spike latency"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("bench output lacks %q:\n%s", want, out.String())
		}
	}
}
