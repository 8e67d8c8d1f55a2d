// Package ingest is Vigie's ingest role: it polls the configured feeds, turns their items into mentions of
// the configured brands, and produces them to Kafka (topic config.Kafka.MentionsTopic, keyed by brand).
//
//	ing, err := ingest.New(cfg, logger, prometheus.DefaultRegisterer) // reads OPML files and the state file
//	err = ing.Run(ctx) // until ctx ends; then drains in-flight produces and returns nil
//
// Each feed is polled on its own schedule (config.Feed.Interval, else config.Ingest.PollInterval) with a
// conditional GET. A failing feed backs off exponentially with jitter up to config.Ingest.MaxBackoff, and
// never comes back before the Retry-After of a 429 or 503. A mention is remembered in the state file
// (config.Ingest.StateFile) only once Kafka acknowledged it, so a crash may resend (the store deduplicates
// by mention id) but never loses one.
package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/bus"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/ingest/feed"
	"github.com/vigie-oss/vigie/ingest/match"
	"github.com/vigie-oss/vigie/mention"
)

// Retention is how long a mention id is remembered after its item was last seen in a feed.
const Retention = 30 * 24 * time.Hour

// maxConcurrentFetches bounds the feeds fetched and parsed at once.
const maxConcurrentFetches = 8

// drainTimeout bounds how long a produce started before shutdown may take to be acknowledged.
const drainTimeout = 30 * time.Second

// rateEvery is the period of the rate log line.
const rateEvery = time.Minute

type messageWriter interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
	Close() error
}

type deadLetterWriter interface {
	Send(ctx context.Context, letters ...bus.DeadLetter) error
	Close() error
}

// Ingester polls feeds and produces mentions. Build it with New; Run it once.
type Ingester struct {
	cfg     *config.Config
	logger  *slog.Logger
	feeds   []config.Feed
	brands  map[string]config.Brand
	matcher *match.Matcher
	fetcher *feed.Fetcher
	state   *state
	metrics *metrics

	// Set by Run, or by tests before it.
	ensureTopics func(context.Context) error
	writer       messageWriter
	dlq          deadLetterWriter
	jitter       func() float64 // in [0, 1)
	now          func() time.Time

	fetched, produced atomic.Int64          // since the last rate line
	produceErr        atomic.Pointer[error] // of the last produce, nil when it succeeded
}

// New builds the ingest role from cfg: the configured feeds plus those of the OPML files (deduplicated by
// URL), the brand matcher, and the state file. Metrics are registered on reg (nil: none).
func New(cfg *config.Config, logger *slog.Logger, reg prometheus.Registerer) (*Ingester, error) {
	feeds := [][]config.Feed{cfg.Sources.Feeds}
	for _, p := range cfg.Sources.OPML {
		path := cfg.Resolve(p)
		opml, skipped, err := feed.LoadOPML(path)
		if err != nil {
			return nil, fmt.Errorf("ingest: sources.opml: %w", err)
		}
		for _, err := range skipped {
			logger.Warn("ingest: OPML outline skipped", "file", path, "err", err)
		}
		feeds = append(feeds, opml)
	}
	matcher, err := match.New(cfg.Brands)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	st, err := loadState(cfg.Resolve(cfg.Ingest.StateFile), Retention)
	if err != nil {
		return nil, err
	}
	in := &Ingester{
		cfg:     cfg,
		logger:  logger,
		feeds:   feed.MergeFeeds(feeds...),
		brands:  map[string]config.Brand{},
		matcher: matcher,
		fetcher: feed.NewFetcher(cfg.Ingest),
		state:   st,
		metrics: newMetrics(reg),
		jitter:  rand.Float64,
		now:     time.Now,
	}
	for _, b := range cfg.Brands {
		in.brands[b.Name] = b
	}
	urls := map[string]bool{}
	for _, f := range in.feeds {
		urls[f.URL] = true
	}
	st.keepFeeds(urls)
	in.ensureTopics = func(ctx context.Context) error { return bus.EnsureTopics(ctx, cfg.Kafka, logger) }
	in.metrics.feeds.Set(float64(len(in.feeds)))
	in.metrics.stateSize.Set(float64(st.len()))
	return in, nil
}

// Healthy returns the error of the last produce to Kafka, or nil when it succeeded (for /healthz): a feed
// that fails is the feed's problem, Kafka refusing mentions is this process's.
func (in *Ingester) Healthy() error {
	if err := in.produceErr.Load(); err != nil {
		return *err
	}
	return nil
}

// Feeds returns the feeds the ingester polls: the configured ones, then those added by OPML.
func (in *Ingester) Feeds() []config.Feed { return slices.Clone(in.feeds) }

