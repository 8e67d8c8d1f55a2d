package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vigie-oss/vigie/ingest/feed"
)

func init() {
	register("ingest", "run the ingest role (feeds → Kafka mentions); 'ingest parse FILE…' shows what a feed file yields", runIngest)
}

func runIngest(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	subs := map[string]command{"parse": {"print, as JSON lines, the items feed files yield", runIngestParse}}
	role := &command{"poll the configured feeds and produce mentions to Kafka", func(ctx context.Context, args []string, _ io.Reader, _, stderr io.Writer) int {
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stderr, "vigie ingest polls the configured feeds (sources.feeds and sources.opml), matches their items to the\n"+
				"brands and produces the mentions to Kafka, until SIGINT or SIGTERM.\n\n"+
				"Subcommands:\n  parse      print, as JSON lines, the items feed files yield (vigie ingest parse --help)")
		}
		return runRoles(ctx, "ingest", args, stderr, roles{ingest: true})
	}}
	return subcommands(ctx, "ingest", subs, role, args, stdin, stdout, stderr)
}

// parsedItem is one line of `vigie ingest parse`: the item's mention fields known before brand matching, and
// the file it came from.
type parsedItem struct {
	File string `json:"file"`
	feed.Item
}

func runIngestParse(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vigie ingest parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "URL the files were fetched from: resolves relative links and names a feed without title")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: vigie ingest parse [-url URL] FILE…

Prints one JSON object per item of each RSS, Atom or JSON Feed file, as ingest reads it before brand matching:
  file         the file the item comes from
  key          the item's identity across polls (GUID, else canonical link, else a hash of its content);
               a mention's id is derived from it and the brand
  source       always "rss"
  source_name  the feed's title, else its host
  url          canonical link: resolved, host in lower case, fragment and tracking parameters (utm_*, …) removed
  title, text  plain text: HTML removed, entities decoded, whitespace collapsed
  author, lang (ISO 639-1, detected, else the feed's declared language)
  published    RFC 3339, the item's publication (else update) time; absent when the feed gives neither
               (a mention then takes the fetch time)
Damaged feeds are repaired when a liberal reader could read them; the repairs are reported on stderr.
Exit status: 0 when every file is a feed, 1 when one is not (each is named on stderr), 2 on bad usage.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "vigie ingest parse: name at least one feed file")
		fs.Usage()
		return 2
	}
	if *base != "" {
		if _, err := feed.CheckURL(*base); err != nil {
			fmt.Fprintf(stderr, "vigie ingest parse: -url: %v\n", err)
			return 2
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	code := 0
	for _, path := range fs.Args() {
		if ctx.Err() != nil {
			return 1
		}
		p, err := parseFile(path, *base)
		if err != nil {
			fmt.Fprintf(stderr, "vigie ingest parse: %s: %v\n", path, err)
			code = 1
			continue
		}
		if len(p.Repairs) > 0 {
			fmt.Fprintf(stderr, "vigie ingest parse: %s: damaged feed recovered (%s)\n", path, strings.Join(p.Repairs, ", "))
		}
		for _, it := range p.Items {
			if err := enc.Encode(parsedItem{File: path, Item: it}); err != nil {
				fmt.Fprintf(stderr, "vigie ingest parse: write: %v\n", err)
				return 1
			}
		}
	}
	return code
}

func parseFile(path, base string) (*feed.Parsed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return feed.Parse(f, base)
}
