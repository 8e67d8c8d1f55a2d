package analyze

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/internal/itest"
	"github.com/vigie-oss/vigie/mention"
)

// BenchmarkAnalyzeBatch measures the analysis the analyzer adds per mention on top of consuming and storing:
// decoding, sentiment (language given), terms and the spike tracker, over batches of 10,000.
func BenchmarkAnalyzeBatch(b *testing.B) {
	for _, passthrough := range []bool{true, false} {
		name := "full"
		if passthrough {
			name = "decode-only"
		}
		b.Run(name, func(b *testing.B) {
			cfg := config.Default()
			a, err := New(&cfg, &seedCounter{calls: map[string]int{}}, Options{Passthrough: passthrough}, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
			if err != nil {
				b.Fatal(err)
			}
			for _, b := range []string{"Orange", "Free", "SNCF", "Airbus"} {
				a.lastSeen[b] = time.Now().Add(time.Hour) // seeded, for as long as the benchmark runs
			}
			ms := itest.Mentions(10000, time.Now().Add(-time.Hour), "Orange", "Free", "SNCF", "Airbus")
			msgs := make([]kafka.Message, len(ms))
			size := 0
			for i, m := range ms {
				v, _ := mention.Encode(m)
				msgs[i] = kafka.Message{Value: v}
				size += len(v)
			}
			b.SetBytes(int64(size / len(msgs)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += len(msgs) {
				a.recent = newRecentIDs(recentWindow) // the same mentions every round
				a.analyse(context.Background(), msgs)
			}
		})
	}
}
