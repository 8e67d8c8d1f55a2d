// Package feed turns RSS, Atom and JSON Feed documents into Vigie items: it fetches feeds over HTTP
// (conditional GET, size cap, refusal of hostile URLs), parses them with gofeed, recovers what a liberal
// reader would from damaged feeds, cleans item HTML into plain text, canonicalises links, and reads OPML
// subscription lists.
package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/vigie-oss/vigie/analyze/lang"
	"github.com/vigie-oss/vigie/mention"
)

// Source is the mention source of every feed item.
const Source = "rss"

// Parsed is what a feed document yields.
type Parsed struct {
	Title    string `json:"title"`    // feed title, cleaned
	Link     string `json:"link"`     // feed home page, canonical
	Language string `json:"language"` // as the feed declares it ("fr-FR"), may be empty
	Format   string `json:"format"`   // "rss 2.0", "atom 1.0", "json https://jsonfeed.org/version/1.1", …
	Items    []Item `json:"items"`
	// Repairs names the damage Parse recovered from (Repair* constants); empty for a sound feed.
	Repairs []string `json:"repairs,omitempty"`
}

// Item is one feed entry with the mention fields known before brand matching. Its JSON form is the
// output of `vigie ingest parse`.
type Item struct {
	// Key identifies the item across polls and feeds: its GUID when that is globally unique (a URL, a URN,
	// a tag: URI), the GUID qualified by the feed host when it is a bare per-feed number, else the canonical
	// link, else a hash of title and text.
	Key        string    `json:"key"`
	Source     string    `json:"source"`
	SourceName string    `json:"source_name"`
	URL        string    `json:"url,omitempty"`
	Title      string    `json:"title,omitempty"`
	Text       string    `json:"text,omitempty"`
	Author     string    `json:"author,omitempty"`
	Lang       string    `json:"lang,omitempty"`
	Published  time.Time `json:"published,omitzero"` // publication, else update time; zero when the feed gives neither
}

// Mention returns the mention of brand in the item, fetched at fetched (also its publication time when the
// item has none).
func (it Item) Mention(brand string, matched []string, fetched time.Time) mention.Mention {
	published := it.Published
	if published.IsZero() {
		published = fetched
	}
	return mention.Mention{
		ID:         mention.NewID(brand, it.Key),
		Brand:      brand,
		Source:     it.Source,
		SourceName: it.SourceName,
		URL:        it.URL,
		Title:      it.Title,
		Text:       it.Text,
		Author:     it.Author,
		Lang:       it.Lang,
		Published:  published.UTC(),
		Fetched:    fetched.UTC(),
		Matched:    matched,
	}
}

// ErrNotFeed is wrapped by Parse's error for a document that is no feed even after repairs.
var ErrNotFeed = errors.New("not an RSS, Atom or JSON feed")

// Parse reads a whole feed document from r. sourceURL, where the feed came from, resolves relative links and
// names the source when the feed has no title; it may be empty. A damaged document is parsed as gofeed
// reads it when it can, else repaired (see Repair*) and parsed again; Parsed.Repairs says what was repaired.
func Parse(r io.Reader, sourceURL string) (*Parsed, error) {
	doc, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read feed: %w", err)
	}
	var repairs []string
	// A mislabelled encoding parses without error into mojibake, so it is checked before the first try.
	if fixed, ok := fixDeclaration(doc); ok {
		doc, repairs = fixed, append(repairs, RepairEncodingDeclaration)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(doc))
	if err != nil {
		fixed, more := sanitize(doc)
		if len(more) == 0 {
			return nil, notFeed(doc, err)
		}
		f, err = gofeed.NewParser().Parse(bytes.NewReader(fixed))
		if err != nil {
			return nil, notFeed(fixed, err)
		}
		repairs = append(repairs, more...)
	}
	if f.FeedType == "json" && !strings.Contains(f.FeedVersion, "jsonfeed.org") {
		return nil, fmt.Errorf("%w: a JSON document without a JSON Feed \"version\" (https://jsonfeed.org/version/1.1)", ErrNotFeed)
	}
	return convert(f, sourceURL, repairs), nil
}

