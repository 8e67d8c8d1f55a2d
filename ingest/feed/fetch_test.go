package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vigie-oss/vigie/config"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const tinyFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Orange</title><link>https://x.example/1</link></item></channel></rss>`

func newTestFetcher(t *testing.T, mod func(*config.Ingest)) *Fetcher {
	t.Helper()
	cfg := config.Default().Ingest
	cfg.AllowPrivateAddresses = true // the test servers listen on loopback
	mod(&cfg)
	f := NewFetcher(cfg)
	t.Cleanup(f.CloseIdleConnections)
	return f
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchConditionalGET(t *testing.T) {
	const etag, lastMod = `"v1"`, "Sat, 21 Nov 2026 10:00:00 GMT"
	var gotUA string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.Header.Get("User-Agent")
		if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		fmt.Fprint(w, tinyFeed)
	})
	f := newTestFetcher(t, func(c *config.Ingest) { c.UserAgent = "VigieTest/1" })
	ctx := context.Background()

	first, err := f.Fetch(ctx, srv.URL, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || string(first.Body) != tinyFeed || first.Validators != (Validators{ETag: etag, LastModified: lastMod}) {
		t.Fatalf("first fetch = %+v", first)
	}
	if gotUA != "VigieTest/1" {
		t.Errorf("User-Agent = %q, want the configured one", gotUA)
	}
	for _, v := range []Validators{first.Validators, {ETag: etag}, {LastModified: lastMod}} {
		again, err := f.Fetch(ctx, srv.URL, v)
		if err != nil {
			t.Fatal(err)
		}
		if !again.NotModified || len(again.Body) != 0 || again.Validators != v {
			t.Errorf("fetch with %+v = %+v, want 304 keeping the validators", v, again)
		}
	}
}