// Run creates the Kafka topics when missing (waiting for Kafka), then polls every feed on its schedule and
// produces the mentions until ctx ends. It then waits for the produces in flight (up to 30 s), saves the
// state and returns nil. It returns an error only when it cannot start.
func (in *Ingester) Run(ctx context.Context) error {
	if err := in.ensureTopics(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("ingest: %w", err)
	}
	if in.writer == nil {
		in.writer = bus.NewWriter(in.cfg.Kafka, in.cfg.Kafka.MentionsTopic)
	}
	if in.dlq == nil {
		in.dlq = bus.NewDeadLetters(in.cfg.Kafka)
	}
	defer in.fetcher.CloseIdleConnections()
	if len(in.feeds) == 0 {
		in.logger.Warn("ingest: no feeds configured (sources.feeds, sources.opml); nothing to poll")
	}
	if len(in.brands) == 0 {
		in.logger.Warn("ingest: no brands configured; feeds are polled but no item can match")
	}
	in.logger.Info("ingest: started", "feeds", len(in.feeds), "brands", len(in.brands), "topic", in.cfg.Kafka.MentionsTopic, "remembered", in.state.len())

	sem := make(chan struct{}, maxConcurrentFetches)
	var wg sync.WaitGroup
	for _, f := range in.feeds {
		wg.Go(func() { in.pollLoop(ctx, f, sem) })
	}
	wg.Go(func() { in.logRate(ctx) })
	wg.Wait()

	var errs []error
	if err := in.state.save(in.now()); err != nil {
		errs = append(errs, err)
	}
	if err := in.writer.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close Kafka writer: %w", err))
	}
	if err := in.dlq.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close dead-letter writer: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		in.logger.Error("ingest: shutdown", "err", err)
	}
	in.logger.Info("ingest: stopped", "remembered", in.state.len())
	return nil
}

// poller is one feed and what its polls learnt.
type poller struct {
	feed       config.Feed
	interval   time.Duration
	validators feed.Validators
	failures   int
}

func (in *Ingester) newPoller(f config.Feed) *poller {
	p := &poller{feed: f, interval: f.Interval, validators: in.state.validators(f.URL)}
	if p.interval <= 0 {
		p.interval = in.cfg.Ingest.PollInterval
	}
	return p
}

func (in *Ingester) pollLoop(ctx context.Context, f config.Feed, sem chan struct{}) {
	p := in.newPoller(f)
	// Spread the first polls so a restart does not hit every feed at the same instant.
	wait := time.Duration(in.jitter() * float64(min(p.interval, 10*time.Second)))
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		select {
		case <-ctx.Done():
			return
		case sem <- struct{}{}:
		}
		wait = in.poll(ctx, p)
		<-sem
	}
}

// poll fetches p's feed once, produces its new mentions and returns the wait before the next poll.
func (in *Ingester) poll(ctx context.Context, p *poller) time.Duration {
	in.metrics.feedsPolled.Inc()
	start := time.Now()
	resp, err := in.fetcher.Fetch(ctx, p.feed.URL, p.validators)
	in.metrics.fetchDuration.Observe(time.Since(start).Seconds())
	if err != nil {
		return in.failed(ctx, p, err)
	}
	if resp.NotModified {
		in.metrics.notModified.Inc()
		p.failures = 0
		return in.next(p)
	}
	parsed, err := feed.Parse(bytes.NewReader(resp.Body), resp.URL)
	if err != nil {
		return in.failed(ctx, p, &feed.Error{URL: p.feed.URL, Reason: feed.ReasonParse, Err: err})
	}
	for _, r := range parsed.Repairs {
		in.metrics.recoveries.WithLabelValues(r).Inc()
	}
	if len(parsed.Repairs) > 0 {
		in.logger.Debug("ingest: damaged feed recovered", "feed", p.feed.URL, "repairs", parsed.Repairs)
	}
	in.metrics.itemsFetched.Add(float64(len(parsed.Items)))
	in.fetched.Add(int64(len(parsed.Items)))

	fetched := in.now()
	mentions := in.mentions(parsed, p.feed, fetched)
	// A produce started is finished even when shutdown begins meanwhile: that is the drain.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	err = in.produce(pctx, mentions)
	cancel()
	if err != nil {
		in.produceErr.Store(&err)
		in.metrics.produceErrors.Inc()
		in.logger.Error("ingest: mentions not produced; the next poll retries them", "feed", p.feed.URL, "mentions", len(mentions), "err", err)
		// The validators are not kept, so the next poll gets the whole feed again.
		return in.next(p)
	}
	in.produceErr.Store(nil)
	in.state.setValidators(p.feed.URL, resp.Validators) // saved with this response's mentions
	if err := in.state.save(fetched); err != nil {
		in.logger.Error("ingest: state not saved", "err", err)
	}
	in.metrics.stateSize.Set(float64(in.state.len()))
	p.validators = resp.Validators
	p.failures = 0
	return in.next(p)
}

