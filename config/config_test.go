package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vigie.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExampleLoads(t *testing.T) {
	cfg, err := Load("../examples/vigie.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Brands) < 4 || cfg.Brands[0].Name != "Orange" {
		t.Fatalf("brands = %+v", cfg.Brands)
	}
	if got := cfg.Sources.Feeds[1].Interval; got != 2*time.Minute {
		t.Fatalf("feeds[1].interval = %s, want 2m", got)
	}
	if cfg.Brands[0].Languages[0] != "fr" || cfg.Kafka.Partitions != 6 {
		t.Fatalf("unexpected values: %+v", cfg)
	}
}

func TestLoadErrorsNameFileLineAndField(t *testing.T) {
	f := func(body string, want ...string) {
		t.Helper()
		p := writeFile(t, body)
		_, err := Load(p)
		if err == nil {
			t.Fatalf("Load accepted:\n%s", body)
		}
		for _, w := range append(want, p) {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q does not contain %q", err, w)
			}
		}
	}
	// unknown key
	f("brands:\n  - name: A\n    colour: red\n", "colour", "unknown field", "3")
	// wrong type
	f("kafka:\n  partitions: many\n", "partitions", "2")
	// impossible values, each pointing at its own line
	f("brands:\n  - name: A\n  - name: \"\"\n", ":3: brands[1].name: is empty")
	f("brands:\n  - name: A\n  - name: a\n", ":3: brands[1].name", "already the name of brands[0]")
	f("sources:\n  feeds:\n    - url: ftp://x/feed\n", ":3: sources.feeds[0].url", "not an http or https URL")
	f("kafka:\n  brokers: [nope]\n", "kafka.brokers[0]", "not host:port")
	f("ingest:\n  poll_interval: 10ms\n", ":2: ingest.poll_interval", "too short")
	f("brands:\n  - name: A\n    languages: [french]\n", ":3: brands[0].languages[0]", "ISO 639-1")
	// several errors are all reported
	f("analyze:\n  batch_size: 0\nkafka:\n  partitions: 0\n", ":2: analyze.batch_size", ":4: kafka.partitions")
}

func TestParseFlagsOverrideFile(t *testing.T) {
	p := writeFile(t, "clickhouse:\n  addr: 10.0.0.1:9000\nkafka:\n  brokers: [k1:9092, k2:9092]\n")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := Parse(fs, []string{"-config", p, "-clickhouse.addr", "127.0.0.2:9000"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClickHouse.Addr != "127.0.0.2:9000" {
		t.Fatalf("flag did not override file: %s", cfg.ClickHouse.Addr)
	}
	if strings.Join(cfg.Kafka.Brokers, ",") != "k1:9092,k2:9092" {
		t.Fatalf("brokers from file = %v", cfg.Kafka.Brokers)
	}
	if cfg.File != p {
		t.Fatalf("File = %q", cfg.File)
	}
}

func TestParseWithoutFileUsesDefaults(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := Parse(fs, []string{"--kafka.brokers=a:1,b:2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Kafka.Brokers) != 2 || cfg.ClickHouse.Database != "vigie" {
		t.Fatalf("cfg = %+v", cfg)
	}
}
