package ingest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/bus"
	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/internal/itest"
	"github.com/vigie-oss/vigie/mention"
)

// TestIngestIntegrationFeedToKafka serves a feed over HTTP, runs the ingester against the real Kafka of the
// local stack, reads the mentions back keyed by brand, then restarts the ingester on the same state file
// with one new item in the feed: only that item may reach Kafka.
func TestIngestIntegrationFeedToKafka(t *testing.T) {
	brokers := itest.Kafka(t)
	cfg := testConfig(t)
	cfg.Kafka.Brokers = brokers
	cfg.Kafka.MentionsTopic = itest.Name("it_mentions")
	cfg.Kafka.SpikesTopic = itest.Name("it_spikes")
	cfg.Kafka.DLQTopic = itest.Name("it_dlq")
	cfg.Kafka.Partitions = 3
	t.Cleanup(func() { deleteTopics(t, cfg.Kafka) })

	items := []string{"Orange lance une offre fibre", "Grève à la SNCF ce matin", "Orange et la SNCF signent un accord", "Rien à voir"}
	srv := newFeedServer(t, rss(items...))
	cfg.Sources.Feeds = []config.Feed{{URL: srv.URL + "/feed.xml", Interval: time.Second}}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The reader's group must find the topic's partitions when it joins.
	if err := bus.EnsureTopics(ctx, cfg.Kafka, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: cfg.Kafka.MentionsTopic, GroupID: itest.Name("it_group"),
		StartOffset: kafka.FirstOffset, MaxWait: 200 * time.Millisecond})
	defer r.Close()

	stop := runIngester(t, ctx, cfg)
	want := map[string]bool{
		"Orange|Orange lance une offre fibre": true, "SNCF|Grève à la SNCF ce matin": true,
		"Orange|Orange et la SNCF signent un accord": true, "SNCF|Orange et la SNCF signent un accord": true,
	}
	partitionOf := map[string]int{}
	read := func(n int) []string {
		t.Helper()
		var got []string
		for len(got) < n {
			msg, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatalf("read mentions after %q: %v", got, err)
			}
			m, err := mention.Decode(msg.Value)
			if err != nil {
				t.Fatalf("undecodable mention on the topic: %v", err)
			}
			if string(msg.Key) != m.Brand {
				t.Errorf("message key %q, want the brand %q", msg.Key, m.Brand)
			}
			if p, ok := partitionOf[m.Brand]; ok && p != msg.Partition {
				t.Errorf("brand %s on partitions %d and %d, want one", m.Brand, p, msg.Partition)
			}
			partitionOf[m.Brand] = msg.Partition
			if m.Source != "rss" || m.URL == "" || m.Published.IsZero() || m.Lang != "fr" {
				t.Errorf("incomplete mention %+v", m)
			}
			got = append(got, m.Brand+"|"+m.Title)
		}
		return got
	}
	for _, k := range read(len(want)) {
		if !want[k] {
			t.Errorf("unexpected mention %s", k)
		}
		delete(want, k)
	}
	if len(want) != 0 {
		t.Errorf("mentions never produced: %v", want)
	}
	stop()

	// Restart with one new item: the old ones are remembered, the new one goes out. Resent old mentions would
	// be in the same batch as the new one, before it on their brand's partition, so they would be read first.
	srv.set(200, rss(append(items, "Orange recrute 500 techniciens en France")...), nil)
	stop = runIngester(t, ctx, cfg)
	defer stop()
	if got := read(1); got[0] != "Orange|Orange recrute 500 techniciens en France" {
		t.Errorf("after restart the first mention is %q, want only the new item", got[0])
	}
}

// runIngester runs an ingester on cfg until the returned stop is called, which checks Run returned nil.
func runIngester(t *testing.T, ctx context.Context, cfg *config.Config) (stop func()) {
	t.Helper()
	in, err := New(cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	in.jitter = func() float64 { return 0 }
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	stopped := false
	return func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v, want nil after cancellation", err)
		}
	}
}

func deleteTopics(t *testing.T, cfg config.Kafka) {
	c := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	if _, err := c.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: []string{cfg.MentionsTopic, cfg.SpikesTopic, cfg.DLQTopic}}); err != nil {
		t.Logf("delete test topics: %v", err)
	}
}
