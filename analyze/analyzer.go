// Package analyze is the analyzer role: it consumes mentions from Kafka, scores their sentiment, feeds the
// spike detector, stores them in ClickHouse in batches, and publishes spike events.
//
// Delivery is at least once: offsets are committed only after ClickHouse acknowledged the batch (and the
// dead letters of the batch were acknowledged by Kafka), so a crash replays at most the batches in flight,
// and ClickHouse's ReplacingMergeTree folds the replayed rows by mention id.
package analyze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/analyze/sentiment"
	"github.com/vigie-oss/vigie/analyze/spike"
	"github.com/vigie-oss/vigie/analyze/terms"
	"github.com/vigie-oss/vigie/bus"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/mention"
	"github.com/vigie-oss/vigie/store"
)

// Store is what the analyzer needs from ClickHouse (*store.Store in production).
type Store interface {
	InsertMentions(ctx context.Context, ms []mention.Mention) error
	InsertSpikes(ctx context.Context, spikes []store.Spike) error
	MinuteCounts(ctx context.Context, brand string, since time.Time) ([]store.MinuteCount, error)
	StoredIDs(ctx context.Context, ms []mention.Mention) (map[string]bool, error)
}

// Options change what the analyzer does with each mention.
type Options struct {
	// Passthrough stores mentions as they arrive, with no sentiment and no spike detection: the baseline
	// of the pipeline benchmark.
	Passthrough bool
	// OnStored, when set, is called after each batch is stored and committed, with the batch's messages.
	OnStored func(msgs []kafka.Message, stored time.Time)
	// SeedWindow is how much rollup history seeds a brand's spike detector (default 14 days).
	SeedWindow time.Duration
}

// Analyzer is one member of the analyzer consumer group.
type Analyzer struct {
	cfg     config.Kafka
	batch   config.Analyze
	store   Store
	opts    Options
	logger  *slog.Logger
	m       *metrics
	scorer  *sentiment.Scorer
	tracker *spike.Tracker
	// lastSeen is when this analyzer last observed each brand; a brand absent, or idle for reseedAfter, is
	// seeded from ClickHouse before its next mention is observed.
	lastSeen map[string]time.Time
	now      func() time.Time
	dlq      *bus.DeadLetters
	spikesW  *kafka.Writer

	// fetched is, per partition, the offset after the last message this analyzer fetched: messages that do
	// not start there (the first ones, or after a rebalance) may re-deliver mentions already stored, and
	// batches are looked up in ClickHouse (lookUp) until one has none stored.
	fetched map[int]int64
	lookUp  bool
	// recent holds the ids of the last mentions this analyzer took, to drop a mention sent twice.
	recent *recentIDs

	mu      sync.Mutex
	lastErr error // of the last store attempt, for /healthz
}

// New returns an analyzer for cfg that stores into st.
func New(cfg *config.Config, st Store, opts Options, logger *slog.Logger, reg prometheus.Registerer) (*Analyzer, error) {
	if opts.SeedWindow == 0 {
		opts.SeedWindow = 14 * 24 * time.Hour
	}
	a := &Analyzer{
		cfg:      cfg.Kafka,
		batch:    cfg.Analyze,
		store:    st,
		opts:     opts,
		logger:   logger,
		m:        newMetrics(reg),
		lastSeen: map[string]time.Time{},
		fetched:  map[int]int64{},
		recent:   newRecentIDs(recentWindow),
		now:      time.Now,
		dlq:      bus.NewDeadLetters(cfg.Kafka),
		spikesW:  bus.NewWriter(cfg.Kafka, cfg.Kafka.SpikesTopic),
	}
	if !opts.Passthrough {
		a.scorer = sentiment.New()
		t, err := spike.NewTracker(spike.DefaultConfig(), logger, reg)
		if err != nil {
			return nil, fmt.Errorf("analyzer: %w", err)
		}
		a.tracker = t
	}
	return a, nil
}

// Healthy reports the last ClickHouse error, nil when the last batch was stored.
func (a *Analyzer) Healthy() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastErr
}

