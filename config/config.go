// Package config is Vigie's configuration: one YAML file (brands, sources, Kafka, ClickHouse, …) whose
// values the command-line flags can override. Flags and YAML fill the same structs.
//
// Loading rejects unknown keys, wrong types and impossible values, naming the file, the line and the field:
//
//	vigie.yaml:14: brands[2].name: is empty; every brand needs a name
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Config is the root configuration.
type Config struct {
	Brands     []Brand    `yaml:"brands"`
	Sources    Sources    `yaml:"sources"`
	Ingest     Ingest     `yaml:"ingest"`
	Kafka      Kafka      `yaml:"kafka"`
	ClickHouse ClickHouse `yaml:"clickhouse"`
	Analyze    Analyze    `yaml:"analyze"`
	Server     Server     `yaml:"server"`

	// File is the path the configuration was read from ("" when built from flags only). Relative paths in
	// the file (OPML, state) are relative to its folder.
	File string `yaml:"-"`
}

// Brand is one watched brand and what counts as a mention of it.
type Brand struct {
	Name string `yaml:"name"`
	// Aliases are other names of the brand: "Orange SA", "@orange", "#orange".
	Aliases []string `yaml:"aliases"`
	// Keywords are words or phrases that are about the brand without naming it (products, slogans).
	Keywords []string `yaml:"keywords"`
	// Exclude drops an item that contains any of these words or phrases ("jus d'orange").
	Exclude []string `yaml:"exclude"`
	// Competitors names the group of brands compared in share-of-voice ("telecom-fr").
	Competitors string `yaml:"competitors"`
	// Languages keeps only items in these languages (ISO 639-1); empty keeps all.
	Languages []string `yaml:"languages"`
}

// Terms returns every word or phrase that makes an item a mention of b: its name, aliases and keywords.
func (b Brand) Terms() []string {
	out := make([]string, 0, 1+len(b.Aliases)+len(b.Keywords))
	out = append(out, b.Name)
	out = append(out, b.Aliases...)
	return append(out, b.Keywords...)
}

// Sources lists where mentions come from.
type Sources struct {
	Feeds []Feed `yaml:"feeds"`
	// OPML files whose feed outlines are added to Feeds.
	OPML []string `yaml:"opml"`
}

// Feed is one RSS, Atom or JSON Feed.
type Feed struct {
	URL  string `yaml:"url"`
	Name string `yaml:"name"`
	// Interval between polls; 0 uses ingest.poll_interval.
	Interval time.Duration `yaml:"interval"`
}

// Ingest tunes fetching.
type Ingest struct {
	PollInterval time.Duration `yaml:"poll_interval"`
	Timeout      time.Duration `yaml:"timeout"`
	MaxBodyBytes int64         `yaml:"max_body_bytes"`
	MaxBackoff   time.Duration `yaml:"max_backoff"`
	UserAgent    string        `yaml:"user_agent"`
	// StateFile remembers what was already sent, so a restart does not send it again.
	StateFile string `yaml:"state_file"`
	// AllowPrivateAddresses lets ingest connect to loopback, private and link-local addresses. Off by
	// default: a feed, or a redirect from one, must not make Vigie read the inside of its own network
	// (cloud metadata, admin pages) and publish it as mentions. Turn it on for feeds on an intranet.
	AllowPrivateAddresses bool `yaml:"allow_private_addresses"`
}

// Kafka says where the topics are.
type Kafka struct {
	Brokers       []string `yaml:"brokers"`
	MentionsTopic string   `yaml:"mentions_topic"`
	SpikesTopic   string   `yaml:"spikes_topic"`
	DLQTopic      string   `yaml:"dlq_topic"`
	Group         string   `yaml:"group"`
	// Partitions and ReplicationFactor of the topics Vigie creates when they do not exist.
	Partitions        int `yaml:"partitions"`
	ReplicationFactor int `yaml:"replication_factor"`
}

// ClickHouse says where mentions are stored.
type ClickHouse struct {
	Addr        string        `yaml:"addr"`
	Database    string        `yaml:"database"`
	Username    string        `yaml:"username"`
	Password    string        `yaml:"password"`
	DialTimeout time.Duration `yaml:"dial_timeout"`
}

// Analyze tunes the analyzer.
type Analyze struct {
	// BatchSize is the most mentions inserted into ClickHouse at once.
	BatchSize int `yaml:"batch_size"`
	// FlushInterval is the longest a consumed mention waits before its batch is inserted.
	FlushInterval time.Duration `yaml:"flush_interval"`
}

