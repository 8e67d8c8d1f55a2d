package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/bus"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/internal/itest"
	"github.com/vigie-oss/vigie/store"
)

func openTestStore(t *testing.T, cfg *config.Config) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.ClickHouse, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Conn().Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.ClickHouse.Database)
		st.Close()
	})
	return st
}

// startAnalyzer runs an analyzer until the test ends; the returned func stops it and waits.
func startAnalyzer(t *testing.T, cfg *config.Config, st Store, logger *slog.Logger) (*Analyzer, func()) {
	t.Helper()
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a, err := New(cfg, st, Options{}, logger, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- a.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("analyzer: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return a, stop
}

func countFinal(t *testing.T, st *store.Store) uint64 {
	t.Helper()
	n, err := st.CountMentions(context.Background(), "")
	if err != nil {
		t.Logf("count: %v", err)
		return 0
	}
	return n
}

func TestAnalyzerIntegrationStoresScoredMentionsAndDeadLetters(t *testing.T) {
	cfg := itest.Config(t)
	st := openTestStore(t, cfg)
	ctx := context.Background()
	if err := bus.EnsureTopics(ctx, cfg.Kafka, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	ms := itest.Mentions(2000, time.Now().Add(-time.Hour), "Orange", "Free", "SNCF")
	itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms[:1000])
	itest.ProduceRaw(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic,
		kafka.Message{Key: []byte("Orange"), Value: []byte("not json")},
		kafka.Message{Key: []byte("Orange"), Value: []byte(`{"v":9,"id":"x","brand":"Orange","source":"rss","published":"2026-01-01T00:00:00Z"}`)},
		kafka.Message{Key: []byte("Free"), Value: []byte(`{"v":1,"id":"y","source":"rss","published":"2026-01-01T00:00:00Z"}`)})
	itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms[1000:])
	// the same mentions again: at-least-once delivery must still store each once
	itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms[:100])

	_, stop := startAnalyzer(t, cfg, st, nil)
	itest.Eventually(t, 2*time.Minute, func() bool { return countFinal(t, st) == 2000 }, "FINAL count is %d, want 2000", countFinal(t, st))
	stop()

	// every stored mention was scored
	var unlabelled uint64
	if err := st.Conn().QueryRow(ctx, "SELECT count() FROM mentions FINAL WHERE label NOT IN ('negative','neutral','positive')").Scan(&unlabelled); err != nil {
		t.Fatal(err)
	}
	if unlabelled != 0 {
		t.Fatalf("%d stored mentions have no sentiment label", unlabelled)
	}
	var neg, pos uint64
	if err := st.Conn().QueryRow(ctx, "SELECT countIf(label = 'negative'), countIf(label = 'positive') FROM mentions FINAL").Scan(&neg, &pos); err != nil {
		t.Fatal(err)
	}
	if neg == 0 || pos == 0 {
		t.Fatalf("sentiment looks constant: %d negative, %d positive", neg, pos)
	}

	// the three poison messages are in the dead-letter topic, with their reason
	var letters []bus.DeadLetter
	for p := 0; p < cfg.Kafka.Partitions; p++ {
		letters = append(letters, readAll(t, cfg.Kafka.Brokers, cfg.Kafka.DLQTopic, p)...)
	}
	if len(letters) != 3 {
		t.Fatalf("dead letters = %d, want 3: %+v", len(letters), letters)
	}
	for _, l := range letters {
		if l.Stage != "analyze" || l.Reason != "decode" || l.Error == "" || len(l.Payload) == 0 {
			t.Fatalf("dead letter lacks its reason or payload: %+v", l)
		}
	}

	// offsets were committed: a new member of the group has nothing left to read
	assertCommitted(t, cfg)
}

