package mention

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func sample() Mention {
	t0 := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	return Mention{
		ID: NewID("Orange", "https://example.fr/a"), Brand: "Orange", Source: "rss", SourceName: "example.fr",
		URL: "https://example.fr/a", Title: "Panne chez Orange", Text: "Le réseau est coupé depuis ce matin 😡",
		Author: "Jeanne", Lang: "fr", Published: t0, Fetched: t0.Add(time.Minute), Matched: []string{"orange"},
		Sentiment: -0.8, Label: "negative", Confidence: 0.9, Abusive: false,
	}
}

func TestRoundTrip(t *testing.T) {
	m := sample()
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"v":1,`) {
		t.Fatalf("wire form does not lead with the version: %s", b)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip changed the mention:\n got %+v\nwant %+v", got, m)
	}
}

func TestStableID(t *testing.T) {
	a, b := NewID("Orange", "guid-1"), NewID("orange", "guid-1")
	if a != b || len(a) != 32 {
		t.Fatalf("same item and brand gave %q and %q", a, b)
	}
	if NewID("Free", "guid-1") == a || NewID("Orange", "guid-2") == a {
		t.Fatal("different brand or item gave the same id")
	}
}

func TestDecodeRejects(t *testing.T) {
	f := func(in, wantErr string) {
		t.Helper()
		_, err := Decode([]byte(in))
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("Decode(%q) error = %v, want it to mention %q", in, err, wantErr)
		}
	}
	f(`not json`, "not valid JSON")
	f(`{"v":2,"id":"x","brand":"b","source":"rss","published":"2026-01-01T00:00:00Z"}`, "unsupported wire version 2")
	f(`{"v":1,"id":"x","source":"rss","published":"2026-01-01T00:00:00Z"}`, "brand is empty")
	f(`{"v":1,"id":"x","brand":"b","source":"rss"}`, "published time is missing")
	f(`{"v":1,"id":"x","brand":"b","source":"rss","published":"2026-01-01T00:00:00Z","text":"`+strings.Repeat("a", MaxText+1)+`"}`, "more than the")
}

func TestEncodeRejectsInvalid(t *testing.T) {
	m := sample()
	m.Brand = ""
	if _, err := Encode(m); err == nil {
		t.Fatal("Encode accepted a mention without brand")
	}
}

func TestTimeIgnoresFuturePublished(t *testing.T) {
	m := sample()
	if !m.Time().Equal(m.Published) {
		t.Fatal("Time should be Published")
	}
	m.Published = m.Fetched.Add(48 * time.Hour)
	if !m.Time().Equal(m.Fetched) {
		t.Fatal("a future Published should fall back to Fetched")
	}
}

// TestDecodeTolerates keeps what encoding/json v1 accepted from other producers: invalid UTF-8 (replaced),
// a repeated key (the last wins), keys in another case, unknown fields.
func TestDecodeTolerates(t *testing.T) {
	m, err := Decode([]byte("{\"v\":1,\"id\":\"x\",\"brand\":\"a\",\"Brand\":\"b\",\"source\":\"rss\",\"extra\":[1,{}]," +
		"\"published\":\"2026-01-01T00:00:00Z\",\"text\":\"caf\xe9 ok\"}"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Brand != "b" || m.Text != "caf\uFFFD ok" || m.Source != "rss" {
		t.Fatalf("got brand %q text %q source %q", m.Brand, m.Text, m.Source)
	}
}
