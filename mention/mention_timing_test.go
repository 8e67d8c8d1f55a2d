package mention

import (
	"testing"
	"time"
)

// BenchmarkDecode measures the analyzer's per-message decoding of a typical feed mention.
//
//	go test ./mention -run '^$' -bench Decode
func BenchmarkDecode(b *testing.B) {
	at := time.Date(2026, 11, 22, 9, 30, 0, 123456789, time.UTC)
	v, err := Encode(Mention{ID: NewID("Orange", "urn:x:1"), Brand: "Orange", Source: "rss", SourceName: "Le Fil Conso",
		URL: "https://example.org/articles/2026/11/22/panne-orange", Title: "Panne géante chez Orange : les clients furieux",
		Text: "Depuis ce matin, impossible d’appeler ou de se connecter à Internet pour des milliers d’abonnés. " +
			"Le service client ne répond plus et l’opérateur évoque « un incident technique ».",
		Author: "Rédaction", Lang: "fr", Published: at, Fetched: at.Add(time.Minute), Matched: []string{"orange"}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(v); err != nil {
			b.Fatal(err)
		}
	}
}
