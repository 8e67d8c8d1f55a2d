package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"

	"github.com/vigie-oss/vigie/bus"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/ingest/feed"
	"github.com/vigie-oss/vigie/mention"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// kafka-go's DefaultTransport (used by bus and the writers) keeps a connection pool for the whole process:
	// release it before looking for goroutines this package leaked.
	kafka.DefaultTransport.(*kafka.Transport).CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// fakeWriter records what a test ingester produces instead of sending it to Kafka.
type fakeWriter struct {
	mu      sync.Mutex
	msgs    []kafka.Message
	letters []bus.DeadLetter
	fail    error
	closed  bool
}

func (w *fakeWriter) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return w.fail
	}
	w.msgs = append(w.msgs, msgs...)
	return nil
}

func (w *fakeWriter) Send(ctx context.Context, letters ...bus.DeadLetter) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return w.fail
	}
	w.letters = append(w.letters, letters...)
	return nil
}

func (w *fakeWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	return nil
}

// take returns the "brand title" of the mentions produced since the last take.
func (w *fakeWriter) take(t *testing.T) []string {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, msg := range w.msgs {
		m, err := mention.Decode(msg.Value)
		if err != nil {
			t.Fatalf("produced an undecodable mention: %v", err)
		}
		if string(msg.Key) != m.Brand {
			t.Errorf("message key %q, want the brand %q", msg.Key, m.Brand)
		}
		out = append(out, m.Brand+" "+m.Title)
	}
	w.msgs = nil
	slices.Sort(out)
	return out
}

func rss(items ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test feed</title>`)
	for i, title := range items {
		fmt.Fprintf(&b, `<item><title>%s</title><link>/a/%d?utm_source=rss</link><guid>https://news.example/a/%d</guid><pubDate>Sat, 21 Nov 2026 10:0%d:00 GMT</pubDate></item>`, title, i, i, i%10)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// feedServer serves a feed whose content the test changes, with an ETag per content.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	body     string
	status   int
	header   http.Header
	requests int
}

func newFeedServer(t *testing.T, body string) *feedServer {
	fs := &feedServer{body: body, status: 200}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		fs.requests++
		for k, v := range fs.header {
			w.Header()[k] = v
		}
		if fs.status != 200 {
			w.WriteHeader(fs.status)
			return
		}
		etag := fmt.Sprintf(`"%d"`, len(fs.body))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		io.WriteString(w, fs.body)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) set(status int, body string, header http.Header) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.status, fs.body, fs.header = status, body, header
}

func testConfig(t *testing.T, feedURLs ...string) *config.Config {
	cfg := config.Default()
	cfg.Ingest.AllowPrivateAddresses = true // the test feeds are on loopback
	cfg.Brands = []config.Brand{
		{Name: "Orange", Aliases: []string{"#orange"}, Exclude: []string{"jus d'orange"}, Languages: []string{"fr"}},
		{Name: "SNCF", Keywords: []string{"TGV"}},
	}
	for _, u := range feedURLs {
		cfg.Sources.Feeds = append(cfg.Sources.Feeds, config.Feed{URL: u})
	}
	cfg.Ingest.PollInterval = time.Minute
	cfg.Ingest.MaxBackoff = 16 * time.Minute
	cfg.Ingest.StateFile = filepath.Join(t.TempDir(), "state.json")
	return &cfg
}

