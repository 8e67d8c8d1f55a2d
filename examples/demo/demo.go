// Package demo replays realistic French and English sample feeds for the demo (`vigie demo`): a few news
// sites, a consumer forum and a social site that mention the example brands at a steady pace, until a
// crisis breaks out — a burst of angry mentions of one brand that the spike detector must catch.
//
// The feeds are a pure function of time (item k of a feed is published at Start + k·Every), so the demo can
// also generate the history the feeds would have had, to seed ClickHouse with a baseline.
package demo

import (
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Feed is one sample feed.
type Feed struct {
	Name   string // path on the server: /NAME
	Title  string
	Lang   string
	Format string // "rss", "atom" or "json"
}

// Feeds are the sample feeds, in the order of background.tsv's first column.
var Feeds = []Feed{
	{"lemonde", "Le Monde — Économie", "fr", "rss"},
	{"franceinfo", "franceinfo — Titres", "fr", "rss"},
	{"techcrunch", "TechCrunch", "en", "atom"},
	{"forum", "Forum Conso — Télécoms et transports", "fr", "json"},
	{"reddit", "r/europe — new", "en", "atom"},
}

// Item is one published entry.
type Item struct {
	Feed      string
	GUID      string
	Title     string
	Text      string
	Published time.Time
}

type line struct{ feed, title, text string }

var (
	//go:embed background.tsv
	backgroundTSV string
	//go:embed burst.tsv
	burstTSV   string
	background = parseLines(backgroundTSV)
	burst      = parseLines(burstTSV)
)

func parseLines(tsv string) map[string][]line {
	out := map[string][]line{}
	for _, l := range strings.Split(tsv, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 {
			panic(fmt.Sprintf("demo: malformed sample line %q", l)) // embedded data: a bad line is a build defect
		}
		out[f[0]] = append(out[f[0]], line{f[0], f[1], f[2]})
	}
	return out
}

// Key is the item's globally unique id, the GUID every format carries (so ingest keys it the same way).
func (it Item) Key() string { return "urn:demo:" + it.GUID }

// Script is the demo's timeline.
type Script struct {
	Since      time.Time     // feeds show nothing published before (the history is stored directly instead)
	Every      time.Duration // between two background items of one feed
	BurstAt    time.Time     // when the crisis starts
	BurstFor   time.Duration // how long it lasts
	BurstEvery time.Duration // between two crisis items of one crisis feed
	Window     int           // items a feed shows
}

// DefaultScript starts the crisis burstAfter from now.
func DefaultScript(now time.Time, burstAfter time.Duration) Script {
	return Script{Since: now, Every: 20 * time.Second, BurstAt: now.Add(burstAfter), BurstFor: 3 * time.Minute, BurstEvery: 2 * time.Second, Window: 60}
}

// Items returns the items of feed published in (from, to], newest first.
func (s Script) Items(feed string, from, to time.Time) []Item {
	var out []Item
	if crisis := burst[feed]; len(crisis) > 0 {
		end := s.BurstAt.Add(s.BurstFor)
		if to.Before(end) {
			end = to
		}
		for k := int64(0); ; k++ {
			t := s.BurstAt.Add(time.Duration(k) * s.BurstEvery)
			if t.After(end) {
				break
			}
			if t.After(from) {
				l := crisis[k%int64(len(crisis))]
				out = append(out, Item{feed, fmt.Sprintf("%s-crisis-%d", feed, t.Unix()), l.title, l.text, t})
			}
		}
	}
	lines := background[feed]
	for k := from.UnixNano()/int64(s.Every) + 1; k <= to.UnixNano()/int64(s.Every); k++ {
		l := lines[k%int64(len(lines))]
		out = append(out, Item{feed, fmt.Sprintf("%s-%d", feed, k), l.title, l.text, time.Unix(0, k*int64(s.Every)).UTC()})
	}
	// newest first, as feeds list them
	slices.SortFunc(out, func(a, b Item) int { return b.Published.Compare(a.Published) })
	return out
}

// Handler serves every feed at /NAME, showing the Window newest items at the time of the request, with
// Last-Modified and ETag so pollers can use conditional GET.
func (s Script) Handler(now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	for _, f := range Feeds {
		mux.HandleFunc("/"+f.Name, func(w http.ResponseWriter, r *http.Request) {
			t := now()
			from := t.Add(-time.Duration(s.Window) * s.Every)
			if from.Before(s.Since) {
				from = s.Since
			}
			items := s.Items(f.Name, from, t)
			if len(items) > s.Window {
				items = items[:s.Window]
			}
			if len(items) > 0 {
				etag := fmt.Sprintf(`"%s-%d"`, f.Name, items[0].Published.UnixNano())
				w.Header().Set("ETag", etag)
				w.Header().Set("Last-Modified", items[0].Published.UTC().Format(http.TimeFormat))
				if r.Header.Get("If-None-Match") == etag {
					w.WriteHeader(http.StatusNotModified)
					return
				}
			}
			body, ctype := render(f, "http://"+r.Host, items)
			w.Header().Set("Content-Type", ctype)
			w.Write(body)
		})
	}
	return mux
}

// Link is the permalink of an item on the demo server.
func Link(base string, it Item) string { return base + "/" + it.Feed + "/" + it.GUID }

func render(f Feed, base string, items []Item) ([]byte, string) {
	switch f.Format {
	case "atom":
		type entry struct {
			Title string `xml:"title"`
			ID    string `xml:"id"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Updated string `xml:"updated"`
			Author  struct {
				Name string `xml:"name"`
			} `xml:"author"`
			Content struct {
				Type string `xml:"type,attr"`
				Body string `xml:",chardata"`
			} `xml:"content"`
		}
		feed := struct {
			XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
			Title   string   `xml:"title"`
			ID      string   `xml:"id"`
			Updated string   `xml:"updated"`
			Entries []entry  `xml:"entry"`
		}{Title: f.Title, ID: base + "/" + f.Name, Updated: time.Now().UTC().Format(time.RFC3339)}
		for _, it := range items {
			var e entry
			e.Title, e.ID, e.Updated = it.Title, it.Key(), it.Published.Format(time.RFC3339)
			e.Link.Href = Link(base, it)
			e.Author.Name = "user" + it.GUID[len(it.GUID)-3:]
			e.Content.Type, e.Content.Body = "html", "<p>"+it.Text+"</p>"
			feed.Entries = append(feed.Entries, e)
		}
		b, _ := xml.MarshalIndent(feed, "", "  ")
		return append([]byte(xml.Header), b...), "application/atom+xml; charset=utf-8"
	case "json":
		type item struct {
			ID            string `json:"id"`
			URL           string `json:"url"`
			Title         string `json:"title"`
			ContentHTML   string `json:"content_html"`
			DatePublished string `json:"date_published"`
		}
		feed := struct {
			Version string `json:"version"`
			Title   string `json:"title"`
			HomeURL string `json:"home_page_url"`
			Items   []item `json:"items"`
		}{Version: "https://jsonfeed.org/version/1.1", Title: f.Title, HomeURL: base}
		for _, it := range items {
			feed.Items = append(feed.Items, item{it.Key(), Link(base, it), it.Title, "<p>" + it.Text + "</p>", it.Published.Format(time.RFC3339)})
		}
		b, _ := json.MarshalIndent(feed, "", "  ")
		return b, "application/feed+json; charset=utf-8"
	default:
		type rssItem struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
			GUID  struct {
				PermaLink string `xml:"isPermaLink,attr"`
				ID        string `xml:",chardata"`
			} `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
		}
		type channel struct {
			Title    string    `xml:"title"`
			Link     string    `xml:"link"`
			Language string    `xml:"language"`
			Items    []rssItem `xml:"item"`
		}
		feed := struct {
			XMLName xml.Name `xml:"rss"`
			Version string   `xml:"version,attr"`
			Channel channel  `xml:"channel"`
		}{Version: "2.0", Channel: channel{Title: f.Title, Link: base, Language: f.Lang}}
		for _, it := range items {
			ri := rssItem{Title: it.Title, Link: Link(base, it), PubDate: it.Published.Format(time.RFC1123Z), Description: "<p>" + it.Text + "</p>"}
			ri.GUID.PermaLink, ri.GUID.ID = "false", it.Key()
			feed.Channel.Items = append(feed.Channel.Items, ri)
		}
		b, _ := xml.MarshalIndent(feed, "", "  ")
		return append([]byte(xml.Header), b...), "application/rss+xml; charset=utf-8"
	}
}
