package analyze

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

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

// seedCounter is a Store that stores nothing and answers the seeding queries, counting them; stored lists
// the ids it claims to have.
type seedCounter struct {
	calls       map[string]int
	stored      map[string]bool
	storedCalls int
}

func (s *seedCounter) InsertMentions(context.Context, []mention.Mention) error { return nil }
func (s *seedCounter) InsertSpikes(context.Context, []store.Spike) error       { return nil }
func (s *seedCounter) StoredIDs(_ context.Context, ms []mention.Mention) (map[string]bool, error) {
	s.storedCalls++
	out := map[string]bool{}
	for _, m := range ms {
		if s.stored[m.ID] {
			out[m.ID] = true
		}
	}
	return out, nil
}
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

// TestDropDuplicates: a batch that may be a re-delivery (the first of a partition, and the next ones until
// a look-up finds nothing stored) loses what ClickHouse has; later batches are not looked up, but lose what
// this analyzer took recently.
func TestDropDuplicates(t *testing.T) {
	cfg := config.Default()
	st := &seedCounter{calls: map[string]int{}, stored: map[string]bool{"b": true}}
	a, err := New(&cfg, st, Options{Passthrough: true}, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	f := func(from int64, ids []string, want []string, wantLookups int) {
		t.Helper()
		var msgs []kafka.Message
		var ms []mention.Mention
		for i, id := range ids {
			msgs = append(msgs, kafka.Message{Partition: 2, Offset: from + int64(i)})
			ms = append(ms, mention.Mention{ID: id})
		}
		got, _, err := a.dropDuplicates(context.Background(), msgs, ms, nil)
		if err != nil {
			t.Fatal(err)
		}
		var gotIDs []string
		for _, m := range got {
			gotIDs = append(gotIDs, m.ID)
		}
		if !reflect.DeepEqual(gotIDs, want) || st.storedCalls != wantLookups {
			t.Fatalf("from offset %d: kept %v after %d look-ups, want %v after %d", from, gotIDs, st.storedCalls, want, wantLookups)
		}
	}
	f(10, []string{"a", "b", "c"}, []string{"a", "c"}, 1) // first batch: looked up, b was stored
	f(13, []string{"a", "d", "d"}, []string{"d"}, 2)      // looked up again (the last look-up found some); a and d seen recently
	f(16, []string{"g"}, []string{"g"}, 2)                // contiguous, and the last look-up found none
	f(100, []string{"e", "b", "c"}, []string{"e"}, 3)     // a jump (rebalance): looked up again
	f(103, []string{"f"}, []string{"f"}, 4)               // the last look-up found b
}

func TestRecentIDs(t *testing.T) {
	r := newRecentIDs(3)
	for _, c := range []struct {
		id  string
		new bool
	}{{"a", true}, {"a", false}, {"b", true}, {"c", true}, {"d", true}, {"a", true}, {"c", false}, {"b", true}} {
		if got := r.add(c.id); got != c.new {
			t.Fatalf("add(%q) = %v, want %v", c.id, got, c.new)
		}
	}
}
