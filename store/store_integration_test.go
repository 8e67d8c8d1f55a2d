package store

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/internal/itest"
	"github.com/vigie-oss/vigie/mention"
)

// openTest opens a store on a database of its own, dropped when the test ends. It does not migrate.
func openTest(t *testing.T) *Store {
	t.Helper()
	cfg := config.Default().ClickHouse
	cfg.Addr = itest.ClickHouse(t)
	cfg.Database = itest.Name("vigie_test")
	ctx := context.Background()
	st, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.Database); err != nil {
			t.Errorf("dropping test database: %v", err)
		}
		st.Close()
	})
	return st
}

func openMigrated(t *testing.T) *Store {
	t.Helper()
	st := openTest(t)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestMigrateIntegration(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	for range 2 { // the second run must find everything done
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := st.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	server, err := ParseServerVersion(raw)
	if err != nil {
		t.Fatal(err)
	}
	migs, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.AppliedMigrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(migs) {
		t.Fatalf("schema_migrations has %d versions, want %d: %+v", len(recs), len(migs), recs)
	}
	for i, m := range migs {
		want := StatusApplied
		if !server.AtLeast(m.MinServer) {
			want = StatusSkipped
		}
		if r := recs[i]; r.Version != m.Version || r.Name != m.Name || r.Status != want || r.ServerVersion != raw {
			t.Errorf("record %d = %+v, want version %d %s %s on %s", i, r, m.Version, m.Name, want, raw)
		}
	}
	// The second run recorded nothing new.
	var rows uint64
	if err := st.Conn().QueryRow(ctx, "SELECT count() FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != uint64(len(migs)) {
		t.Errorf("schema_migrations has %d rows after two runs, want %d", rows, len(migs))
	}
	var tables []string
	r, err := st.Conn().Query(ctx, "SELECT name FROM system.tables WHERE database = ? ORDER BY name", st.Database())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var n string
		if err := r.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	if want := []string{"mention_minutes", "mention_minutes_mv", "mentions", "schema_migrations", "spikes"}; !reflect.DeepEqual(tables, want) {
		t.Errorf("tables = %v, want %v", tables, want)
	}
}

// A migration skipped for an old server is applied by the first run once the server is new enough
// (simulated here by lowering the migration's minimum, since the server cannot be upgraded in a test).
func TestMigrateAppliesSkippedLaterIntegration(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	base := Migration{Version: 1, Name: "base", Statements: []string{"CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = Memory"}}
	future := Migration{Version: 2, Name: "future", MinServer: ServerVersion{999, 0},
		Statements: []string{"CREATE TABLE IF NOT EXISTS b (x UInt8) ENGINE = Memory"}}
	if err := st.migrate(ctx, []Migration{base, future}); err != nil {
		t.Fatal(err)
	}
	status := func() []string {
		t.Helper()
		recs, err := st.AppliedMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, r.Name+"="+r.Status)
		}
		return out
	}
	if got, want := status(), []string{"base=applied", "future=skipped"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after first run: %v, want %v", got, want)
	}
	var n uint64
	if err := st.Conn().QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = 'b'", st.Database()).Scan(&n); err != nil || n != 0 {
		t.Fatalf("skipped migration created its table (count %d, err %v)", n, err)
	}
	// ReplacingMergeTree keeps the latest record; "at" has a one-second resolution.
	time.Sleep(1100 * time.Millisecond)
	future.MinServer = ServerVersion{1, 0}
	if err := st.migrate(ctx, []Migration{base, future}); err != nil {
		t.Fatal(err)
	}
	if got, want := status(), []string{"base=applied", "future=applied"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after upgrade: %v, want %v", got, want)
	}
	if err := st.Conn().QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = 'b'", st.Database()).Scan(&n); err != nil || n != 1 {
		t.Fatalf("migration applied after upgrade did not create its table (count %d, err %v)", n, err)
	}
}

