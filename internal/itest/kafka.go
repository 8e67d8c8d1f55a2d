package itest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/mention"
)

// Mentions returns n valid mentions spread over brands, French and English, published at t0 + i seconds.
func Mentions(n int, t0 time.Time, brands ...string) []mention.Mention {
	texts := []struct{ lang, title, text string }{
		{"fr", "Panne chez %s", "Plus d'internet depuis ce matin, service client injoignable, c'est honteux."},
		{"fr", "%s lance une nouvelle offre", "Une offre fibre moins chère, plutôt une bonne nouvelle pour les clients."},
		{"en", "%s posts results", "The company reported quarterly revenue in line with expectations."},
		{"en", "Loving the new %s app", "Great update, fast and simple, well done!"},
	}
	out := make([]mention.Mention, n)
	for i := range out {
		b := brands[i%len(brands)]
		tx := texts[i%len(texts)]
		at := t0.Add(time.Duration(i) * time.Second).UTC()
		key := fmt.Sprintf("https://example.org/%s/%d", b, i)
		out[i] = mention.Mention{ID: mention.NewID(b, key), Brand: b, Source: "rss", SourceName: "example.org", URL: key,
			Title: fmt.Sprintf(tx.title, b), Text: tx.text, Lang: tx.lang, Published: at, Fetched: at}
	}
	return out
}

// Produce writes ms to topic keyed by brand, waiting for Kafka's acknowledgement.
func Produce(t testing.TB, brokers []string, topic string, ms []mention.Mention) {
	t.Helper()
	msgs := make([]kafka.Message, len(ms))
	for i, m := range ms {
		b, err := mention.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = kafka.Message{Key: []byte(m.Brand), Value: b}
	}
	ProduceRaw(t, brokers, topic, msgs...)
}

// ProduceRaw writes messages as they are (poison messages included).
func ProduceRaw(t testing.TB, brokers []string, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchTimeout: time.Millisecond, AllowAutoTopicCreation: true}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for lo := 0; lo < len(msgs); lo += 1000 {
		if err := w.WriteMessages(ctx, msgs[lo:min(lo+1000, len(msgs))]...); err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
	}
}

// Eventually polls cond every 200 ms until it returns true or timeout passes, then fails with msg.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: "+msg, append([]any{timeout}, args...)...)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
