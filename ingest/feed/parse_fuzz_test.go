package feed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no document makes Parse panic, and that what it returns is usable: every item has
// a key, valid UTF-8 text and an http(s) link or none. Run: go test ./ingest/feed -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, path := range files {
		if strings.HasSuffix(path, ".golden.json") {
			continue
		}
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(tinyFeed))
	f.Add([]byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><feed><entry><title>&eacute;\x01\xff</title></entry></feed>"))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"../x","content_html":"<p>a"}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(strings.NewReader(string(doc)), "https://feeds.example/feed")
		if err != nil {
			return
		}
		for _, it := range p.Items {
			if it.Key == "" || it.Source != Source {
				t.Fatalf("item without key or source: %+v", it)
			}
			for _, s := range []string{it.Title, it.Text, it.Author, it.SourceName} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in %+v", it)
				}
			}
			if it.URL != "" && !strings.HasPrefix(it.URL, "http://") && !strings.HasPrefix(it.URL, "https://") {
				t.Fatalf("non-http link %q", it.URL)
			}
		}
	})
}