func TestFetchErrors(t *testing.T) {
	big := strings.Repeat("x", 4096)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, big) })
	mux.HandleFunc("/big-chunked", func(w http.ResponseWriter, r *http.Request) {
		for range 4 {
			fmt.Fprint(w, big[:1024])
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "y")
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, big[:2048]) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/slow-body", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<rss>")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/loop-a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-b", http.StatusFound) })
	mux.HandleFunc("/loop-b", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-a", http.StatusFound) })
	mux.HandleFunc("/chain/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/to-file", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/feed", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tinyFeed) })
	srv := serve(t, mux.ServeHTTP)
	f := newTestFetcher(t, func(c *config.Ingest) {
		c.MaxBodyBytes = 2048
		c.Timeout = 200 * time.Millisecond
	})

	check := func(path, wantReason string, wantStatus int, wantRetryAfter func(time.Duration) bool) {
		t.Helper()
		resp, err := f.Fetch(context.Background(), srv.URL+path, Validators{})
		if wantReason == "" {
			if err != nil {
				t.Errorf("Fetch(%s) = %v, want success", path, err)
			} else if len(resp.Body) == 0 {
				t.Errorf("Fetch(%s) returned an empty body", path)
			}
			return
		}
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("Fetch(%s) = %v, %v; want a *feed.Error with reason %s", path, resp, err, wantReason)
			return
		}
		if fe.Reason != wantReason || Reason(err) != wantReason || fe.Status != wantStatus {
			t.Errorf("Fetch(%s) = reason %s status %d (%v); want %s %d", path, fe.Reason, fe.Status, err, wantReason, wantStatus)
		}
		if wantRetryAfter != nil && !wantRetryAfter(fe.RetryAfter) {
			t.Errorf("Fetch(%s) RetryAfter = %s", path, fe.RetryAfter)
		}
	}
	check("/exact", "", 0, nil)
	check("/moved", "", 0, nil)
	check("/big", ReasonTooLarge, 0, nil)
	check("/big-chunked", ReasonTooLarge, 0, nil)
	check("/slow", ReasonTimeout, 0, nil)
	check("/slow-body", ReasonTimeout, 0, nil)
	check("/500", ReasonHTTPStatus, 500, func(d time.Duration) bool { return d == 0 })
	check("/429", ReasonHTTPStatus, 429, func(d time.Duration) bool { return d == 120*time.Second })
	check("/503", ReasonHTTPStatus, 503, func(d time.Duration) bool { return d > 59*time.Minute && d <= time.Hour })
	check("/loop-a", ReasonHostileURL, 0, nil)
	check("/chain/", ReasonHostileURL, 0, nil)
	check("/to-file", ReasonHostileURL, 0, nil)

	_, err := f.Fetch(context.Background(), "file:///etc/passwd", Validators{})
	if Reason(err) != ReasonHostileURL {
		t.Errorf("Fetch(file://) = %v, want hostile_url", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Fetch(ctx, srv.URL+"/feed", Validators{}); Reason(err) != ReasonCanceled {
		t.Errorf("Fetch with a cancelled context = %v, want canceled", err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if _, err := f.Fetch(context.Background(), closed.URL, Validators{}); Reason(err) != ReasonNetwork {
		t.Errorf("Fetch from a closed server = %v, want network", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	f := func(h string, want time.Duration) {
		t.Helper()
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", h, got, want)
		}
	}
	f("", 0)
	f("30", 30*time.Second)
	f(" 5 ", 5*time.Second)
	f("-3", 0)
	f("Sun, 22 Nov 2026 12:10:00 GMT", 10*time.Minute)
	f("Sun, 22 Nov 2026 11:00:00 GMT", 0)
	f("soon", 0)
}

func TestParseOPML(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="2.0"><head><title>subs</title></head><body>
  <outline text="News">
    <outline text="Le Monde" title="Le Monde – Économie" type="rss" xmlUrl="https://www.lemonde.fr/economie/rss_full.xml"/>
    <outline text="Tech"><outline text="HN" xmlurl="https://news.ycombinator.com/rss"/></outline>
    <outline text="bad" xmlUrl="file:///etc/passwd"/>
  </outline>
  <outline text="Blog" xmlUrl="http://blog.example/feed"/>
  <outline text="folder without feed"/>
</body></opml>`
	feeds, skipped, err := ParseOPML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(feeds)
	want := fmt.Sprint([]config.Feed{
		{URL: "https://www.lemonde.fr/economie/rss_full.xml", Name: "Le Monde – Économie"},
		{URL: "https://news.ycombinator.com/rss", Name: "HN"},
		{URL: "http://blog.example/feed", Name: "Blog"},
	})
	if got != want {
		t.Errorf("feeds = %s\nwant %s", got, want)
	}
	if len(skipped) != 1 || !errors.Is(skipped[0], ErrHostileURL) {
		t.Errorf("skipped = %v, want the file:// outline", skipped)
	}
	if _, _, err := ParseOPML(strings.NewReader(tinyFeed)); err == nil || !strings.Contains(err.Error(), "<rss>") {
		t.Errorf("ParseOPML(rss) = %v, want an error naming the root element", err)
	}
}

func TestMergeFeeds(t *testing.T) {
	got := MergeFeeds(
		[]config.Feed{{URL: "https://a.example/rss", Name: "A", Interval: time.Minute}},
		[]config.Feed{{URL: "https://A.example/rss#x", Name: "dup"}, {URL: "https://b.example/rss"}, {URL: "https://b.example/rss?utm_source=opml"}},
	)
	want := []config.Feed{{URL: "https://a.example/rss", Name: "A", Interval: time.Minute}, {URL: "https://b.example/rss"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("MergeFeeds = %v, want %v", got, want)
	}
}

// TestFetchRefusesPrivateAddresses: by default a feed on loopback, or one redirecting to the cloud metadata
// address, is refused as hostile, after DNS and before any byte is sent.
func TestFetchRefusesPrivateAddresses(t *testing.T) {
	hits := 0
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits++
		io.WriteString(w, tinyFeed)
	})
	f := newTestFetcher(t, func(c *config.Ingest) { c.AllowPrivateAddresses = false })
	for _, u := range []string{srv.URL, "http://localhost:" + srv.URL[strings.LastIndexByte(srv.URL, ':')+1:], "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/", "http://10.1.2.3:9/"} {
		_, err := f.Fetch(context.Background(), u, Validators{})
		if Reason(err) != ReasonHostileURL || !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("Fetch(%s) = %v (reason %s), want a hostile_url refusal", u, err, Reason(err))
		}
	}
	if hits != 0 {
		t.Fatalf("the loopback server was reached %d times", hits)
	}
	for ip, public := range map[string]bool{"127.0.0.1": false, "10.0.0.1": false, "192.168.1.1": false, "172.16.0.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "::1": false, "fd00::1": false, "fe80::1": false,
		"::ffff:127.0.0.1": false, "224.0.0.1": false, "93.184.216.34": true, "2606:2800:220:1::1": true, "::ffff:93.184.216.34": true} {
		if got := publicAddr(netip.MustParseAddr(ip)); got != public {
			t.Errorf("publicAddr(%s) = %v, want %v", ip, got, public)
		}
	}
}

func TestProxyHosts(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://10.0.0.5:3128")
	t.Setenv("https_proxy", "proxy.corp")
	got := proxyHosts()
	if !got["10.0.0.5:3128"] || !got["proxy.corp:80"] || len(got) != 2 {
		t.Fatalf("proxyHosts() = %v", got)
	}
}
