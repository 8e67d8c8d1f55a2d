package match

import (
	"strings"
	"testing"
)

// BenchmarkMatch measures matching a typical news item (title and a paragraph) against the test brands.
// Run: go test ./ingest/match -run '^$' -bench Match
func BenchmarkMatch(b *testing.B) {
	m, err := New(brands)
	if err != nil {
		b.Fatal(err)
	}
	text := "Grève à la SNCF : le trafic des TGV inOui reste perturbé ce lundi. " +
		strings.Repeat("Les usagers témoignent de longues attentes en gare et de correspondances manquées. ", 8)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if len(m.Match(text)) != 1 {
			b.Fatal("want one match")
		}
	}
}
