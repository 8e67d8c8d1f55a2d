// Package bus is Vigie's use of Kafka shared by every stage: creating the topics, the writer settings, and
// the dead-letter topic where a message that cannot be processed goes with the reason, so it never blocks a
// partition and is never silently lost.
package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/config"
)

// EnsureTopics creates the mentions, spikes and dead-letter topics that do not exist yet. While Kafka is not
// reachable it logs why and retries with backoff until ctx ends, so a process started before Kafka waits for it.
func EnsureTopics(ctx context.Context, cfg config.Kafka, logger *slog.Logger) error {
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range []string{cfg.MentionsTopic, cfg.SpikesTopic, cfg.DLQTopic} {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor})
	}
	err := Retry(ctx, logger, "create Kafka topics", func() error {
		resp, err := client.CreateTopics(ctx, req)
		if err != nil {
			return fmt.Errorf("kafka at %v is not reachable: %w", cfg.Brokers, err)
		}
		var errs []error
		for topic, err := range resp.Errors {
			if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
				errs = append(errs, fmt.Errorf("topic %s: %w", topic, err))
			}
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return err
	}
	return waitForLeaders(ctx, client, req.Topics)
}

// waitForLeaders returns once every partition of topics has a leader: right after creation they have none
// for a moment, and readers and writers started then fail their first requests.
func waitForLeaders(ctx context.Context, client *kafka.Client, topics []kafka.TopicConfig) error {
	names := make([]string, len(topics))
	for i, t := range topics {
		names[i] = t.Topic
	}
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
		if err == nil && allLed(meta) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the partitions of %v to get a leader: %w", names, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func allLed(meta *kafka.MetadataResponse) bool {
	for _, t := range meta.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.Error != nil || p.Leader.Host == "" {
				return false
			}
		}
	}
	return true
}

// Retry runs op until it succeeds or ctx ends, logging each failure with the wait before the next try
// (1 s doubling to 30 s).
func Retry(ctx context.Context, logger *slog.Logger, what string, op func() error) error {
	wait := time.Second
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil {
			if attempt > 1 {
				logger.Info(what+": succeeded", "attempts", attempt)
			}
			return nil
		}
		logger.Warn(what+": failed, will retry", "err", err, "attempt", attempt, "retry_in", wait)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: gave up: %w (last error: %v)", what, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// NewWriter returns a writer to topic with Vigie's settings: keyed messages hashed to partitions (key = brand,
// so a brand's mentions stay on one partition), acknowledged by all in-sync replicas, retried.
func NewWriter(cfg config.Kafka, topic string) *kafka.Writer {
	return &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		MaxAttempts:  10,
		BatchSize:    1000,
		BatchBytes:   8 << 20,
		BatchTimeout: 5 * time.Millisecond,
		Compression:  kafka.Snappy,
	}
}

// DeadLetter is the record written to the dead-letter topic: what failed, where, why, and the original bytes.
type DeadLetter struct {
	Stage     string    `json:"stage"`  // "ingest" or "analyze"
	Reason    string    `json:"reason"` // short machine-friendly cause, also a metric label: "decode", "encode", …
	Error     string    `json:"error"`  // the full error message
	Topic     string    `json:"topic,omitempty"`
	Partition int       `json:"partition,omitempty"`
	Offset    int64     `json:"offset,omitempty"`
	Key       string    `json:"key,omitempty"`
	Payload   []byte    `json:"payload,omitempty"` // the message as received (base64 in JSON)
	Time      time.Time `json:"time"`
}

// DeadLetters writes DeadLetter records to the dead-letter topic.
type DeadLetters struct {
	w *kafka.Writer
}

// NewDeadLetters returns a writer to cfg.DLQTopic.
func NewDeadLetters(cfg config.Kafka) *DeadLetters {
	return &DeadLetters{w: NewWriter(cfg, cfg.DLQTopic)}
}

// Send writes the records; it returns only when Kafka acknowledged them.
func (d *DeadLetters) Send(ctx context.Context, letters ...DeadLetter) error {
	msgs := make([]kafka.Message, 0, len(letters))
	for _, l := range letters {
		if l.Time.IsZero() {
			l.Time = time.Now().UTC()
		}
		b, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("dead letter: %w", err)
		}
		msgs = append(msgs, kafka.Message{Key: []byte(l.Key), Value: b})
	}
	if err := d.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("write to dead-letter topic %s: %w", d.w.Topic, err)
	}
	return nil
}

// Close flushes and closes the writer.
func (d *DeadLetters) Close() error { return d.w.Close() }
