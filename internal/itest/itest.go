// Package itest finds the real servers (Kafka, ClickHouse) that integration tests run against.
//
// A test asks for a server; when it is not reachable the test skips with a message saying how to start it,
// unless VIGIE_REQUIRE_SERVERS=1 (set by .ci/run) or CI=true, where a missing server fails the test:
// in CI nothing skips.
package itest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-oss/vigie/config"
)

// Required reports whether a missing server must fail the test instead of skipping it.
func Required() bool {
	return os.Getenv("VIGIE_REQUIRE_SERVERS") == "1" || os.Getenv("CI") == "true"
}

// Kafka returns the bootstrap brokers of a reachable Kafka (VIGIE_TEST_KAFKA, default 127.0.0.1:9092).
func Kafka(t testing.TB) []string {
	t.Helper()
	brokers := strings.Split(env("VIGIE_TEST_KAFKA", "127.0.0.1:9092"), ",")
	need(t, "Kafka", brokers[0])
	return brokers
}

// ClickHouse returns the native-protocol address of a reachable ClickHouse (VIGIE_TEST_CLICKHOUSE,
// default 127.0.0.1:9000).
func ClickHouse(t testing.TB) string {
	t.Helper()
	addr := env("VIGIE_TEST_CLICKHOUSE", "127.0.0.1:9000")
	need(t, "ClickHouse", addr)
	return addr
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func need(t testing.TB, what, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		c.Close()
		return
	}
	msg := fmt.Sprintf("%s is not reachable at %s (%v); start the local stack with deploy/local/start.sh", what, addr, err)
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

var seq atomic.Int64

// Name returns a name unique to this test run, for topics, consumer groups and databases:
// only letters, digits and underscores, starting with prefix.
func Name(prefix string) string {
	return fmt.Sprintf("%s_%d_%d_%d", prefix, os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
}

// Config returns the default configuration pointed at the test servers, with topics, consumer group and
// ClickHouse database of its own (nothing shared with other tests), small batches and no HTTP listener.
func Config(t testing.TB) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Kafka.Brokers = Kafka(t)
	cfg.ClickHouse.Addr = ClickHouse(t)
	name := Name("vigie_test")
	cfg.Kafka.MentionsTopic, cfg.Kafka.SpikesTopic, cfg.Kafka.DLQTopic = name+".mentions", name+".spikes", name+".dlq"
	cfg.Kafka.Group = name
	cfg.Kafka.Partitions = 3
	cfg.ClickHouse.Database = name
	cfg.Analyze.BatchSize = 500
	cfg.Analyze.FlushInterval = 200 * time.Millisecond
	cfg.Server.Listen = ""
	cfg.Ingest.StateFile = filepath.Join(t.TempDir(), "ingest-state.json")
	cfg.Ingest.AllowPrivateAddresses = true // test feeds are served on loopback
	return &cfg
}

// Buffer is a bytes.Buffer safe for a test to read while a component writes to it (logs, output).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