func (in *Ingester) failed(ctx context.Context, p *poller, err error) time.Duration {
	if ctx.Err() != nil {
		return 0
	}
	p.failures++
	var retryAfter time.Duration
	if fe := (*feed.Error)(nil); errors.As(err, &fe) {
		retryAfter = fe.RetryAfter
	}
	wait := backoff(p.failures, p.interval, in.cfg.Ingest.MaxBackoff, retryAfter, in.jitter())
	reason := feed.Reason(err)
	in.metrics.fetchErrors.WithLabelValues(reason).Inc()
	in.logger.Warn("ingest: poll failed", "feed", p.feed.URL, "reason", reason, "err", err, "failures", p.failures, "retry_in", wait.Round(time.Second))
	return wait
}

// next is the wait after a successful poll: the interval, ±10 % so feeds added together drift apart.
func (in *Ingester) next(p *poller) time.Duration {
	return time.Duration(float64(p.interval) * (0.9 + 0.2*in.jitter()))
}

// maxRetryAfter bounds a server's Retry-After, which could otherwise park a feed for ever.
const maxRetryAfter = 24 * time.Hour

// backoff is the wait after the failures-th consecutive failure: the interval doubled per failure, capped by
// maxBackoff (the interval when maxBackoff is shorter), minus up to 20 % jitter, and never less than the
// server's Retry-After (itself at most a day).
func backoff(failures int, interval, maxBackoff, retryAfter time.Duration, jitter float64) time.Duration {
	limit := max(maxBackoff, interval)
	d := interval
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	d -= time.Duration(0.2 * jitter * float64(d))
	return max(d, min(retryAfter, maxRetryAfter))
}

// mentions matches the items of a feed to the brands and returns the mentions not sent yet.
func (in *Ingester) mentions(parsed *feed.Parsed, f config.Feed, fetched time.Time) []mention.Mention {
	var out []mention.Mention
	for _, it := range parsed.Items {
		if f.Name != "" {
			it.SourceName = f.Name
		}
		for _, m := range in.matcher.Match(it.Title + "\n" + it.Text) {
			if langs := in.brands[m.Brand].Languages; it.Lang != "" && len(langs) > 0 && !slices.Contains(langs, it.Lang) {
				in.metrics.languageDropped.Inc()
				continue
			}
			out = append(out, it.Mention(m.Brand, m.Terms, fetched))
		}
	}
	ids := make([]string, len(out))
	for i, m := range out {
		ids[i] = m.ID
	}
	unseen := map[string]bool{}
	for _, id := range in.state.unseen(ids, fetched) {
		unseen[id] = true
	}
	return slices.DeleteFunc(out, func(m mention.Mention) bool {
		keep := unseen[m.ID]
		unseen[m.ID] = false // an item listed twice in one feed is sent once
		return !keep
	})
}

// produce sends the mentions to Kafka keyed by brand, and those that cannot be encoded to the dead-letter
// topic. Each is remembered as sent only once Kafka acknowledged it.
func (in *Ingester) produce(ctx context.Context, mentions []mention.Mention) error {
	if len(mentions) == 0 {
		return nil
	}
	var msgs []kafka.Message
	var sent []string
	var letters []bus.DeadLetter
	var dead []string
	for _, m := range mentions {
		b, err := mention.Encode(m)
		if err != nil {
			payload, _ := json.Marshal(m)
			letters = append(letters, bus.DeadLetter{Stage: "ingest", Reason: "encode", Error: err.Error(),
				Topic: in.cfg.Kafka.MentionsTopic, Key: m.Brand, Payload: payload, Time: in.now().UTC()})
			dead = append(dead, m.ID)
			continue
		}
		msgs = append(msgs, kafka.Message{Key: []byte(m.Brand), Value: b})
		sent = append(sent, m.ID)
	}
	if len(msgs) > 0 {
		if err := in.writer.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("write %d mentions to %s: %w", len(msgs), in.cfg.Kafka.MentionsTopic, err)
		}
		in.state.mark(sent, in.now())
		for _, msg := range msgs {
			in.metrics.mentionsProduced.WithLabelValues(string(msg.Key)).Inc()
		}
		in.produced.Add(int64(len(msgs)))
	}
	if len(letters) > 0 {
		if err := in.dlq.Send(ctx, letters...); err != nil {
			return err
		}
		in.state.mark(dead, in.now())
		in.metrics.deadLetters.WithLabelValues("encode").Add(float64(len(letters)))
		in.logger.Warn("ingest: mentions sent to the dead-letter topic", "count", len(letters), "first_error", letters[0].Error)
	}
	return nil
}

func (in *Ingester) logRate(ctx context.Context) {
	t := time.NewTicker(rateEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			in.logger.Info("ingest: rate", "items_fetched_per_min", in.fetched.Swap(0), "mentions_produced_per_min", in.produced.Swap(0),
				"feeds", len(in.feeds), "remembered", in.state.len())
		}
	}
}