func newTestIngester(t *testing.T, cfg *config.Config, w *fakeWriter) (*Ingester, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	in, err := New(cfg, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	in.writer, in.dlq = w, w
	in.jitter = func() float64 { return 0.5 }
	in.ensureTopics = func(context.Context) error { return nil }
	t.Cleanup(in.fetcher.CloseIdleConnections)
	return in, reg
}

func TestPollProducesNewMentionsOnce(t *testing.T) {
	ctx := context.Background()
	srv := newFeedServer(t, rss("Orange lance une offre", "Un jus d'orange chez Orange", "Grève SNCF : TGV annulés", "Rien à voir"))
	cfg := testConfig(t, srv.URL)
	w := &fakeWriter{}
	in, reg := newTestIngester(t, cfg, w)
	p := in.newPoller(cfg.Sources.Feeds[0])

	if wait := in.poll(ctx, p); wait != time.Minute {
		t.Errorf("wait after a good poll = %s, want the interval", wait)
	}
	want := []string{"Orange Orange lance une offre", "SNCF Grève SNCF : TGV annulés"}
	if got := w.take(t); !slices.Equal(got, want) {
		t.Fatalf("first poll produced %q, want %q", got, want)
	}

	// Unchanged feed: 304, nothing produced.
	in.poll(ctx, p)
	if got := w.take(t); len(got) != 0 {
		t.Errorf("304 poll produced %q", got)
	}
	if n := testutil.ToFloat64(in.metrics.notModified); n != 1 {
		t.Errorf("not-modified count = %v, want 1", n)
	}

	// A new item: only it is produced.
	srv.set(200, rss("Orange lance une offre", "Un jus d'orange chez Orange", "Grève SNCF : TGV annulés", "Rien à voir", "Orange recrute"), nil)
	in.poll(ctx, p)
	if got := w.take(t); !slices.Equal(got, []string{"Orange Orange recrute"}) {
		t.Errorf("poll after a new item produced %q", got)
	}

	// A restart reads the state file: the feed's validators are back, so the first poll is a 304.
	in2, _ := newTestIngester(t, cfg, w)
	in2.poll(ctx, in2.newPoller(cfg.Sources.Feeds[0]))
	if got := w.take(t); len(got) != 0 {
		t.Errorf("poll after restart resent %q", got)
	}
	if n := testutil.ToFloat64(in2.metrics.notModified); n != 1 {
		t.Errorf("first poll after restart: not-modified count = %v, want 1 (validators kept)", n)
	}
	// Without validators (a state file of an older version) the feed is fetched whole, nothing is resent.
	in2.state.setValidators(srv.URL, feed.Validators{})
	in2.poll(ctx, in2.newPoller(cfg.Sources.Feeds[0]))
	if got := w.take(t); len(got) != 0 {
		t.Errorf("poll without validators resent %q", got)
	}

	if n := testutil.ToFloat64(in.metrics.itemsFetched) + testutil.ToFloat64(in2.metrics.itemsFetched); n != 14 {
		t.Errorf("items fetched = %v, want 14 (4, then 5, then 5 once more without validators)", n)
	}
	if n, err := testutil.GatherAndCount(reg, "vigie_ingest_mentions_produced_total"); err != nil || n != 2 {
		t.Errorf("mentions_produced series = %d, %v; want one per brand", n, err)
	}
}

func TestPollLanguageFilter(t *testing.T) {
	srv := newFeedServer(t, rss("Orange announces record profits in its annual report to shareholders",
		"Orange annonce des bénéfices records dans son rapport annuel aux actionnaires",
		"SNCF trains are late again this morning across the whole network"))
	cfg := testConfig(t, srv.URL)
	w := &fakeWriter{}
	in, _ := newTestIngester(t, cfg, w)
	in.poll(context.Background(), in.newPoller(cfg.Sources.Feeds[0]))
	want := []string{
		"Orange Orange annonce des bénéfices records dans son rapport annuel aux actionnaires",
		"SNCF SNCF trains are late again this morning across the whole network",
	}
	if got := w.take(t); !slices.Equal(got, want) {
		t.Errorf("produced %q, want %q (Orange is French-only, SNCF any language)", got, want)
	}
	if n := testutil.ToFloat64(in.metrics.languageDropped); n != 1 {
		t.Errorf("language-filtered = %v, want 1", n)
	}
}

func TestPollKafkaFailureRetriesWholeFeed(t *testing.T) {
	ctx := context.Background()
	srv := newFeedServer(t, rss("Orange est en panne dans toute la France ce matin"))
	cfg := testConfig(t, srv.URL)
	w := &fakeWriter{fail: errors.New("kafka down")}
	in, _ := newTestIngester(t, cfg, w)
	p := in.newPoller(cfg.Sources.Feeds[0])
	in.poll(ctx, p)
	if _, err := os.Stat(cfg.Ingest.StateFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file written although Kafka acknowledged nothing (stat: %v)", err)
	}
	if err := in.Healthy(); err == nil || !strings.Contains(err.Error(), "kafka down") {
		t.Errorf("Healthy() = %v while Kafka refuses mentions", err)
	}
	w.fail = nil
	in.poll(ctx, p) // must not be a conditional GET answered 304
	if err := in.Healthy(); err != nil {
		t.Errorf("Healthy() = %v after a successful produce", err)
	}
	if got := w.take(t); !slices.Equal(got, []string{"Orange Orange est en panne dans toute la France ce matin"}) {
		t.Errorf("after Kafka came back produced %q, want the mention", got)
	}
}

func TestPollBackoff(t *testing.T) {
	ctx := context.Background()
	srv := newFeedServer(t, "")
	srv.set(500, "", nil)
	cfg := testConfig(t, srv.URL)
	in, reg := newTestIngester(t, cfg, &fakeWriter{})
	p := in.newPoller(cfg.Sources.Feeds[0])
	var waits []time.Duration
	for range 6 {
		waits = append(waits, in.poll(ctx, p))
	}
	// interval 1m, jitter removes 10 % at 0.5: 2m, 4m, 8m, 16m (max_backoff), 16m, 16m.
	want := []time.Duration{108 * time.Second, 216 * time.Second, 432 * time.Second, 864 * time.Second, 864 * time.Second, 864 * time.Second}
	if !slices.Equal(waits, want) {
		t.Errorf("waits after 500s = %v, want %v", waits, want)
	}
	if n, _ := testutil.GatherAndCount(reg, "vigie_ingest_fetch_errors_total"); n != 1 {
		t.Errorf("fetch error series = %d, want only http_status", n)
	}
	if v := testutil.ToFloat64(in.metrics.fetchErrors.WithLabelValues("http_status")); v != 6 {
		t.Errorf("http_status errors = %v, want 6", v)
	}

	srv.set(http.StatusTooManyRequests, "", http.Header{"Retry-After": {"7200"}})
	if wait := in.poll(ctx, p); wait != 2*time.Hour {
		t.Errorf("wait after 429 Retry-After: 7200 = %s, want 2h", wait)
	}
	srv.set(200, rss("ok"), nil)
	in.poll(ctx, p)
	if p.failures != 0 {
		t.Errorf("failures after a good poll = %d, want 0", p.failures)
	}
	srv.set(500, "", nil)
	if wait := in.poll(ctx, p); wait != 108*time.Second {
		t.Errorf("first wait after recovery = %s, want the backoff to start over", wait)
	}
}

func TestBackoff(t *testing.T) {
	f := func(failures int, interval, maxBackoff, retryAfter time.Duration, jitter float64, want time.Duration) {
		t.Helper()
		if got := backoff(failures, interval, maxBackoff, retryAfter, jitter); got != want {
			t.Errorf("backoff(%d, %s, %s, %s, %v) = %s, want %s", failures, interval, maxBackoff, retryAfter, jitter, got, want)
		}
	}
	f(1, time.Minute, time.Hour, 0, 0, 2*time.Minute)
	f(3, time.Minute, time.Hour, 0, 0, 8*time.Minute)
	f(100, time.Minute, time.Hour, 0, 0, time.Hour)
	f(100, time.Minute, time.Hour, 0, 0.99, time.Hour-time.Duration(0.2*0.99*float64(time.Hour)))
	f(2, time.Hour, 0, 0, 0, time.Hour) // no max_backoff: never less often than the interval
	f(1, time.Minute, time.Hour, 10*time.Minute, 0, 10*time.Minute)
	f(1, time.Minute, time.Hour, 30*time.Second, 0, 2*time.Minute)
	f(1, time.Minute, time.Hour, 30*24*time.Hour, 0, 24*time.Hour)
}

func TestProduceDeadLetters(t *testing.T) {
	cfg := testConfig(t)
	w := &fakeWriter{}
	in, _ := newTestIngester(t, cfg, w)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	good := mention.Mention{ID: "a1", Brand: "Orange", Source: "rss", Published: now}
	bad := mention.Mention{ID: "b2", Brand: "Orange", Source: "rss"} // no published time: Encode refuses it
	if err := in.produce(context.Background(), []mention.Mention{good, bad}); err != nil {
		t.Fatal(err)
	}
	if len(w.msgs) != 1 || len(w.letters) != 1 {
		t.Fatalf("produced %d messages and %d dead letters, want 1 and 1", len(w.msgs), len(w.letters))
	}
	l := w.letters[0]
	if l.Stage != "ingest" || l.Reason != "encode" || !strings.Contains(l.Error, "published time is missing") || l.Key != "Orange" || len(l.Payload) == 0 {
		t.Errorf("dead letter = %+v", l)
	}
	if got := in.state.unseen([]string{"a1", "b2", "c3"}, now); !slices.Equal(got, []string{"c3"}) {
		t.Errorf("unseen after produce = %v, want both the sent and the dead-lettered id remembered", got)
	}
	if v := testutil.ToFloat64(in.metrics.deadLetters.WithLabelValues("encode")); v != 1 {
		t.Errorf("dead letters = %v, want 1", v)
	}
}

func TestRunStopsAndDrains(t *testing.T) {
	srv := newFeedServer(t, rss("Orange partout"))
	cfg := testConfig(t, srv.URL, srv.URL+"/second")
	cfg.Sources.Feeds[0].Interval = time.Second
	w := &fakeWriter{}
	in, _ := newTestIngester(t, cfg, w)
	in.jitter = func() float64 { return 0 } // first polls at once
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- in.Run(ctx) }()
	// Wait until both feeds were fetched and the mention produced, then stop.
	for {
		w.mu.Lock()
		n := len(w.msgs)
		w.mu.Unlock()
		srv.mu.Lock()
		requests := srv.requests
		srv.mu.Unlock()
		if n >= 1 && requests >= 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil on cancellation", err)
	}
	if !w.closed {
		t.Error("Run returned without closing the writers")
	}
	st, err := loadState(cfg.Ingest.StateFile, Retention)
	if err != nil {
		t.Fatal(err)
	}
	if st.len() != 1 {
		t.Errorf("state after Run remembers %d ids, want 1 (the same item from two URLs of one feed)", st.len())
	}
}

