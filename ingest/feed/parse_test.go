package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with the current output")

// goldenSource is the URL the test feeds are said to come from, to resolve their relative links.
const goldenSource = "https://feeds.example/feed"

// TestParseGolden parses every feed under testdata/ and compares the result (or the error) with the
// .golden.json file next to it. Run `go test ./ingest/feed -run Golden -update` after a deliberate change.
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, path := range files {
		if strings.HasSuffix(path, ".golden.json") || strings.HasPrefix(filepath.Base(path), "fuzz") {
			continue
		}
		n++
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var result any
			p, err := Parse(f, goldenSource)
			if err != nil {
				result = map[string]string{"error": err.Error()}
			} else {
				result = p
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(result); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := path + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Parse(%s) differs from %s (run with -update after a deliberate change):\ngot:\n%s\nwant:\n%s", path, golden, got, want)
			}
		})
	}
	if n < 10 {
		t.Fatalf("found %d feeds under testdata/, want the whole corpus", n)
	}
}

func TestParseNotFeed(t *testing.T) {
	f := func(doc, wantMsg string) {
		t.Helper()
		_, err := Parse(strings.NewReader(doc), "")
		if !errors.Is(err, ErrNotFeed) || !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("Parse(%.30q) = %v, want ErrNotFeed saying %q", doc, err, wantMsg)
		}
	}
	f("<!DOCTYPE html><html><body>hi</body></html>", "HTML page")
	f("", "empty")
	f("   \n", "empty")
	f("hello", "not an RSS")
	f(`{"a": 1}`, "JSON Feed")
	f(`<?xml version="1.0"?><rss version="2.0"><channel><item>`, "not an RSS")
}

func TestRepairs(t *testing.T) {
	f := func(fix func([]byte) ([]byte, bool), in, want string) {
		t.Helper()
		got, changed := fix([]byte(in))
		if string(got) != want || changed != (in != want) {
			t.Errorf("repair(%q) = %q, %v; want %q", in, got, changed, want)
		}
	}
	f(fixEntities, `a &amp; b &lt; &#233; &#xE9; &quot;`, `a &amp; b &lt; &#233; &#xE9; &quot;`)
	f(fixEntities, `AT&T & co &eacute;&nbsp;x &bogus; &`, `AT&amp;T &amp; co &#233;&#160;x &amp;bogus; &amp;`)
	f(fixInvalidUTF8, "caf\xe9 \x93ok\x94 déjà", "café “ok” déjà")
	f(dropControlChars, "a\x00b\x1fc\td\ne\rf", "abc\td\ne\rf")
	f(stripBOM, "\xef\xbb\xbf<rss/>", "<rss/>")
	f(stripLeadingGarbage, "oops\n<?xml version='1.0'?><rss/>", "<?xml version='1.0'?><rss/>")
	f(stripLeadingGarbage, "Warning: x <b>y</b>\n<rss version='2.0'/>", "<rss version='2.0'/>")
	f(stripLeadingGarbage, "Notice: x\n{\"version\":1}", "{\"version\":1}")
	f(stripLeadingGarbage, "  <?xml version='1.0'?><rss/>", "  <?xml version='1.0'?><rss/>")
	f(fixDeclaration, `<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>`, `<?xml version="1.0" encoding="UTF-8"?><a>é</a>`)
	f(fixDeclaration, `<?xml version="1.0" encoding='windows-1252'?><a>é</a>`, `<?xml version="1.0" encoding='UTF-8'?><a>é</a>`)
	f(fixDeclaration, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>")
	f(fixDeclaration, `<?xml version="1.0" encoding="ISO-8859-1"?><a>ascii</a>`, `<?xml version="1.0" encoding="ISO-8859-1"?><a>ascii</a>`)
	f(fixDeclaration, `<?xml version="1.0" encoding="utf-8"?><a>é</a>`, `<?xml version="1.0" encoding="utf-8"?><a>é</a>`)
}

func TestPlainText(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
	f("", "")
	f("  plain\n\ttext  ", "plain text")
	f("<p>one</p><p>two</p>", "one two")
	f("<b>Or</b>ange", "Orange")
	f("a<br>b<br/>c", "a b c")
	f("x<script>alert('<p>')</script>y<style>p{}</style>z", "x y z")
	f("caf&eacute;&nbsp;noir &amp; AT&T", "café noir & AT&T")
	f("a < b and c > d", "a < b and c > d")
	f("<ul><li>one</li><li>two</li></ul>", "one two")
	f("bad\x00\x07 bytes\xff here", "bad bytes here")
	f("zero\u200bwidth", "zerowidth")
}

func TestCanonical(t *testing.T) {
	f := func(link, base, want string) {
		t.Helper()
		if got := Canonical(link, base); got != want {
			t.Errorf("Canonical(%q, %q) = %q, want %q", link, base, got, want)
		}
	}
	f("https://Example.COM/a/b?utm_source=x&id=3&UTM_Medium=y#frag", "", "https://example.com/a/b?id=3")
	f("http://example.com:80", "", "http://example.com/")
	f("https://example.com:8443/x", "", "https://example.com:8443/x")
	f("/a?fbclid=1&xtor=RSS-3&gclid=2", "https://site.example/feed.xml", "https://site.example/a")
	f("../b?q=%C3%A9t%C3%A9&at_medium=rss", "https://site.example/x/y/feed", "https://site.example/x/b?q=%C3%A9t%C3%A9")
	f("page.html", "", "")
	f("mailto:someone@example.com", "https://site.example/", "")
	f("javascript:alert(1)", "https://site.example/", "")
	f("https://user:pw@example.com/x", "", "https://example.com/x")
	f("  https://example.com/x  ", "", "https://example.com/x")
	f("", "https://site.example/", "")
}

func TestCheckURL(t *testing.T) {
	f := func(u string, ok bool) {
		t.Helper()
		_, err := CheckURL(u)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrHostileURL)) {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", u, err, ok)
		}
	}
	f("https://example.com/feed", true)
	f("http://127.0.0.1:8080/rss", true)
	f("file:///etc/passwd", false)
	f("gopher://example.com/", false)
	f("ftp://example.com/feed", false)
	f("https:///nohost", false)
	f("https://user:secret@example.com/feed", false)
	f("example.com/feed", false)
}