// Run consumes until ctx ends, then stores and commits what it already fetched and returns nil.
func (a *Analyzer) Run(ctx context.Context) error {
	if err := bus.EnsureTopics(ctx, a.cfg, a.logger); err != nil {
		return err
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        a.cfg.Brokers,
		GroupID:        a.cfg.Group,
		Topic:          a.cfg.MentionsTopic,
		MinBytes:       1,
		MaxBytes:       16 << 20,
		MaxWait:        100 * time.Millisecond,
		QueueCapacity:  a.batch.BatchSize,
		StartOffset:    kafka.FirstOffset,
		CommitInterval: 0, // commits are explicit, after ClickHouse acknowledged
		// kafka-go retries these itself (leader moves, topic just created); persistent trouble shows as lag.
		ErrorLogger: kafka.LoggerFunc(func(f string, args ...any) { a.logger.Info("kafka reader (retrying): " + fmt.Sprintf(f, args...)) }),
	})
	defer func() {
		if err := r.Close(); err != nil {
			a.logger.Warn("closing Kafka reader", "err", err)
		}
		a.dlq.Close()
		a.spikesW.Close()
	}()
	a.logger.Info("analyzer consuming", "topic", a.cfg.MentionsTopic, "group", a.cfg.Group, "brokers", a.cfg.Brokers,
		"batch_size", a.batch.BatchSize, "flush_interval", a.batch.FlushInterval, "passthrough", a.opts.Passthrough)

	// Analysis and storage overlap: while one batch is being inserted and committed by store, the next is
	// fetched and analysed here. Batches reach store in fetch order, so offsets are committed in order.
	// After ctx ends, store gets drainTimeout to store and commit what was already fetched.
	const drainTimeout = 30 * time.Second
	storeCtx, cancelStore := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelStore()
	stopDrain := context.AfterFunc(ctx, func() { time.AfterFunc(drainTimeout, cancelStore) })
	defer stopDrain()
	batches := make(chan batch, 1)
	storeErr := make(chan error, 1)
	go func() { storeErr <- a.storeLoop(storeCtx, r, batches) }()
	send := func(b batch) error {
		select {
		case batches <- b:
			return nil
		case err := <-storeErr:
			return err
		}
	}

	var (
		msgs     []kafka.Message
		first    time.Time // when the oldest message of msgs was fetched
		tick     = time.Second
		lastTick = time.Now()
	)
	for {
		deadline := time.Now().Add(tick)
		if len(msgs) > 0 {
			deadline = first.Add(a.batch.FlushInterval)
		}
		fctx, cancel := context.WithDeadline(ctx, deadline)
		msg, err := r.FetchMessage(fctx)
		cancel()
		switch {
		case err == nil:
			if len(msgs) == 0 {
				first = time.Now()
			}
			msgs = append(msgs, msg)
			a.m.consumed.Inc()
		case ctx.Err() != nil:
			// Shutdown: what was fetched is stored and committed before returning.
			if len(msgs) > 0 {
				b, err := a.analyse(storeCtx, msgs)
				if err != nil {
					a.logger.Warn("shutdown: the last messages were not analysed; they will be consumed again", "err", err)
				} else if err := send(b); err != nil {
					return err
				}
			}
			close(batches)
			if err := <-storeErr; err != nil {
				a.logger.Warn("shutdown: the last batches were not stored; they will be consumed again", "err", err)
			}
			a.logger.Info("analyzer stopped")
			return nil
		case errors.Is(err, context.DeadlineExceeded):
		default:
			a.m.errors.WithLabelValues("fetch").Inc()
			a.logger.Warn("fetching from Kafka failed; retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		if len(msgs) >= a.batch.BatchSize || (len(msgs) > 0 && time.Since(first) >= a.batch.FlushInterval) {
			b, err := a.analyse(ctx, msgs)
			if err != nil {
				if ctx.Err() != nil {
					continue // shutting down: the branch above stores msgs
				}
				return err
			}
			if err := send(b); err != nil {
				return err
			}
			msgs = make([]kafka.Message, 0, len(msgs)) // the sent batch keeps its slice
		}
		if time.Since(lastTick) >= tick {
			lastTick = time.Now()
			a.advance(ctx, lastTick)
			a.m.lag.Set(float64(r.Stats().Lag))
		}
	}
}

