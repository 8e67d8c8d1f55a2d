// Package store is Vigie's ClickHouse storage: the embedded schema migrations, batch inserts of mentions and
// spike events, and the read queries shared by the analyzer, the API, the Grafana plugin and alerting.
//
// It speaks ClickHouse's native protocol (clickhouse-go/v2) and works against every server from Debian's
// 18.16 to the current LTS: the baseline schema uses only what 18.16 has, newer storage features come in
// migrations that declare a minimum server version (see Migrate).
//
// Tables (in the configured database):
//
//	mentions          one row per mention.Mention; ReplacingMergeTree: read with FINAL for exact counts
//	mention_minutes   mentions per (brand, minute, source, label) with negative count and sentiment sum,
//	                  fed by the materialized view mention_minutes_mv; SummingMergeTree: read with sum().
//	                  It counts every insert: the analyzer keeps mentions already stored out of its
//	                  inserts (StoredIDs), so a re-delivery after a crash or a rebalance is counted once
//	spikes            one row per spike event (Spike)
//	schema_migrations what Migrate applied or skipped
//
// Typical use:
//
//	st, err := store.Open(ctx, cfg.ClickHouse, logger)
//	…
//	defer st.Close()
//	if err := st.Migrate(ctx); err != nil { … }
//	err = st.InsertMentions(ctx, batch)
package store

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/mention"
)

// Store is a connection pool to one ClickHouse database. It is safe for concurrent use.
type Store struct {
	conn   driver.Conn
	db     string
	addr   string
	logger *slog.Logger
}

var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Open connects to the ClickHouse at cfg.Addr, creates cfg.Database when it does not exist, and checks that
// the server answers. It does not change the schema: call Migrate for that.
func Open(ctx context.Context, cfg config.ClickHouse, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if !plainName.MatchString(cfg.Database) {
		return nil, fmt.Errorf("store: database name %q must be letters, digits and underscores", cfg.Database)
	}
	// The native handshake names the database and fails when it does not exist, so create it from a
	// connection to the always-present "default" database first.
	boot, err := connect(ctx, cfg, "default")
	if err != nil {
		return nil, err
	}
	err = boot.Exec(ctx, "CREATE DATABASE IF NOT EXISTS `"+cfg.Database+"`")
	boot.Close()
	if err != nil {
		return nil, fmt.Errorf("store: creating database %s on ClickHouse at %s: %w", cfg.Database, cfg.Addr, err)
	}
	conn, err := connect(ctx, cfg, cfg.Database)
	if err != nil {
		return nil, err
	}
	s := &Store{conn: conn, db: cfg.Database, addr: cfg.Addr, logger: logger}
	if v, err := conn.ServerVersion(); err == nil {
		logger.Info("connected to ClickHouse", "addr", cfg.Addr, "database", cfg.Database, "server", v.String())
	}
	return s, nil
}

func connect(ctx context.Context, cfg config.ClickHouse, database string) (driver.Conn, error) {
	dial := cfg.DialTimeout
	if dial <= 0 {
		dial = 5 * time.Second
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr: []string{cfg.Addr},
		Auth: clickhouse.Auth{Database: database, Username: cfg.Username, Password: cfg.Password},
		// Mention text compresses well and batches are large.
		Compression: &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		DialTimeout: dial,
		ClientInfo:  clickhouse.ClientInfo{Products: []struct{ Name, Version string }{{Name: "vigie", Version: "1"}}},
	})
	if err == nil {
		err = conn.Ping(ctx)
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: connecting to ClickHouse at %s (database %s): %w; is the server running? (locally: deploy/local/start.sh)",
			cfg.Addr, database, err)
	}
	return conn, nil
}

// Conn is the underlying driver connection, for queries this package does not offer. Table names resolve in
// the store's database.
func (s *Store) Conn() driver.Conn { return s.conn }

// Database is the name of the store's database.
func (s *Store) Database() string { return s.db }

// Ping checks that ClickHouse answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.conn.Ping(ctx); err != nil {
		return fmt.Errorf("store: ClickHouse at %s does not answer: %w", s.addr, err)
	}
	return nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.conn.Close() }

// ServerVersion returns what SELECT version() says ("18.16.1", "25.8.2.29").
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	var v string
	if err := s.conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", fmt.Errorf("store: asking ClickHouse at %s its version: %w", s.addr, err)
	}
	return v, nil
}

// DateTime columns hold seconds from 1970-01-01 to 2106-02-07 (UInt32). Times outside are clamped, so one
// absurd feed date cannot make a whole batch fail.
var (
	minDateTime = time.Unix(0, 0).UTC()
	maxDateTime = time.Unix(1<<32-1, 0).UTC()
)

