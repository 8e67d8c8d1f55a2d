package demo

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

func TestFeedsParseAndBurst(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s := DefaultScript(start, time.Minute)
	now := start.Add(2 * time.Minute) // one minute into the crisis
	srv := httptest.NewServer(s.Handler(func() time.Time { return now }))
	defer srv.Close()
	crisis := 0
	for _, f := range Feeds {
		resp, err := http.Get(srv.URL + "/" + f.Name)
		if err != nil {
			t.Fatal(err)
		}
		feed, err := gofeed.NewParser().Parse(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if len(feed.Items) == 0 || len(feed.Items) > s.Window {
			t.Fatalf("%s: %d items", f.Name, len(feed.Items))
		}
		for _, it := range feed.Items {
			if strings.Contains(it.GUID, "crisis") || strings.Contains(it.Link, "crisis") {
				crisis++
			}
			if it.PublishedParsed == nil || it.PublishedParsed.After(now) {
				t.Fatalf("%s: item %q has date %v", f.Name, it.Title, it.PublishedParsed)
			}
		}
		// conditional GET
		req, _ := http.NewRequest("GET", srv.URL+"/"+f.Name, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusNotModified {
			t.Fatalf("%s: conditional GET answered %d", f.Name, resp2.StatusCode)
		}
	}
	// forum and reddit publish a crisis item every 2 s for the minute since the burst began
	if crisis < 50 {
		t.Fatalf("only %d crisis items one minute into the burst", crisis)
	}
}

func TestItemsAreAFunctionOfTime(t *testing.T) {
	s := DefaultScript(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), time.Hour)
	from := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	a := s.Items("lemonde", from, from.Add(time.Hour))
	b := s.Items("lemonde", from, from.Add(time.Hour))
	if len(a) != 180 || a[0].GUID != b[0].GUID || !a[0].Published.After(a[1].Published) {
		t.Fatalf("got %d items, first %+v", len(a), a[0])
	}
}
