package analyze

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-oss/vigie/config"
	"github.com/vigie-oss/vigie/mention"
	"github.com/vigie-oss/vigie/store"
)

func TestWithoutBrand(t *testing.T) {
	f := func(in []string, m mention.Mention, want []string) {
		t.Helper()
		if got := withoutBrand(in, &m); !reflect.DeepEqual(got, want) {
			t.Fatalf("withoutBrand(%v) = %v, want %v", in, got, want)
		}
	}
	f([]string{"panne", "orange", "#panneorange", "#orange", "service client", "panne orange"},
		mention.Mention{Brand: "Orange"}, []string{"panne", "#panneorange", "service client", "panne orange"})
	f([]string{"livebox", "sncf", "@sncfvoyageurs", "retard"},
		mention.Mention{Brand: "SNCF", Matched: []string{"@SNCFVoyageurs", "SNCF"}}, []string{"livebox", "retard"})
	f([]string{"societe", "societe generale", "banque"},
		mention.Mention{Brand: "Société Générale"}, []string{"societe", "banque"})
}

func TestJoinText(t *testing.T) {
	f := func(title, text, want string) {
		t.Helper()
		if got := joinText(title, text); got != want {
			t.Fatalf("joinText(%q, %q) = %q", title, text, got)
		}
	}
	f("", "body", "body")
	f("Title", "", "Title")
	f("Title", "body", "Title. body")
}

// seedCounter is a Store that only answers the seeding queries, counting them.
type seedCounter struct{ calls map[string]int }

func (s *seedCounter) InsertMentions(context.Context, []mention.Mention) error { return nil }
func (s *seedCounter) InsertSpikes(context.Context, []store.Spike) error       { return nil }
func (s *seedCounter) MinuteCounts(_ context.Context, brand string, since time.Time) ([]store.MinuteCount, error) {
	s.calls[brand]++
	return []store.MinuteCount{{Minute: since.Truncate(time.Minute).Add(time.Minute), Count: 3}}, nil
}

// TestReseedAfterIdle: a brand is seeded from the rollup when first seen, not again while it keeps coming,
// and again after a pause long enough for another analyzer to have consumed its partition.
func TestReseedAfterIdle(t *testing.T) {
	cfg := config.Default()
	st := &seedCounter{calls: map[string]int{}}
	a, err := New(&cfg, st, Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return clock }
	see := func(brand string, after time.Duration, wantCalls int) {
		t.Helper()
		clock = clock.Add(after)
		a.observe(context.Background(), []mention.Mention{{Brand: brand, Source: "rss", Published: clock, Fetched: clock}}, [][]string{nil})
		if st.calls[brand] != wantCalls {
			t.Fatalf("after %s: %s seeded %d times, want %d", after, brand, st.calls[brand], wantCalls)
		}
	}
	see("Orange", 0, 1)
	see("Orange", time.Minute, 1)
	see("Free", time.Minute, 1)
	see("Orange", 9*time.Minute, 1)
	see("Orange", reseedAfter+time.Second, 2)
	see("Free", time.Minute, 2) // idle for 11 minutes
}
