package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestIngestParseCommand(t *testing.T) {
	f := func(wantCode int, wantItems int, wantStderr string, args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := dispatch(context.Background(), append([]string{"ingest", "parse"}, args...), nil, &stdout, &stderr)
		if code != wantCode {
			t.Errorf("ingest parse %v exit %d, want %d; stderr:\n%s", args, code, wantCode, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if stdout.Len() == 0 {
			lines = nil
		}
		if len(lines) != wantItems {
			t.Errorf("ingest parse %v printed %d items, want %d:\n%s", args, len(lines), wantItems, stdout.String())
		}
		for _, l := range lines {
			var it map[string]any
			if err := json.Unmarshal([]byte(l), &it); err != nil || it["key"] == "" || it["file"] == "" || it["source"] != "rss" {
				t.Errorf("line %q is not an item (%v)", l, err)
			}
		}
		if !strings.Contains(stderr.String(), wantStderr) {
			t.Errorf("ingest parse %v stderr = %q, want it to contain %q", args, stderr.String(), wantStderr)
		}
	}
	const td = "../../ingest/feed/testdata/"
	f(0, 3, "", td+"rss-fr-latin1.xml")
	f(0, 5, "damaged feed recovered (leading_garbage)", td+"atom.xml", td+"damaged-leading-garbage.xml", td+"jsonfeed.json")
	f(1, 3, td+"not-a-feed.html: not an RSS, Atom or JSON feed: this is an HTML page", td+"not-a-feed.html", td+"rss-fr-latin1.xml")
	f(1, 0, "missing.xml: open", td+"missing.xml")
	f(2, 0, "name at least one feed file")
	f(2, 0, "is not http or https", "-url", "ftp://x", td+"atom.xml")
	f(0, 0, "Usage: vigie ingest parse", "--help")
}