func TestMigrateReportsFailingStatementIntegration(t *testing.T) {
	st := openTest(t)
	bad := Migration{Version: 7, Name: "broken", Statements: []string{"SELECT 1", "CREATE TABLE nope (x NoSuchType) ENGINE = Memory"}}
	err := st.migrate(context.Background(), []Migration{bad})
	if err == nil {
		t.Fatal("a failing statement did not fail the migration")
	}
	for _, want := range []string{"0007_broken", "statement 2 of 2", st.Database()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	recs, err := st.AppliedMigrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 0 {
		t.Errorf("a failed migration was recorded: %+v", recs)
	}
}

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func sample(id, brand string, published time.Time, label string) mention.Mention {
	return mention.Mention{ID: id, Brand: brand, Source: "rss", SourceName: "lemonde.fr", URL: "https://lemonde.fr/" + id,
		Published: published, Fetched: published.Add(time.Minute), Label: label}
}

func TestInsertMentionsRoundTripIntegration(t *testing.T) {
	ctx := context.Background()
	st := openMigrated(t)
	m := mention.Mention{
		ID: "a1", Brand: "Acme", Source: "mastodon", SourceName: "mastodon.social", URL: "https://mastodon.social/@x/1",
		Title: "Panne chez Acme", Text: "Encore une panne réseau chez Acme, c'est « inadmissible »", Author: "@x",
		Lang: "fr", Published: t0, Fetched: t0.Add(90 * time.Second), Matched: []string{"acme", "#acme"},
		Sentiment: -0.75, Label: "negative", Confidence: 0.5, Abusive: true,
	}
	if err := st.InsertMentions(ctx, []mention.Mention{m}); err != nil {
		t.Fatal(err)
	}
	var (
		got        mention.Mention
		sent, conf float32
		abusive    uint8
	)
	err := st.Conn().QueryRow(ctx, "SELECT "+mentionColumns+" FROM mentions FINAL WHERE id = 'a1'").Scan(
		&got.ID, &got.Brand, &got.Source, &got.SourceName, &got.URL, &got.Title, &got.Text, &got.Author, &got.Lang,
		&got.Published, &got.Fetched, &got.Matched, &sent, &got.Label, &conf, &abusive)
	if err != nil {
		t.Fatal(err)
	}
	got.Sentiment, got.Confidence, got.Abusive = float64(sent), float64(conf), abusive == 1
	if !got.Published.Equal(m.Published) || !got.Fetched.Equal(m.Fetched) {
		t.Errorf("times = %v, %v; want %v, %v", got.Published, got.Fetched, m.Published, m.Fetched)
	}
	got.Published, got.Fetched = m.Published, m.Fetched
	if !reflect.DeepEqual(got, m) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, m)
	}
	if err := st.InsertMentions(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func TestInsertMentionsDedupIntegration(t *testing.T) {
	ctx := context.Background()
	st := openMigrated(t)
	batch := []mention.Mention{
		sample("a", "acme", t0, "negative"),
		sample("b", "acme", t0.Add(time.Second), "positive"),
		sample("c", "globex", t0, "neutral"),
	}
	// The same batch delivered twice (an analyzer crash before the offset commit), plus one new mention.
	if err := st.InsertMentions(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := st.InsertMentions(ctx, append(batch, sample("d", "acme", t0.Add(2*time.Minute), "neutral"))); err != nil {
		t.Fatal(err)
	}
	f := func(brand string, want uint64) {
		t.Helper()
		got, err := st.CountMentions(ctx, brand)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("CountMentions(%q) = %d, want %d", brand, got, want)
		}
	}
	f("", 4)
	f("acme", 3)
	f("globex", 1)
	f("initech", 0)
}

// TestStoredIDsIntegration: the ids already stored are found, whatever the brand and time of the others,
// across query chunks.
func TestStoredIDsIntegration(t *testing.T) {
	ctx := context.Background()
	st := openMigrated(t)
	var stored, asked []mention.Mention
	for i := range 2*storedIDsChunk + 10 {
		m := sample(fmt.Sprintf("m%d", i), []string{"acme", "globex"}[i%2], t0.Add(time.Duration(i)*time.Second), "neutral")
		asked = append(asked, m)
		if i%3 == 0 {
			stored = append(stored, m)
		}
	}
	if err := st.InsertMentions(ctx, stored); err != nil {
		t.Fatal(err)
	}
	// Same id under another brand or another publication time is another row (real ids include the brand).
	other := sample("m0", "initech", t0, "neutral")
	later := sample("m3", "globex", t0.Add(48*time.Hour), "neutral")
	got, err := st.StoredIDs(ctx, append(asked, other, later))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(stored) {
		t.Fatalf("StoredIDs found %d ids, want the %d stored", len(got), len(stored))
	}
	for _, m := range stored {
		if !got[m.ID] {
			t.Fatalf("StoredIDs missed %s", m.ID)
		}
	}
	for _, m := range []mention.Mention{other, later} {
		if none, err := st.StoredIDs(ctx, []mention.Mention{m}); err != nil || len(none) != 0 {
			t.Fatalf("StoredIDs(%s of %s at %s) = %v, %v; want none", m.ID, m.Brand, m.Published, none, err)
		}
	}
}

func TestMinuteCountsIntegration(t *testing.T) {
	ctx := context.Background()
	st := openMigrated(t)
	ms := []mention.Mention{
		sample("a", "acme", t0.Add(5*time.Second), "negative"),
		sample("b", "acme", t0.Add(59*time.Second), "positive"),
		sample("c", "acme", t0.Add(2*time.Minute), "negative"),
		sample("d", "globex", t0.Add(30*time.Second), "negative"),
		sample("e", "acme", t0.Add(-time.Hour), "neutral"), // before since
	}
	// A feed date in the future counts at the fetch time, as mention.Time() says.
	future := sample("f", "globex", t0.Add(24*time.Hour), "neutral")
	future.Fetched = t0.Add(3*time.Minute + 10*time.Second)
	ms = append(ms, future)
	// Two inserts, so the rollup has several parts to sum.
	if err := st.InsertMentions(ctx, ms[:3]); err != nil {
		t.Fatal(err)
	}
	if err := st.InsertMentions(ctx, ms[3:]); err != nil {
		t.Fatal(err)
	}
	f := func(brand string, since time.Time, want []MinuteCount) {
		t.Helper()
		got, err := st.MinuteCounts(ctx, brand, since)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("MinuteCounts(%q, %v)\n got %+v\nwant %+v", brand, since, got, want)
		}
	}
	f("acme", t0, []MinuteCount{
		{Brand: "acme", Minute: t0, Count: 2, Negative: 1},
		{Brand: "acme", Minute: t0.Add(2 * time.Minute), Count: 1, Negative: 1},
	})
	// since inside a minute includes that minute.
	f("acme", t0.Add(90*time.Second), []MinuteCount{{Brand: "acme", Minute: t0.Add(2 * time.Minute), Count: 1, Negative: 1}})
	f("", t0, []MinuteCount{
		{Brand: "acme", Minute: t0, Count: 2, Negative: 1},
		{Brand: "globex", Minute: t0, Count: 1, Negative: 1},
		{Brand: "acme", Minute: t0.Add(2 * time.Minute), Count: 1, Negative: 1},
		{Brand: "globex", Minute: t0.Add(3 * time.Minute), Count: 1, Negative: 0},
	})
	f("initech", t0, nil)

	// The rollup also carries the sentiment sum per source and label.
	var sum float64
	if err := st.Conn().QueryRow(ctx, "SELECT sum(sentiment_sum) FROM mention_minutes WHERE brand = 'acme'").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 0 {
		t.Errorf("sentiment sum of unscored mentions = %v, want 0", sum)
	}
}

