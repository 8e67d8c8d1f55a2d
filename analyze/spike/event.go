package spike

import (
	"time"
)

// Kinds of episodes.
const (
	KindVolume    = "volume"    // the brand's mention volume is far above its seasonal baseline
	KindSentiment = "sentiment" // the brand's negative share is far above its usual share
	KindTerms     = "terms"     // terms are bursting in the brand's mentions
)

// States of an episode's events.
const (
	StateOpen    = "open"
	StateUpdate  = "update"
	StateResolve = "resolve"
)

// Event reports that an episode opened, changed or resolved. Its JSON form is the message of the Kafka
// topic vigie.spikes (key: Brand) and maps one to one onto the ClickHouse spikes table.
type Event struct {
	// ID is stable across the events of one episode: brand/kind/start, start in UTC to the minute.
	ID    string    `json:"id"`
	Brand string    `json:"brand"`
	Kind  string    `json:"kind"`
	State string    `json:"state"`
	Start time.Time `json:"start"` // onset: start of the window that first crossed the threshold
	At    time.Time `json:"at"`    // when this event was decided (the time passed to Advance)
	// Observed and Expected are counts over Window: mentions for volume, negative mentions for sentiment,
	// mentions of the top term for terms. Statistic is the test statistic (a z-score) on that window.
	Observed      float64 `json:"observed"`
	Expected      float64 `json:"expected"`
	Statistic     float64 `json:"statistic"`
	Score         float64 `json:"score"` // anomaly score in [0,1], 0.5 at the opening threshold
	WindowSeconds float64 `json:"window_seconds"`
	Severity      string  `json:"severity"` // warning, major or critical; it only rises within an episode
	// NegativeShare is the share of negative mentions over the window.
	NegativeShare float64  `json:"negative_share"`
	Terms         []string `json:"terms"`      // top bursting terms, most bursting first
	Sources       []string `json:"sources"`    // top sources over the window, most frequent first
	SampleIDs     []string `json:"sample_ids"` // newest mention ids of the window (negative ones for sentiment)
}

func episodeID(brand, kind string, start time.Time) string {
	return brand + "/" + kind + "/" + start.UTC().Format("2006-01-02T15:04Z")
}
