package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/net/html/charset"

	"github.com/vigie-oss/vigie/config"
)

type outline struct {
	Attrs    []xml.Attr `xml:",any,attr"`
	Outlines []outline  `xml:"outline"`
}

func (o outline) attr(name string) string {
	for _, a := range o.Attrs {
		if strings.EqualFold(a.Name.Local, name) {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// ParseOPML returns the feeds of an OPML subscription list: every outline, at any depth, with an xmlUrl.
// A declaration of a single-byte encoding over UTF-8 bytes is corrected as in Parse. Outlines whose xmlUrl is not an http(s) URL are returned in skipped, each saying why.
func ParseOPML(r io.Reader) (feeds []config.Feed, skipped []error, err error) {
	var doc struct {
		XMLName xml.Name
		Body    struct {
			Outlines []outline `xml:"outline"`
		} `xml:"body"`
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read OPML: %w", err)
	}
	raw, _ = fixDeclaration(raw)
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = false
	d.CharsetReader = charset.NewReaderLabel
	if err := d.Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("not an OPML document: %w", err)
	}
	if !strings.EqualFold(doc.XMLName.Local, "opml") {
		return nil, nil, fmt.Errorf("not an OPML document: the root element is <%s>, not <opml>", doc.XMLName.Local)
	}
	var walk func([]outline)
	walk = func(list []outline) {
		for _, o := range list {
			if u := o.attr("xmlUrl"); u != "" {
				if _, err := CheckURL(u); err != nil {
					skipped = append(skipped, fmt.Errorf("outline %q: %w", o.attr("text"), err))
				} else {
					name := o.attr("title")
					if name == "" {
						name = o.attr("text")
					}
					feeds = append(feeds, config.Feed{URL: u, Name: name})
				}
			}
			walk(o.Outlines)
		}
	}
	walk(doc.Body.Outlines)
	return feeds, skipped, nil
}

// LoadOPML reads the OPML file at path (see ParseOPML).
func LoadOPML(path string) ([]config.Feed, []error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("opml: %w", err)
	}
	defer f.Close()
	feeds, skipped, err := ParseOPML(f)
	if err != nil {
		return nil, nil, fmt.Errorf("opml %s: %w", path, err)
	}
	return feeds, skipped, nil
}

// MergeFeeds returns the feeds of lists in order, without a second feed whose canonical URL was already seen:
// the first one (the configured one, before OPML) keeps its name and interval.
func MergeFeeds(lists ...[]config.Feed) []config.Feed {
	seen := map[string]bool{}
	var out []config.Feed
	for _, list := range lists {
		for _, f := range list {
			key := Canonical(f.URL, "")
			if key == "" {
				key = f.URL
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, f)
		}
	}
	return out
}