// Server is the HTTP listener for /metrics and /healthz.
type Server struct {
	Listen string `yaml:"listen"`
}

// Default returns the configuration of the local default stack (deploy/local).
func Default() Config {
	return Config{
		Ingest: Ingest{
			PollInterval: 5 * time.Minute,
			Timeout:      20 * time.Second,
			MaxBodyBytes: 10 << 20,
			MaxBackoff:   time.Hour,
			UserAgent:    "Vigie/1.0 (+https://github.com/vigie-oss/vigie; social listening)",
			StateFile:    "vigie-ingest-state.json",
		},
		Kafka: Kafka{
			Brokers:           []string{"127.0.0.1:9092"},
			MentionsTopic:     "vigie.mentions",
			SpikesTopic:       "vigie.spikes",
			DLQTopic:          "vigie.dlq",
			Group:             "vigie-analyzer",
			Partitions:        6,
			ReplicationFactor: 1,
		},
		ClickHouse: ClickHouse{
			Addr:        "127.0.0.1:9000",
			Database:    "vigie",
			Username:    "default",
			DialTimeout: 5 * time.Second,
		},
		Analyze: Analyze{BatchSize: 10000, FlushInterval: time.Second},
		Server:  Server{Listen: "127.0.0.1:9464"},
	}
}

// RegisterFlags binds the flags that override the file, with the current values as defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.Func("kafka.brokers", "comma-separated Kafka bootstrap brokers (default "+strings.Join(c.Kafka.Brokers, ",")+")", func(s string) error {
		c.Kafka.Brokers = splitList(s)
		return nil
	})
	fs.StringVar(&c.ClickHouse.Addr, "clickhouse.addr", c.ClickHouse.Addr, "ClickHouse native protocol address")
	fs.StringVar(&c.ClickHouse.Database, "clickhouse.database", c.ClickHouse.Database, "ClickHouse database")
	fs.StringVar(&c.Server.Listen, "listen", c.Server.Listen, "address of the /metrics and /healthz HTTP server (empty: none)")
	fs.StringVar(&c.Ingest.StateFile, "ingest.state-file", c.Ingest.StateFile, "file that remembers what ingest already sent")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Parse reads -config FILE from args (when given), loads it over the defaults, then applies the other flags
// of fs (registered by the caller, plus those of RegisterFlags) over the file. The returned error is ready to
// print; flag.ErrHelp is returned as is.
func Parse(fs *flag.FlagSet, args []string) (*Config, error) {
	cfg := Default()
	path := ""
	fs.StringVar(&path, "config", "", "YAML configuration file (see examples/vigie.yaml)")
	// The file must be read before the other flags are bound, so flags given on the command line win.
	if p, ok := findFlag(args, "config"); ok {
		loaded, err := Load(p)
		if err != nil {
			return nil, err
		}
		cfg = *loaded
	}
	cfg.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// findFlag returns the value of -name / --name in args, as the flag package would read it.
func findFlag(args []string, name string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			return "", false
		}
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// Load reads the YAML file at path over the defaults and validates the result.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg := Default()
	cfg.Kafka.Brokers = nil // a file that lists brokers replaces the default list rather than appending
	if err := yaml.UnmarshalWithOptions(data, &cfg, yaml.DisallowUnknownField(), yaml.Strict()); err != nil {
		return nil, fmt.Errorf("config: %s: %s", path, yaml.FormatError(err, false, true))
	}
	if cfg.Kafka.Brokers == nil {
		cfg.Kafka.Brokers = Default().Kafka.Brokers
	}
	cfg.File = path
	if err := cfg.Validate(); err != nil {
		return nil, locate(path, data, err)
	}
	return &cfg, nil
}