func TestSpikesIntegration(t *testing.T) {
	ctx := context.Background()
	st := openMigrated(t)
	open := Spike{ID: "s1", Brand: "acme", Kind: "volume", State: "open", Start: t0, At: t0.Add(time.Minute),
		Observed: 42, Expected: 3.5, Statistic: 9.1, Score: 0.97, Severity: "critical", NegativeShare: 0.8,
		Terms: []string{"panne", "réseau"}, Sources: []string{"rss:lemonde.fr"}, SampleIDs: []string{"a", "b"}}
	resolved := open
	resolved.State, resolved.At, resolved.Terms, resolved.Sources, resolved.SampleIDs = "resolved", t0.Add(20*time.Minute), []string{}, []string{}, []string{}
	older := Spike{ID: "s0", Brand: "globex", Kind: "negative", State: "open", Start: t0.Add(-time.Hour), At: t0.Add(-time.Hour),
		Terms: []string{}, Sources: []string{}, SampleIDs: []string{}}
	if err := st.InsertSpikes(ctx, []Spike{resolved, older, open}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Spikes(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Spike{open, resolved}; !reflect.DeepEqual(got, want) {
		t.Errorf("Spikes(%v)\n got %+v\nwant %+v", t0, got, want)
	}
	all, err := st.Spikes(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].ID != "s0" {
		t.Errorf("Spikes(zero time) = %+v, want the 3 events oldest first", all)
	}
	if err := st.InsertSpikes(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func TestOpenErrorsIntegration(t *testing.T) {
	cfg := config.Default().ClickHouse
	cfg.Addr = itest.ClickHouse(t)
	cfg.Database = "bad name"
	if _, err := Open(context.Background(), cfg, nil); err == nil {
		t.Error("Open accepted a database name with a space")
	}
	// Nothing listens on port 1: the error must say where and what to do.
	cfg.Database, cfg.Addr, cfg.DialTimeout = "vigie", "127.0.0.1:1", time.Second
	_, err := Open(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), "start.sh") {
		t.Errorf("Open on a closed port: error %v, want one naming the address and how to start the server", err)
	}
}
