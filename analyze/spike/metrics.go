package spike

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	score    *prometheus.GaugeVec
	severity *prometheus.GaugeVec
	events   *prometheus.CounterVec
	late     prometheus.Counter
	observed prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		score: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigie_spike_score",
			Help: "Highest anomaly score of a brand over the volume, sentiment and terms detectors at the last evaluation (0.5 is the alert threshold).",
		}, []string{"brand"}),
		severity: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vigie_spike_severity",
			Help: "Severity of a brand's open episode per kind: 0 none, 1 warning, 2 major, 3 critical.",
		}, []string{"brand", "kind"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_spike_events_total",
			Help: "Spike events emitted, by kind and state.",
		}, []string{"kind", "state"}),
		late: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigie_spike_late_points_dropped_total",
			Help: "Mentions that arrived after every detection window covering their minute had passed; they are stored but not scored.",
		}),
		observed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigie_spike_points_total",
			Help: "Mentions observed by the spike tracker.",
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.score, m.severity, m.events, m.late, m.observed} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("spike: register metrics: %w", err)
			}
		}
	}
	return m, nil
}
