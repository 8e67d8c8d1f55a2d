package spike

import (
	"errors"
	"flag"
	"fmt"
	"time"
)

// Config tunes the detectors. DefaultConfig is what the analyzer and `vigie spikes backtest` use; the
// evaluation in docs/BENCHMARKS.md was measured with it. Durations are wall-clock time: a detector fed a
// series with another step (the backtest) converts them to steps.
type Config struct {
	// TimeZone is the zone whose wall clock carries the daily and weekly seasonality of the audience.
	TimeZone string `yaml:"time_zone"`

	// Windows are the lengths over which observed and expected counts are compared; the shortest catch
	// sudden bursts, the longest slow-building crises.
	Windows []time.Duration `yaml:"windows"`
	// LevelHalfLife is how fast the de-seasonalised level follows a change (benign level shifts, growth).
	LevelHalfLife time.Duration `yaml:"level_half_life"`
	// DailyHalfLife and WeeklyHalfLife are the memories of the hour-of-day and day-of-week profiles.
	DailyHalfLife  time.Duration `yaml:"daily_half_life"`
	WeeklyHalfLife time.Duration `yaml:"weekly_half_life"`
	// ColdHalfLife is the memory of the plain moving level used until a full day of history exists.
	ColdHalfLife time.Duration `yaml:"cold_half_life"`
	// MinHistory is how much history a series needs before it may alert at all.
	MinHistory time.Duration `yaml:"min_history"`
	// Overdispersion is the relative uncertainty of the expected count (model error, bursty sources)
	// added to the Poisson variance; ColdOverdispersion replaces it while the seasonal profile is not learned.
	Overdispersion     float64 `yaml:"overdispersion"`
	ColdOverdispersion float64 `yaml:"cold_overdispersion"`
	// ClipZ winsorises what the baseline learns from a step at expected ± ClipZ standard deviations, so one
	// outlier or a spike does not drag the baseline; OpenLearn scales learning while an alert is open.
	ClipZ     float64 `yaml:"clip_z"`
	OpenLearn float64 `yaml:"open_learn"`

	// An alert opens when, on one window, the Anscombe z-score reaches OpenZ, observed/expected reaches
	// OpenRatio and the observed count reaches MinCount (the volume floor).
	OpenZ     float64 `yaml:"open_z"`
	OpenRatio float64 `yaml:"open_ratio"`
	MinCount  float64 `yaml:"min_count"`
	// It resolves after Hold with, on every window up to CloseWindow, z below CloseZ or ratio below CloseRatio.
	CloseZ      float64       `yaml:"close_z"`
	CloseRatio  float64       `yaml:"close_ratio"`
	CloseWindow time.Duration `yaml:"close_window"`
	Hold        time.Duration `yaml:"hold"`
	// Severity: observed/expected at or above MajorRatio is major, at or above CriticalRatio critical.
	MajorRatio    float64 `yaml:"major_ratio"`
	CriticalRatio float64 `yaml:"critical_ratio"`

	// UpdateEvery is how often an open episode publishes an update event with fresh figures.
	UpdateEvery time.Duration `yaml:"update_every"`
	// Grace is how long after its end a minute stays open to mentions before it is scored as closed.
	Grace time.Duration `yaml:"grace"`
	// SampleIDs is how many mention ids an event carries; TopSources how many sources.
	SampleIDs  int `yaml:"sample_ids"`
	TopSources int `yaml:"top_sources"`

	Sentiment SentimentConfig `yaml:"sentiment"`
	Terms     TermsConfig     `yaml:"terms"`
}

// SentimentConfig tunes the negative-share detector.
type SentimentConfig struct {
	Windows []time.Duration `yaml:"windows"`
	// HalfLife is the memory of the brand's usual negative share.
	HalfLife time.Duration `yaml:"half_life"`
	// MinHistory is the number of mentions (decayed) the usual share must rest on before alerting.
	MinHistory float64 `yaml:"min_history"`
	// Opens when the negative share exceeds the usual one by MinDelta (absolute), with z ≥ OpenZ and at
	// least MinCount negative mentions in the window.
	OpenZ    float64 `yaml:"open_z"`
	MinDelta float64 `yaml:"min_delta"`
	MinCount float64 `yaml:"min_count"`
}

// TermsConfig tunes the emerging-term detector.
type TermsConfig struct {
	Window   time.Duration `yaml:"window"`
	HalfLife time.Duration `yaml:"half_life"`
	// MinHistory is how long terms must have been counted before any may be said to burst.
	MinHistory time.Duration `yaml:"min_history"`
	// A term bursts when it appears in at least MinCount mentions of the window, in at least MinShare of
	// them, MinLift times more often than usual, with z ≥ OpenZ.
	OpenZ    float64 `yaml:"open_z"`
	MinCount float64 `yaml:"min_count"`
	MinShare float64 `yaml:"min_share"`
	MinLift  float64 `yaml:"min_lift"`
	// MaxTracked bounds the terms remembered per brand; Top is how many terms an event carries.
	MaxTracked int `yaml:"max_tracked"`
	Top        int `yaml:"top"`
}