func dateTime(t time.Time) time.Time {
	switch {
	case t.Before(minDateTime):
		return minDateTime
	case t.After(maxDateTime):
		return maxDateTime
	}
	return t.UTC()
}

const mentionColumns = "id, brand, source, source_name, url, title, text, author, lang, published, fetched, matched, sentiment, label, confidence, abusive"

// InsertMentions writes ms as one batch and returns once ClickHouse acknowledged it. The whole batch is
// written or none of it is; the caller retries on error (a mention inserted twice is deduplicated by
// ReplacingMergeTree). The insert time, used as the version of a row, is set by the server.
func (s *Store) InsertMentions(ctx context.Context, ms []mention.Mention) error {
	if len(ms) == 0 {
		return nil
	}
	n := len(ms)
	var (
		id, brand, source, sourceName, url = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		title, text, author, lang, label   = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		published, fetched                 = make([]time.Time, n), make([]time.Time, n)
		matched                            = make([][]string, n)
		sentiment, confidence              = make([]float32, n), make([]float32, n)
		abusive                            = make([]uint8, n)
	)
	for i, m := range ms {
		id[i], brand[i], source[i], sourceName[i], url[i] = m.ID, m.Brand, m.Source, m.SourceName, m.URL
		title[i], text[i], author[i], lang[i], label[i] = m.Title, m.Text, m.Author, m.Lang, m.Label
		published[i], fetched[i] = dateTime(m.Published), dateTime(m.Fetched)
		matched[i] = m.Matched
		if matched[i] == nil {
			matched[i] = []string{}
		}
		sentiment[i], confidence[i] = float32(m.Sentiment), float32(m.Confidence)
		if m.Abusive {
			abusive[i] = 1
		}
	}
	return s.insertColumns(ctx, "mentions", mentionColumns, n,
		id, brand, source, sourceName, url, title, text, author, lang, published, fetched, matched, sentiment, label, confidence, abusive)
}

// storedIDsChunk bounds the ids of one StoredIDs query, to stay under ClickHouse's max_query_size (256 KiB).
const storedIDsChunk = 2000

// StoredIDs returns the ids of ms that the mentions table already has. The analyzer asks before inserting
// what may be a re-delivery (the first messages of a partition after a restart or a rebalance, a retried
// insert): the row itself would be deduplicated, but the per-minute rollup would count it twice. The query
// reads the sorting key (brand, published, id) over the batch's time range only.
func (s *Store) StoredIDs(ctx context.Context, ms []mention.Mention) (map[string]bool, error) {
	stored := map[string]bool{}
	for lo := 0; lo < len(ms); lo += storedIDsChunk {
		chunk := ms[lo:min(lo+storedIDsChunk, len(ms))]
		seen, brands, ids := map[string]bool{}, []any{}, make([]any, len(chunk))
		from, to := dateTime(chunk[0].Published), dateTime(chunk[0].Published)
		for i, m := range chunk {
			if !seen[m.Brand] {
				seen[m.Brand], brands = true, append(brands, m.Brand)
			}
			ids[i] = m.ID
			p := dateTime(m.Published)
			if p.Before(from) {
				from = p
			}
			if p.After(to) {
				to = p
			}
		}
		// GroupSet binds as a (…) list, which the primary key index serves (a bound slice would be an array).
		rows, err := s.conn.Query(ctx, "SELECT DISTINCT id FROM mentions WHERE brand IN ? AND published >= toDateTime(?, 'UTC') "+
			"AND published <= toDateTime(?, 'UTC') AND id IN ?", clickhouse.GroupSet{Value: brands}, from.Unix(), to.Unix()+1,
			clickhouse.GroupSet{Value: ids})
		if err != nil {
			return nil, fmt.Errorf("store: looking up stored ids: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: looking up stored ids: %w", err)
			}
			stored[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: looking up stored ids: %w", err)
		}
	}
	return stored, nil
}

// Spike is one spike event as stored: a state change (open, update, resolved) of a burst in a brand's
// mentions. Kind, State and Severity are the spike detector's names.
type Spike struct {
	ID            string
	Brand         string
	Kind          string // "volume", "negative", …
	State         string // "open", "update", "resolved"
	Start         time.Time
	At            time.Time // when this event happened
	Observed      float64
	Expected      float64
	Statistic     float64
	Score         float64
	Severity      string
	NegativeShare float64
	Terms         []string
	Sources       []string
	SampleIDs     []string // ids of mentions that show what the spike is about
}

const spikeColumns = "id, brand, kind, state, start, at, observed, expected, statistic, score, severity, negative_share, terms, sources, sample_ids"