// batch is a run of fetched messages, analysed, on its way to ClickHouse.
type batch struct {
	msgs []kafka.Message
	ms   []mention.Mention
	dead []bus.DeadLetter
}

// analyse decodes msgs, drops the mentions already taken (dropDuplicates) and, unless in passthrough, scores
// them and feeds the spike detector. A message that is not a valid mention becomes a dead letter. It fails
// only when ctx ends while ClickHouse cannot be asked about re-deliveries.
func (a *Analyzer) analyse(ctx context.Context, msgs []kafka.Message) (batch, error) {
	type result struct {
		m     mention.Mention
		err   error
		terms []string
	}
	res := make([]result, len(msgs))
	parallel(len(msgs), func(i int) {
		r := &res[i]
		if r.m, r.err = mention.Decode(msgs[i].Value); r.err != nil || a.opts.Passthrough {
			return
		}
		m := &r.m
		text := joinText(m.Title, m.Text)
		s := a.scorer.Score(text, m.Lang, m.Brand)
		m.Sentiment, m.Label, m.Confidence, m.Abusive = s.Score, s.Label.String(), s.Confidence, s.Abusive
		if m.Lang == "" {
			m.Lang = s.Lang
		}
		r.terms = withoutBrand(terms.Extract(text, m.Lang), m)
	})
	b := batch{msgs: msgs, ms: make([]mention.Mention, 0, len(msgs))}
	ts := make([][]string, 0, len(msgs))
	for i, r := range res {
		if r.err != nil {
			msg := msgs[i]
			a.m.deadLetters.WithLabelValues("decode").Inc()
			a.logger.Warn("poison message sent to the dead-letter topic", "partition", msg.Partition, "offset", msg.Offset, "err", r.err)
			b.dead = append(b.dead, bus.DeadLetter{Stage: "analyze", Reason: "decode", Error: r.err.Error(), Topic: msg.Topic,
				Partition: msg.Partition, Offset: msg.Offset, Key: string(msg.Key), Payload: msg.Value})
			continue
		}
		b.ms, ts = append(b.ms, r.m), append(ts, r.terms)
	}
	var err error
	if b.ms, ts, err = a.dropDuplicates(ctx, msgs, b.ms, ts); err != nil {
		return b, err
	}
	if !a.opts.Passthrough {
		for _, m := range b.ms {
			a.m.labels.WithLabelValues(m.Label).Inc()
		}
		a.observe(ctx, b.ms, ts)
	}
	return b, nil
}

// mayRedeliver reports whether msgs may hold mentions already stored, and notes where each partition's
// messages end: a partition whose messages do not start where this analyzer's last fetch of it ended was
// just assigned (start, restart, rebalance), and its previous reader may have stored its last batches
// without committing them. Once a looked-up batch has nothing stored, the re-delivered run is over.
func (a *Analyzer) mayRedeliver(msgs []kafka.Message) bool {
	for _, m := range msgs {
		if next, ok := a.fetched[m.Partition]; !ok || m.Offset != next {
			a.lookUp = true
		}
		a.fetched[m.Partition] = m.Offset + 1
	}
	return a.lookUp
}