// DefaultConfig returns the configuration the service runs with.
func DefaultConfig() Config {
	return Config{
		TimeZone:           "UTC",
		Windows:            []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute},
		LevelHalfLife:      3 * time.Hour,
		DailyHalfLife:      7 * 24 * time.Hour,
		WeeklyHalfLife:     21 * 24 * time.Hour,
		ColdHalfLife:       30 * time.Minute,
		MinHistory:         time.Hour,
		Overdispersion:     0.1,
		ColdOverdispersion: 0.35,
		ClipZ:              4,
		OpenLearn:          0.1,
		OpenZ:              5,
		OpenRatio:          2,
		MinCount:           10,
		CloseZ:             2,
		CloseRatio:         1.5,
		CloseWindow:        10 * time.Minute,
		Hold:               15 * time.Minute,
		MajorRatio:         4,
		CriticalRatio:      10,
		UpdateEvery:        5 * time.Minute,
		Grace:              10 * time.Second,
		SampleIDs:          10,
		TopSources:         5,
		Sentiment: SentimentConfig{
			Windows:    []time.Duration{10 * time.Minute, 30 * time.Minute, 60 * time.Minute},
			HalfLife:   24 * time.Hour,
			MinHistory: 100,
			OpenZ:      5,
			MinDelta:   0.2,
			MinCount:   10,
		},
		Terms: TermsConfig{
			Window:     30 * time.Minute,
			HalfLife:   24 * time.Hour,
			MinHistory: 2 * time.Hour,
			OpenZ:      5,
			MinCount:   8,
			MinShare:   0.1,
			MinLift:    4,
			MaxTracked: 5000,
			Top:        10,
		},
	}
}

// RegisterFlags binds the scalar settings to flags named prefix+name; windows are set in YAML.
func (c *Config) RegisterFlags(prefix string, fs *flag.FlagSet) {
	fs.StringVar(&c.TimeZone, prefix+"time-zone", c.TimeZone, "time zone of the daily and weekly seasonality")
	fs.DurationVar(&c.LevelHalfLife, prefix+"level-half-life", c.LevelHalfLife, "how fast the baseline level follows a change")
	fs.DurationVar(&c.MinHistory, prefix+"min-history", c.MinHistory, "history needed before a series may alert")
	fs.Float64Var(&c.OpenZ, prefix+"open-z", c.OpenZ, "z-score an alert needs to open")
	fs.Float64Var(&c.OpenRatio, prefix+"open-ratio", c.OpenRatio, "observed/expected ratio an alert needs to open")
	fs.Float64Var(&c.MinCount, prefix+"min-count", c.MinCount, "mentions a window needs before it may alert (volume floor)")
	fs.DurationVar(&c.Hold, prefix+"hold", c.Hold, "calm time before an alert resolves")
	fs.DurationVar(&c.Grace, prefix+"grace", c.Grace, "how long a minute waits for mentions before it is closed")
}

// Validate reports the first setting that cannot work, naming it as in YAML.
func (c *Config) Validate() error {
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return fmt.Errorf("spike: time_zone: %w", err)
	}
	if err := validWindows("windows", c.Windows); err != nil {
		return err
	}
	if err := validWindows("sentiment.windows", c.Sentiment.Windows); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"level_half_life", c.LevelHalfLife}, {"daily_half_life", c.DailyHalfLife}, {"weekly_half_life", c.WeeklyHalfLife},
		{"cold_half_life", c.ColdHalfLife}, {"hold", c.Hold}, {"close_window", c.CloseWindow}, {"update_every", c.UpdateEvery},
		{"sentiment.half_life", c.Sentiment.HalfLife}, {"terms.window", c.Terms.Window}, {"terms.half_life", c.Terms.HalfLife}} {
		if d.v <= 0 {
			return fmt.Errorf("spike: %s must be positive, got %s", d.name, d.v)
		}
	}
	if c.MinHistory < 0 || c.Grace < 0 {
		return errors.New("spike: min_history and grace must not be negative")
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"open_z", c.OpenZ}, {"open_ratio", c.OpenRatio}, {"min_count", c.MinCount}, {"close_ratio", c.CloseRatio},
		{"clip_z", c.ClipZ}, {"major_ratio", c.MajorRatio}, {"critical_ratio", c.CriticalRatio},
		{"sentiment.open_z", c.Sentiment.OpenZ}, {"sentiment.min_delta", c.Sentiment.MinDelta}, {"sentiment.min_count", c.Sentiment.MinCount},
		{"terms.open_z", c.Terms.OpenZ}, {"terms.min_count", c.Terms.MinCount}, {"terms.min_share", c.Terms.MinShare}, {"terms.min_lift", c.Terms.MinLift}} {
		if !(p.v > 0) {
			return fmt.Errorf("spike: %s must be positive, got %v", p.name, p.v)
		}
	}
	if c.OpenRatio <= 1 || c.CloseRatio > c.OpenRatio || c.CloseZ > c.OpenZ {
		return fmt.Errorf("spike: need 1 < open_ratio, close_ratio ≤ open_ratio and close_z ≤ open_z (hysteresis), got open_ratio %v close_ratio %v open_z %v close_z %v",
			c.OpenRatio, c.CloseRatio, c.OpenZ, c.CloseZ)
	}
	if c.Overdispersion < 0 || c.ColdOverdispersion < 0 || c.OpenLearn < 0 || c.OpenLearn > 1 {
		return errors.New("spike: overdispersion must not be negative and open_learn must be in [0,1]")
	}
	if c.SampleIDs < 0 || c.TopSources < 0 || c.Terms.MaxTracked <= 0 || c.Terms.Top < 0 {
		return errors.New("spike: sample_ids, top_sources and terms.top must not be negative, terms.max_tracked must be positive")
	}
	return nil
}

func validWindows(name string, ws []time.Duration) error {
	if len(ws) == 0 {
		return fmt.Errorf("spike: %s: need at least one window", name)
	}
	for i, w := range ws {
		if w <= 0 || (i > 0 && w <= ws[i-1]) {
			return fmt.Errorf("spike: %s[%d]: windows must be positive and increasing, got %s", name, i, w)
		}
	}
	return nil
}