// InsertSpikes writes spike events as one batch and returns once ClickHouse acknowledged it.
func (s *Store) InsertSpikes(ctx context.Context, spikes []Spike) error {
	if len(spikes) == 0 {
		return nil
	}
	n := len(spikes)
	var (
		id, brand, kind, state, severity = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		start, at                        = make([]time.Time, n), make([]time.Time, n)
		observed, expected, statistic    = make([]float64, n), make([]float64, n), make([]float64, n)
		score, negShare                  = make([]float64, n), make([]float64, n)
		terms, sources, samples          = make([][]string, n), make([][]string, n), make([][]string, n)
	)
	for i, sp := range spikes {
		id[i], brand[i], kind[i], state[i], severity[i] = sp.ID, sp.Brand, sp.Kind, sp.State, sp.Severity
		start[i], at[i] = dateTime(sp.Start), dateTime(sp.At)
		observed[i], expected[i], statistic[i], score[i], negShare[i] = sp.Observed, sp.Expected, sp.Statistic, sp.Score, sp.NegativeShare
		terms[i], sources[i], samples[i] = nonNil(sp.Terms), nonNil(sp.Sources), nonNil(sp.SampleIDs)
	}
	return s.insertColumns(ctx, "spikes", spikeColumns, n,
		id, brand, kind, state, start, at, observed, expected, statistic, score, severity, negShare, terms, sources, samples)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// insertColumns sends one batch of n rows given column by column, in the order of columns.
func (s *Store) insertColumns(ctx context.Context, table, columns string, n int, values ...any) error {
	b, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+table+" ("+columns+")")
	if err != nil {
		return fmt.Errorf("store: inserting %d rows into %s: %w", n, table, err)
	}
	for i, v := range values {
		if err := b.Column(i).Append(v); err != nil {
			_ = b.Abort()
			return fmt.Errorf("store: inserting %d rows into %s, column %d: %w", n, table, i, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("store: inserting %d rows into %s: %w", n, table, err)
	}
	return nil
}

// MinuteCount is the number of mentions of a brand in one minute, from the mention_minutes rollup.
type MinuteCount struct {
	Brand    string
	Minute   time.Time // start of the minute, UTC
	Count    uint64
	Negative uint64 // of Count, how many were labelled negative
}

// MinuteCounts returns the per-minute counts of brand (every brand when brand is "") from the minute that
// contains since on, oldest first (then by brand). Minutes without mentions have no entry. A mention
// delivered twice counts twice here: the rollup seeds detectors and draws charts, exact counts come from
// CountMentions.
func (s *Store) MinuteCounts(ctx context.Context, brand string, since time.Time) ([]MinuteCount, error) {
	q := "SELECT brand, minute, sum(mentions), sum(negative) FROM mention_minutes WHERE minute >= toStartOfMinute(toDateTime(?, 'UTC'))"
	args := []any{dateTime(since).Unix()}
	if brand != "" {
		q += " AND brand = ?"
		args = append(args, brand)
	}
	q += " GROUP BY brand, minute ORDER BY minute, brand"
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading minute counts of %q: %w", brand, err)
	}
	defer rows.Close()
	var out []MinuteCount
	for rows.Next() {
		var c MinuteCount
		if err := rows.Scan(&c.Brand, &c.Minute, &c.Count, &c.Negative); err != nil {
			return nil, fmt.Errorf("store: reading minute counts of %q: %w", brand, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading minute counts of %q: %w", brand, err)
	}
	return out, nil
}

// CountMentions returns the exact number of distinct mentions of brand (all brands when brand is ""),
// deduplicated with FINAL: a mention inserted twice counts once.
func (s *Store) CountMentions(ctx context.Context, brand string) (uint64, error) {
	q, args := "SELECT count() FROM mentions FINAL", []any(nil)
	if brand != "" {
		q += " WHERE brand = ?"
		args = append(args, brand)
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: counting mentions of %q: %w", brand, err)
	}
	return n, nil
}

// Spikes returns the spike events that happened at or after since, oldest first (then by brand).
func (s *Store) Spikes(ctx context.Context, since time.Time) ([]Spike, error) {
	rows, err := s.conn.Query(ctx, "SELECT "+spikeColumns+" FROM spikes WHERE at >= toDateTime(?, 'UTC') ORDER BY at, brand",
		dateTime(since).Unix())
	if err != nil {
		return nil, fmt.Errorf("store: reading spikes: %w", err)
	}
	defer rows.Close()
	var out []Spike
	for rows.Next() {
		var sp Spike
		if err := rows.Scan(&sp.ID, &sp.Brand, &sp.Kind, &sp.State, &sp.Start, &sp.At, &sp.Observed, &sp.Expected,
			&sp.Statistic, &sp.Score, &sp.Severity, &sp.NegativeShare, &sp.Terms, &sp.Sources, &sp.SampleIDs); err != nil {
			return nil, fmt.Errorf("store: reading spikes: %w", err)
		}
		out = append(out, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading spikes: %w", err)
	}
	return out, nil
}
