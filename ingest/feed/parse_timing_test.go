package feed

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkParse measures Parse on a sound feed and on a damaged one that needs the repair pass.
// Run: go test ./ingest/feed -run '^$' -bench Parse -benchtime 2s
func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"rss-fr-latin1.xml", "atom.xml", "damaged-all.xml"} {
		doc, err := os.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(doc), goldenSource); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