// notFeed explains why doc is not a usable feed, naming an HTML page as such since that is the usual
// mistake (a site's home page configured instead of its feed).
func notFeed(doc []byte, err error) error {
	head := strings.ToLower(string(doc[:min(len(doc), 1024)]))
	if strings.Contains(head, "<html") || strings.Contains(head, "<!doctype html") {
		return fmt.Errorf("%w: this is an HTML page; configure the URL of the site's feed (look for <link rel=\"alternate\" type=\"application/rss+xml\"> in the page)", ErrNotFeed)
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return fmt.Errorf("%w: the document is empty", ErrNotFeed)
	}
	return fmt.Errorf("%w: %v", ErrNotFeed, err)
}

func convert(f *gofeed.Feed, sourceURL string, repairs []string) *Parsed {
	p := &Parsed{
		Title:    PlainText(f.Title),
		Link:     Canonical(f.Link, sourceURL),
		Language: strings.TrimSpace(f.Language),
		Format:   strings.TrimSpace(f.FeedType + " " + f.FeedVersion),
		Repairs:  repairs,
	}
	base := sourceURL
	if base == "" {
		base = p.Link
	}
	sourceName := p.Title
	if sourceName == "" {
		sourceName = Host(sourceURL)
	}
	if sourceName == "" {
		sourceName = Host(p.Link)
	}
	feedLang := primaryLanguage(p.Language)
	feedHost := Host(sourceURL)
	if feedHost == "" {
		feedHost = Host(p.Link)
	}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		item := Item{
			Source:     Source,
			SourceName: sourceName,
			URL:        Canonical(it.Link, base),
			Title:      PlainText(it.Title),
			Author:     author(it),
		}
		body := it.Content
		if strings.TrimSpace(PlainText(body)) == "" {
			body = it.Description
		}
		item.Text = truncate(PlainText(body), mention.MaxText)
		if item.Title == "" && item.Text == "" && item.URL == "" {
			continue
		}
		switch {
		case it.PublishedParsed != nil:
			item.Published = it.PublishedParsed.UTC()
		case it.UpdatedParsed != nil:
			item.Published = it.UpdatedParsed.UTC()
		}
		item.Key = itemKey(strings.TrimSpace(it.GUID), item, feedHost)
		item.Lang = itemLanguage(item.Title+". "+item.Text, feedLang)
		p.Items = append(p.Items, item)
	}
	return p
}

func itemKey(guid string, it Item, feedHost string) string {
	switch {
	case strings.Contains(guid, ":"):
		return guid
	case guid != "" && feedHost != "":
		// Bare GUIDs ("1234") are unique within one feed only.
		return feedHost + "/" + guid
	case guid != "":
		return guid
	case it.URL != "":
		return it.URL
	}
	h := sha256.Sum256([]byte(it.Title + "\x00" + it.Text))
	return "sha256:" + hex.EncodeToString(h[:16])
}

func author(it *gofeed.Item) string {
	for _, p := range it.Authors {
		if p != nil && strings.TrimSpace(p.Name) != "" {
			return PlainText(p.Name)
		}
	}
	if it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
		return PlainText(it.DublinCoreExt.Creator[0])
	}
	for _, p := range it.Authors {
		if p != nil && p.Email != "" {
			return PlainText(p.Email)
		}
	}
	return ""
}

// feedLanguageTrust is the confidence below which a detection that contradicts the feed's declared
// language gives way to it: short titles ("Orange en panne") fool any detector, a feed's language rarely lies.
const feedLanguageTrust = 0.9

// itemLanguage detects the language of an item's text, preferring the feed's declared language when the
// text is too short or ambiguous to say.
func itemLanguage(text, feedLang string) string {
	r := lang.DetectResult(text)
	if r.Lang == "" || (feedLang != "" && r.Lang != feedLang && r.Confidence < feedLanguageTrust) {
		return feedLang
	}
	return r.Lang
}

// primaryLanguage returns the ISO 639-1 code of a language tag such as "fr-FR", or "" when it has none.
func primaryLanguage(tag string) string {
	code, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	code, _, _ = strings.Cut(code, "_")
	if len(code) != 2 {
		return ""
	}
	return code
}