func readAll(t *testing.T, brokers []string, topic string, partition int) []bus.DeadLetter {
	t.Helper()
	conn, err := kafka.DialLeader(context.Background(), "tcp", brokers[0], topic, partition)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	last, err := conn.ReadLastOffset()
	if err != nil {
		t.Fatal(err)
	}
	var out []bus.DeadLetter
	if last == 0 {
		return out
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	batch := conn.ReadBatch(1, 10<<20)
	defer batch.Close()
	for int64(len(out)) < last {
		m, err := batch.ReadMessage()
		if err != nil {
			t.Fatalf("reading %s/%d: %v", topic, partition, err)
		}
		var l bus.DeadLetter
		if err := json.Unmarshal(m.Value, &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func assertCommitted(t *testing.T, cfg *config.Config) {
	t.Helper()
	if err := committedToEnd(cfg); err != nil {
		t.Fatal(err)
	}
}

// committedToEnd returns an error unless the group committed every partition of the mentions topic up to
// its end.
func committedToEnd(cfg *config.Config) error {
	client := &kafka.Client{Addr: kafka.TCP(cfg.Kafka.Brokers...)}
	ctx := context.Background()
	parts := make([]int, cfg.Kafka.Partitions)
	for i := range parts {
		parts[i] = i
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: cfg.Kafka.Group, Topics: map[string][]int{cfg.Kafka.MentionsTopic: parts}})
	if err != nil {
		return err
	}
	var reqs []kafka.OffsetRequest
	for _, p := range parts {
		reqs = append(reqs, kafka.LastOffsetOf(p))
	}
	ends, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{cfg.Kafka.MentionsTopic: reqs}})
	if err != nil {
		return err
	}
	end := map[int]int64{}
	for _, po := range ends.Topics[cfg.Kafka.MentionsTopic] {
		end[po.Partition] = po.LastOffset
	}
	for _, po := range committed.Topics[cfg.Kafka.MentionsTopic] {
		if po.CommittedOffset != end[po.Partition] && !(po.CommittedOffset == -1 && end[po.Partition] == 0) {
			return fmt.Errorf("partition %d: committed offset %d, end of partition %d", po.Partition, po.CommittedOffset, end[po.Partition])
		}
	}
	return nil
}

func TestAnalyzerIntegrationWaitsForKafkaAtStart(t *testing.T) {
	cfg := itest.Config(t)
	st := openTestStore(t, cfg)
	real := cfg.Kafka.Brokers[0]
	// A port where Kafka is not (yet): the analyzer must log why it waits and keep trying.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg.Kafka.Brokers = []string{addr}

	var logs itest.Buffer
	startAnalyzer(t, cfg, st, slog.New(slog.NewTextHandler(&logs, nil)))
	itest.Eventually(t, 30*time.Second, func() bool {
		return strings.Contains(logs.String(), "create Kafka topics: failed, will retry") && strings.Contains(logs.String(), addr)
	}, "no log line says Kafka is unreachable; logs:\n%s", logs.String())

	// Kafka appears at that address (a proxy to the real broker); the analyzer gets through and consumes.
	proxy := startProxy(t, addr, real)
	defer proxy.Close()
	ms := itest.Mentions(50, time.Now().Add(-time.Minute), "Orange")
	itest.Eventually(t, time.Minute, func() bool { return strings.Contains(logs.String(), "analyzer consuming") }, "analyzer never started consuming; logs:\n%s", logs.String())
	itest.Produce(t, []string{real}, cfg.Kafka.MentionsTopic, ms)
	itest.Eventually(t, time.Minute, func() bool { return countFinal(t, st) == 50 }, "stored %d of 50 mentions", countFinal(t, st))
}

// startProxy forwards TCP connections on addr to target.
func startProxy(t *testing.T, addr, target string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer u.Close()
				go io.Copy(u, c)
				io.Copy(c, u)
			}()
		}
	}()
	return ln
}

// TestDisruptiveClickHouseOutage stops the local ClickHouse for 30 s while mentions keep arriving: nothing
// may be lost. It stops a shared server, so it runs only when asked (make test runs it alone, after the rest).
func TestDisruptiveClickHouseOutage(t *testing.T) {
	if os.Getenv("VIGIE_DISRUPTIVE") != "1" {
		t.Skip("stops the shared ClickHouse; run with VIGIE_DISRUPTIVE=1 (make test does, on its own)")
	}
	cfg := itest.Config(t)
	st := openTestStore(t, cfg)
	if err := bus.EnsureTopics(context.Background(), cfg.Kafka, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	a, _ := startAnalyzer(t, cfg, st, nil)
	ms := itest.Mentions(3000, time.Now().Add(-time.Hour), "Orange", "Free")
	itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms[:1000])
	itest.Eventually(t, time.Minute, func() bool { return countFinal(t, st) == 1000 }, "first 1000 not stored")

	localStack(t, "stop.sh", "clickhouse")
	down := time.Now()
	var sawUnhealthy bool
	produced := 1000
	for time.Since(down) < 30*time.Second {
		if produced < 2900 { // mentions keep arriving during the outage
			itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms[produced:produced+100])
			produced += 100
		}
		time.Sleep(time.Second)
		if a.Healthy() != nil {
			sawUnhealthy = true
		}
	}
	localStack(t, "start.sh", "clickhouse")
	itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms[produced:])
	if !sawUnhealthy {
		t.Error("analyzer never reported ClickHouse unhealthy during the outage")
	}
	itest.Eventually(t, 2*time.Minute, func() bool { return countFinal(t, st) == 3000 }, "after the outage, %d of 3000 stored", countFinal(t, st))
	if a.Healthy() != nil {
		t.Errorf("still unhealthy after recovery: %v", a.Healthy())
	}
}