func TestNewLoadsOPML(t *testing.T) {
	dir := t.TempDir()
	opml := `<opml version="2.0"><body><outline text="g"><outline xmlUrl="https://a.example/rss" text="A"/><outline xmlUrl="https://b.example/rss"/></outline></body></opml>`
	if err := os.WriteFile(filepath.Join(dir, "subs.opml"), []byte(opml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, "https://b.example/rss")
	cfg.File = filepath.Join(dir, "vigie.yaml")
	cfg.Sources.OPML = []string{"subs.opml"}
	in, err := New(cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range in.Feeds() {
		got = append(got, f.URL+"|"+f.Name)
	}
	want := []string{"https://b.example/rss|", "https://a.example/rss|A"}
	if !slices.Equal(got, want) {
		t.Errorf("feeds = %q, want %q", got, want)
	}

	cfg.Sources.OPML = []string{"missing.opml"}
	if _, err := New(cfg, slog.New(slog.DiscardHandler), nil); err == nil || !strings.Contains(err.Error(), "missing.opml") {
		t.Errorf("New with a missing OPML file = %v, want an error naming it", err)
	}
}

func TestState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	day := 24 * time.Hour
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	s, err := loadState(path, 30*day)
	if err != nil {
		t.Fatal(err)
	}
	s.mark([]string{"old", "kept"}, t0)
	if err := s.save(t0); err != nil {
		t.Fatal(err)
	}
	// "kept" is still in its feed 20 days later: its time is refreshed, so it outlives the retention.
	s.unseen([]string{"kept"}, t0.Add(20*day))
	if err := s.save(t0.Add(40 * day)); err != nil {
		t.Fatal(err)
	}
	s2, err := loadState(path, 30*day)
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.unseen([]string{"old", "kept", "new"}, t0.Add(40*day)); !slices.Equal(got, []string{"old", "new"}) {
		t.Errorf("unseen after reload = %v, want old pruned and kept remembered", got)
	}
	// Feed validators survive a reload; those of feeds no longer configured are forgotten.
	v := feed.Validators{ETag: `"v7"`, LastModified: "Sun, 22 Nov 2026 08:00:00 GMT"}
	s2.setValidators("https://a.example/feed", v)
	s2.setValidators("https://gone.example/feed", v)
	s2.keepFeeds(map[string]bool{"https://a.example/feed": true})
	if err := s2.save(t0.Add(40 * day)); err != nil {
		t.Fatal(err)
	}
	s3, err := loadState(path, 30*day)
	if err != nil {
		t.Fatal(err)
	}
	if got := s3.validators("https://a.example/feed"); got != v {
		t.Errorf("validators after reload = %+v, want %+v", got, v)
	}
	if got := s3.validators("https://gone.example/feed"); got != (feed.Validators{}) {
		t.Errorf("validators of a removed feed = %+v, want none", got)
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".state.json.tmp*")); len(matches) != 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}

	if err := os.WriteFile(path, []byte(`{"version":1,"seen":{`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadState(path, 30*day); err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Errorf("loadState(truncated file) = %v, want an error saying what to do", err)
	}
}