// FieldError is a value that cannot work, at a YAML path such as "brands[2].name".
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// locate prefixes each FieldError in err with the file and the line of its field.
func locate(path string, data []byte, err error) error {
	file, perr := parser.ParseBytes(data, 0)
	var msgs []string
	for _, e := range unwrapAll(err) {
		var fe *FieldError
		line := 0
		if errors.As(e, &fe) && perr == nil {
			line = lineOf(file, fe.Path)
		}
		if line > 0 {
			msgs = append(msgs, fmt.Sprintf("config: %s:%d: %s", path, line, e))
		} else {
			msgs = append(msgs, fmt.Sprintf("config: %s: %s", path, e))
		}
	}
	return errors.New(strings.Join(msgs, "\n"))
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// lineOf finds the line of the deepest part of path present in the file (a missing field points at its
// parent, which is where it must be added).
func lineOf(f *ast.File, path string) int {
	for p := path; p != ""; p = parent(p) {
		yp, err := yaml.PathString("$." + p)
		if err != nil {
			continue
		}
		if n, err := yp.FilterFile(f); err == nil && n != nil {
			return n.GetToken().Position.Line
		}
	}
	return 0
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Validate reports every impossible value, each as a *FieldError joined with errors.Join.
func (c *Config) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	names := map[string]int{}
	for i, b := range c.Brands {
		p := fmt.Sprintf("brands[%d]", i)
		if strings.TrimSpace(b.Name) == "" {
			bad(p+".name", "is empty; every brand needs a name")
		} else if j, dup := names[strings.ToLower(b.Name)]; dup {
			bad(p+".name", "%q is already the name of brands[%d]", b.Name, j)
		} else {
			names[strings.ToLower(b.Name)] = i
		}
		for _, list := range []struct {
			field string
			terms []string
		}{{"aliases", b.Aliases}, {"keywords", b.Keywords}, {"exclude", b.Exclude}} {
			for k, term := range list.terms {
				if strings.TrimSpace(term) == "" {
					bad(fmt.Sprintf("%s.%s[%d]", p, list.field, k), "is empty")
				}
			}
		}
		for k, l := range b.Languages {
			if len(l) != 2 || strings.ToLower(l) != l {
				bad(fmt.Sprintf("%s.languages[%d]", p, k), "%q is not a two-letter ISO 639-1 code such as fr or en", l)
			}
		}
	}
	for i, f := range c.Sources.Feeds {
		p := fmt.Sprintf("sources.feeds[%d]", i)
		if err := checkHTTPURL(f.URL); err != nil {
			bad(p+".url", "%v", err)
		}
		if f.Interval < 0 || (f.Interval > 0 && f.Interval < time.Second) {
			bad(p+".interval", "%s is too short; use at least 1s", f.Interval)
		}
	}
	for i, o := range c.Sources.OPML {
		if strings.TrimSpace(o) == "" {
			bad(fmt.Sprintf("sources.opml[%d]", i), "is empty")
		}
	}
	in := c.Ingest
	if in.PollInterval < time.Second {
		bad("ingest.poll_interval", "%s is too short; use at least 1s", in.PollInterval)
	}
	if in.Timeout <= 0 {
		bad("ingest.timeout", "must be positive")
	}
	if in.MaxBodyBytes < 1024 {
		bad("ingest.max_body_bytes", "%d is too small; use at least 1024", in.MaxBodyBytes)
	}
	if in.MaxBackoff < in.PollInterval && in.MaxBackoff > 0 {
		bad("ingest.max_backoff", "%s is shorter than poll_interval %s", in.MaxBackoff, in.PollInterval)
	}
	if in.UserAgent == "" {
		bad("ingest.user_agent", "is empty; feeds block anonymous clients")
	}
	k := c.Kafka
	if len(k.Brokers) == 0 {
		bad("kafka.brokers", "is empty; name at least one broker host:port")
	}
	for i, b := range k.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			bad(fmt.Sprintf("kafka.brokers[%d]", i), "%q is not host:port", b)
		}
	}
	for field, topic := range map[string]string{"mentions_topic": k.MentionsTopic, "spikes_topic": k.SpikesTopic, "dlq_topic": k.DLQTopic, "group": k.Group} {
		if topic == "" {
			bad("kafka."+field, "is empty")
		}
	}
	if k.Partitions < 1 {
		bad("kafka.partitions", "%d is not a partition count; use 1 or more", k.Partitions)
	}
	if k.ReplicationFactor < 1 {
		bad("kafka.replication_factor", "%d must be at least 1", k.ReplicationFactor)
	}
	if _, _, err := net.SplitHostPort(c.ClickHouse.Addr); err != nil {
		bad("clickhouse.addr", "%q is not host:port", c.ClickHouse.Addr)
	}
	if c.ClickHouse.Database == "" || strings.ContainsAny(c.ClickHouse.Database, "`'\" .;") {
		bad("clickhouse.database", "%q is not a plain database name", c.ClickHouse.Database)
	}
	if c.Analyze.BatchSize < 1 {
		bad("analyze.batch_size", "%d must be at least 1", c.Analyze.BatchSize)
	}
	if c.Analyze.FlushInterval <= 0 {
		bad("analyze.flush_interval", "must be positive")
	}
	if c.Server.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
			bad("server.listen", "%q is not host:port", c.Server.Listen)
		}
	}
	return errors.Join(errs...)
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an http or https URL", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	return nil
}

// Resolve returns p relative to the configuration file's folder (p itself when absolute or without file).
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.File == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.File), p)
}
