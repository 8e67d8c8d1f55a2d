// Command gen builds analyze/lang/ngrams.bin from the character n-gram models that the lingua-go module
// ships (Apache-2.0, see analyze/lang/README.md). Run it from the repository root:
//
//	go run ./analyze/lang/internal/gen
//
// It reads the module from the Go module cache (the Go module proxy fetches it on first use), so the table is
// rebuilt from a registry package by one command and nothing is downloaded when Vigie runs.
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"
)

const module = "github.com/pemistahl/lingua-go"

// langs must stay in the order of analyze/lang.languages.
var langs = []string{"fr", "en", "es", "de", "it", "pt", "nl"}

var orders = []string{"unigram", "bigram", "trigram", "quadrigram"}

func main() {
	out := flag.String("out", "analyze/lang/ngrams.bin", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	dirb, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		return fmt.Errorf("locate %s (run 'go mod download %s'): %w", module, module, err)
	}
	dir := strings.TrimSpace(string(dirb))
	// costs[ngram][lang] = quantised -ln P(last char | previous chars); 0 = absent.
	costs := map[string]*[7]uint8{}
	for li, l := range langs {
		for _, o := range orders {
			m, err := load(filepath.Join(dir, "language-models", l, o+"s.pb.bin.zip"))
			if err != nil {
				return err
			}
			for _, set := range m.NgramSets {
				q := quantise(set.Probability)
				for _, g := range set.Ngrams {
					c := costs[g]
					if c == nil {
						c = new([7]uint8)
						costs[g] = c
					}
					c[li] = q
				}
			}
		}
	}
	keys := make([]string, 0, len(costs))
	for k := range costs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	for _, k := range keys {
		if len(k) > 255 {
			return errors.New("n-gram too long: " + k)
		}
		w.WriteByte(byte(len(k)))
		w.WriteString(k)
		w.Write(costs[k][:])
	}
	w.Flush()
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("gen: wrote %s: %d n-grams, %d bytes\n", out, len(keys), buf.Len())
	return nil
}

// quantise maps a probability to 1..255 in steps of 1/12 nat; a coarser step costs no measurable accuracy.
func quantise(p float64) uint8 {
	q := 1 + math.Round(-math.Log(p)*12)
	return uint8(math.Min(255, math.Max(1, q)))
}

func load(path string) (*serialization.SerializableLanguageModel, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open model: %w", err)
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("%s: want one file in the zip", path)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	var m serialization.SerializableLanguageModel
	if err := proto.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}
