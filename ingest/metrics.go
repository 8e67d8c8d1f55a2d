package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	feedsPolled      prometheus.Counter
	itemsFetched     prometheus.Counter
	mentionsProduced *prometheus.CounterVec // brand
	notModified      prometheus.Counter
	fetchErrors      *prometheus.CounterVec // reason
	produceErrors    prometheus.Counter
	recoveries       *prometheus.CounterVec // repair
	deadLetters      *prometheus.CounterVec // reason
	languageDropped  prometheus.Counter
	fetchDuration    prometheus.Histogram
	feeds            prometheus.Gauge
	stateSize        prometheus.Gauge
}

// newMetrics registers the ingest metrics on reg (nil: not registered, for tools and tests).
func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	const ns, sub = "vigie", "ingest"
	return &metrics{
		feedsPolled: f.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "feeds_polled_total",
			Help: "Feed polls attempted."}),
		itemsFetched: f.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "items_fetched_total",
			Help: "Feed items read from fetched feeds, before matching and deduplication."}),
		mentionsProduced: f.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "mentions_produced_total",
			Help: "Mentions acknowledged by Kafka, by brand."}, []string{"brand"}),
		notModified: f.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "not_modified_total",
			Help: "Polls answered 304 Not Modified."}),
		fetchErrors: f.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "fetch_errors_total",
			Help: "Failed polls, by reason: timeout, http_status, too_large, parse, hostile_url, network."}, []string{"reason"}),
		produceErrors: f.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "produce_errors_total",
			Help: "Polls whose mentions Kafka did not acknowledge (they are retried on the next poll)."}),
		recoveries: f.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "feed_recoveries_total",
			Help: "Damaged feeds parsed after a repair, by repair."}, []string{"repair"}),
		deadLetters: f.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "dead_letters_total",
			Help: "Mentions sent to the dead-letter topic, by reason."}, []string{"reason"}),
		languageDropped: f.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "language_filtered_total",
			Help: "Brand matches dropped because the item's language is not one of the brand's languages."}),
		fetchDuration: f.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "fetch_duration_seconds",
			Help: "Time to fetch a feed, body included.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 10)}),
		feeds: f.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "feeds",
			Help: "Feeds polled by this process (configured plus OPML, deduplicated)."}),
		stateSize: f.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "state_entries",
			Help: "Mention ids remembered in the state file."}),
	}
}