// dropDuplicates removes from ms (and ts) the mentions this analyzer took recently (sent twice) and, when
// msgs may be a re-delivery, those ClickHouse already has: the row would be deduplicated, but the spike
// detector and the per-minute rollup would count them twice.
func (a *Analyzer) dropDuplicates(ctx context.Context, msgs []kafka.Message, ms []mention.Mention, ts [][]string) ([]mention.Mention, [][]string, error) {
	var stored map[string]bool
	if a.mayRedeliver(msgs) && len(ms) > 0 {
		err := bus.Retry(ctx, a.logger, "look up re-delivered mentions in ClickHouse", func() error {
			var err error
			if stored, err = a.store.StoredIDs(ctx, ms); err != nil {
				a.m.errors.WithLabelValues("store").Inc()
			}
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		a.lookUp = len(stored) > 0
	}
	keep := 0
	for i, m := range ms {
		if stored[m.ID] || !a.recent.add(m.ID) {
			continue
		}
		ms[keep] = m
		if ts != nil {
			ts[keep] = ts[i]
		}
		keep++
	}
	if dropped := len(ms) - keep; dropped > 0 {
		a.m.duplicates.Add(float64(dropped))
		a.logger.Info("dropped mentions already taken (sent or delivered twice)", "dropped", dropped, "batch", len(ms))
	}
	if ts != nil {
		ts = ts[:keep]
	}
	return ms[:keep], ts, nil
}

// parallel runs f(0) … f(n-1) spread over the cores, and returns when all are done.
func parallel(n int, f func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	chunk := max(1, (n+workers-1)/workers)
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// storeLoop stores the batches in order: mentions into ClickHouse, poison messages to the dead-letter topic,
// then the offsets committed. Each step retries until it succeeds or ctx ends: a batch is never dropped, and
// an offset is never committed before its mention is stored. It logs the rate once a minute.
func (a *Analyzer) storeLoop(ctx context.Context, r *kafka.Reader, batches <-chan batch) error {
	stored, lastReport := 0, time.Now()
	for b := range batches {
		if err := a.store1(ctx, r, b); err != nil {
			return err
		}
		stored += len(b.ms)
		if time.Since(lastReport) >= time.Minute {
			a.logger.Info("analyzer progress", "stored", stored, "rate_per_s", float64(stored)/time.Since(lastReport).Seconds())
			stored, lastReport = 0, time.Now()
		}
	}
	return nil
}

func (a *Analyzer) store1(ctx context.Context, r *kafka.Reader, b batch) error {
	start := time.Now()
	retry := false
	err := bus.Retry(ctx, a.logger, "store batch in ClickHouse", func() error {
		ms := b.ms
		if retry {
			// A failed insert may still have been written: keep only what ClickHouse does not have.
			stored, err := a.store.StoredIDs(ctx, ms)
			if err != nil {
				a.m.errors.WithLabelValues("store").Inc()
				return err
			}
			ms = slices.DeleteFunc(slices.Clone(ms), func(m mention.Mention) bool { return stored[m.ID] })
		}
		retry = true
		err := a.store.InsertMentions(ctx, ms)
		a.mu.Lock()
		a.lastErr = err
		a.mu.Unlock()
		if err != nil {
			a.m.errors.WithLabelValues("store").Inc()
		}
		return err
	})
	if err != nil {
		return err
	}
	a.m.batchSeconds.Observe(time.Since(start).Seconds())
	a.m.stored.Add(float64(len(b.ms)))
	if len(b.dead) > 0 {
		if err := bus.Retry(ctx, a.logger, "send dead letters", func() error { return a.dlq.Send(ctx, b.dead...) }); err != nil {
			return err
		}
	}
	if err := bus.Retry(ctx, a.logger, "commit Kafka offsets", func() error { return r.CommitMessages(ctx, b.msgs...) }); err != nil {
		return err
	}
	now := time.Now()
	for _, m := range b.msgs {
		a.m.storedLatency.Observe(now.Sub(m.Time).Seconds())
	}
	if a.opts.OnStored != nil {
		a.opts.OnStored(b.msgs, now)
	}
	return nil
}

func joinText(title, text string) string {
	switch {
	case title == "":
		return text
	case text == "":
		return title
	}
	return title + ". " + text
}

// observe feeds the spike detector, first seeding each brand it has not seen from ClickHouse rollups, so a
// restarted analyzer, or one that gained a brand's partition, compares against the brand's real history.
func (a *Analyzer) observe(ctx context.Context, ms []mention.Mention, ts [][]string) {
	now := a.now()
	var failed map[string]bool // brands whose seeding failed in this batch: retried with the next one
	for i := range ms {
		m := &ms[i]
		if last, ok := a.lastSeen[m.Brand]; (!ok || now.Sub(last) > reseedAfter) && !failed[m.Brand] {
			if !a.seed(ctx, m.Brand, now) {
				if failed == nil {
					failed = map[string]bool{}
				}
				failed[m.Brand] = true
			}
		}
		if !failed[m.Brand] {
			a.lastSeen[m.Brand] = now
		}
		a.tracker.Observe(spike.Point{
			Brand:    m.Brand,
			Time:     m.Time(),
			Negative: m.Label == "negative",
			Terms:    ts[i],
			Source:   m.Source + ":" + m.SourceName,
			ID:       m.ID,
		})
	}
}

// withoutBrand drops the brand's own name and matched terms (and their hashtag and handle forms): they are in
// every mention of the brand, so they never explain why its conversation changed.
func withoutBrand(ts []string, m *mention.Mention) []string {
	var buf [8]string
	own := append(buf[:0], strings.TrimLeft(terms.Normalize(m.Brand), "#@"))
	for _, name := range m.Matched {
		own = append(own, strings.TrimLeft(terms.Normalize(name), "#@"))
	}
	out := ts[:0]
	for _, t := range ts {
		bare := t
		if t != "" && (t[0] == '#' || t[0] == '@') {
			bare = t[1:]
		}
		if !slices.Contains(own, bare) {
			out = append(out, t)
		}
	}
	return out
}

// reseedAfter is how long a brand may go unseen before its detector is seeded again: meanwhile its partition
// may have been consumed by another analyzer (a rebalance), whose mentions this detector never saw, while the
// rollup in ClickHouse has them all. A quiet brand costs one small query per mention after such a pause.
const reseedAfter = 10 * time.Minute

// seed replaces brand's detector state by the rollup's history; it reports whether it succeeded.
func (a *Analyzer) seed(ctx context.Context, brand string, now time.Time) bool {
	upTo := now.Truncate(time.Minute) // the current minute is still being written: it is observed, not seeded
	rows, err := a.store.MinuteCounts(ctx, brand, now.Add(-a.opts.SeedWindow))
	if err != nil {
		// Without history the detector starts cold, which it handles; the next batch tries again.
		a.m.errors.WithLabelValues("seed").Inc()
		a.logger.Warn("could not seed spike detector from ClickHouse; starting cold", "brand", brand, "err", err)
		return false
	}
	minutes := make([]spike.Minute, 0, len(rows))
	for _, r := range rows {
		if r.Minute.Before(upTo) {
			minutes = append(minutes, spike.Minute{Start: r.Minute, Count: int(r.Count), Negative: int(r.Negative)})
		}
	}
	if err := a.tracker.Seed(brand, minutes); err != nil {
		a.m.errors.WithLabelValues("seed").Inc()
		a.logger.Warn("could not seed spike detector; starting cold", "brand", brand, "err", err)
		return false
	}
	a.logger.Info("spike detector seeded from ClickHouse", "brand", brand, "minutes", len(minutes))
	return true
}

// advance lets the spike detector close minutes and publishes the resulting events.
func (a *Analyzer) advance(ctx context.Context, now time.Time) {
	if a.tracker == nil {
		return
	}
	events := a.tracker.Advance(now)
	if len(events) == 0 {
		return
	}
	rows := make([]store.Spike, len(events))
	msgs := make([]kafka.Message, len(events))
	for i, e := range events {
		rows[i] = store.Spike{ID: e.ID, Brand: e.Brand, Kind: e.Kind, State: e.State, Start: e.Start, At: e.At,
			Observed: e.Observed, Expected: e.Expected, Statistic: e.Statistic, Score: e.Score, Severity: e.Severity,
			NegativeShare: e.NegativeShare, Terms: e.Terms, Sources: e.Sources, SampleIDs: e.SampleIDs}
		b, err := json.Marshal(e)
		if err != nil {
			a.logger.Error("encoding spike event", "err", err)
			continue
		}
		msgs[i] = kafka.Message{Key: []byte(e.Brand), Value: b}
		a.logger.Info("spike "+e.State, "brand", e.Brand, "kind", e.Kind, "severity", e.Severity,
			"observed", e.Observed, "expected", e.Expected, "negative_share", e.NegativeShare, "terms", e.Terms)
	}
	if err := bus.Retry(ctx, a.logger, "publish spike events", func() error { return a.spikesW.WriteMessages(ctx, msgs...) }); err != nil {
		a.m.errors.WithLabelValues("spikes").Inc()
	}
	if err := bus.Retry(ctx, a.logger, "store spike events", func() error { return a.store.InsertSpikes(ctx, rows) }); err != nil {
		a.m.errors.WithLabelValues("spikes").Inc()
	}
}