func localStack(t *testing.T, script string, args ...string) {
	t.Helper()
	out, err := exec.Command("bash", append([]string{"../deploy/local/" + script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("deploy/local/%s %v: %v\n%s", script, args, err, out)
	}
}

// TestAnalyzerIntegrationTwoMembersShareTheWork runs two analyzers in one consumer group: the partitions are
// split between them, every mention is stored exactly once, and both stored some.
func TestAnalyzerIntegrationTwoMembersShareTheWork(t *testing.T) {
	cfg := itest.Config(t)
	cfg.Kafka.Partitions = 4
	st := openTestStore(t, cfg)
	if err := bus.EnsureTopics(context.Background(), cfg.Kafka, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	perMember := map[int]int{}
	for member := range 2 {
		a, err := New(cfg, st, Options{OnStored: func(msgs []kafka.Message, _ time.Time) {
			mu.Lock()
			perMember[member] += len(msgs)
			mu.Unlock()
		}}, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- a.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-errc })
	}
	brands := []string{"Orange", "Free", "SNCF", "Airbus", "Boeing", "Renault", "Danone", "Total"}
	// Produced over ten seconds, so the group has settled on both members while mentions still arrive.
	ms := itest.Mentions(4000, time.Now().Add(-time.Hour), brands...)
	for lo := 0; lo < len(ms); lo += 200 {
		itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms[lo:lo+200])
		time.Sleep(500 * time.Millisecond)
	}
	itest.Eventually(t, 2*time.Minute, func() bool { return countFinal(t, st) == 4000 }, "FINAL count %d, want 4000", countFinal(t, st))
	mu.Lock()
	defer mu.Unlock()
	if perMember[0]+perMember[1] < 4000 || perMember[0] == 0 || perMember[1] == 0 {
		t.Fatalf("work per member = %v; both members should have stored part of the 4000", perMember)
	}
}

// TestAnalyzerIntegrationRedeliveryCountedOnce: mentions a previous analyzer stored without committing
// them (simulated by inserting them first), and mentions sent twice, end as one row each and are counted
// once by the per-minute rollup.
func TestAnalyzerIntegrationRedeliveryCountedOnce(t *testing.T) {
	cfg := itest.Config(t)
	st := openTestStore(t, cfg)
	ctx := context.Background()
	if err := bus.EnsureTopics(ctx, cfg.Kafka, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	ms := itest.Mentions(3000, time.Now().Add(-time.Hour), "Orange", "Free", "SNCF")
	if err := st.InsertMentions(ctx, ms[:700]); err != nil { // stored, never committed
		t.Fatal(err)
	}
	itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms)
	itest.Produce(t, cfg.Kafka.Brokers, cfg.Kafka.MentionsTopic, ms[2500:]) // sent twice
	rows := func() (n uint64) {
		st.Conn().QueryRow(ctx, "SELECT count() FROM mentions").Scan(&n)
		return n
	}
	_, stop := startAnalyzer(t, cfg, st, nil)
	itest.Eventually(t, 2*time.Minute, func() bool { return rows() >= 3000 }, "%d rows stored, want 3000", rows())
	itest.Eventually(t, 30*time.Second, func() bool { return committedToEnd(cfg) == nil }, "offsets not all committed: %v", committedToEnd(cfg))
	stop()
	var rolled uint64
	if err := st.Conn().QueryRow(ctx, "SELECT sum(mentions) FROM mention_minutes").Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if rows() != 3000 || rolled != 3000 || countFinal(t, st) != 3000 {
		t.Fatalf("rows %d, rollup %d, FINAL %d: want 3000 each", rows(), rolled, countFinal(t, st))
	}
}
