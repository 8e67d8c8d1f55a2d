package analyze

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

type metrics struct {
	consumed      prometheus.Counter
	stored        prometheus.Counter
	deadLetters   *prometheus.CounterVec
	errors        *prometheus.CounterVec
	labels        *prometheus.CounterVec
	lag           prometheus.Gauge
	batchSeconds  prometheus.Histogram
	storedLatency prometheus.Histogram
	duplicates    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	f := promauto.With(reg)
	return &metrics{
		consumed: f.NewCounter(prometheus.CounterOpts{Name: "vigie_analyze_messages_consumed_total",
			Help: "Messages fetched from the mentions topic."}),
		stored: f.NewCounter(prometheus.CounterOpts{Name: "vigie_analyze_mentions_stored_total",
			Help: "Mentions inserted into ClickHouse (rows acknowledged)."}),
		deadLetters: f.NewCounterVec(prometheus.CounterOpts{Name: "vigie_analyze_dead_letters_total",
			Help: "Messages sent to the dead-letter topic, by reason."}, []string{"reason"}),
		errors: f.NewCounterVec(prometheus.CounterOpts{Name: "vigie_analyze_errors_total",
			Help: "Failed attempts, by stage (fetch, store, commit, seed, spikes); each is retried."}, []string{"stage"}),
		labels: f.NewCounterVec(prometheus.CounterOpts{Name: "vigie_analyze_mentions_scored_total",
			Help: "Mentions scored, by sentiment label."}, []string{"label"}),
		lag: f.NewGauge(prometheus.GaugeOpts{Name: "vigie_analyze_consumer_lag",
			Help: "Messages behind the end of the mentions topic, for the partitions this analyzer reads."}),
		batchSeconds: f.NewHistogram(prometheus.HistogramOpts{Name: "vigie_analyze_batch_insert_seconds",
			Help: "Time to insert one batch into ClickHouse, retries included.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		storedLatency: f.NewHistogram(prometheus.HistogramOpts{Name: "vigie_analyze_stored_latency_seconds",
			Help: "From a mention's arrival in Kafka to its batch being stored and committed.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		duplicates: f.NewCounter(prometheus.CounterOpts{Name: "vigie_analyze_duplicates_dropped_total",
			Help: "Mentions dropped because this analyzer took them recently or ClickHouse already had them (sent twice, re-delivered after a restart or a rebalance)."}),
	}
}
