// Package lang detects the language of short texts (mentions, tweets, titles).
//
// It tells apart French, English, Spanish, German, Italian, Portuguese and Dutch with a character Markov
// model (orders 1 to 4, stupid back-off) whose probabilities are those of lingua-go, the Go language
// detector that is the most accurate on short texts among the libraries measured (see README.md).
// lingua-go itself costs 100–200 µs per tweet and embeds 124 MB of models for 75 languages into any binary
// that imports it; this package scores the same models for the languages Vigie needs in a few
// microseconds from a 3 MB table (ngrams.bin, rebuilt by `go run ./analyze/lang/internal/gen`).
//
// Detect is safe for concurrent use; the table is loaded once, on first use.
package lang

import (
	_ "embed"
	"encoding/binary"
	"math"
	"sync"
	"unicode"
)

// Languages lists the ISO 639-1 codes Detect can return, in the column order of ngrams.bin.
var Languages = []string{"fr", "en", "es", "de", "it", "pt", "nl"}

const (
	nLang    = 7
	maxOrder = 4
	// quantStep is the inverse of the cost unit written by the generator (1/12 nat).
	quantStep = 1.0 / 12
	// backoff is the cost of falling back to a shorter context (-ln 0.4, as in stupid back-off).
	backoff = 0.92
	// unseen is the cost of a character the language's model has never seen, even alone.
	unseen = 14.0
)

//go:embed ngrams.bin
var ngramsBin []byte

type table struct {
	index map[uint64]uint32 // n-gram hash -> offset in costs
	costs []uint8           // nLang quantised costs per n-gram, 0 = absent
}

var (
	loadOnce sync.Once
	tab      table
)

func load() {
	b := ngramsBin
	tab.index = make(map[uint64]uint32, 280000)
	tab.costs = make([]uint8, 0, 280000*nLang)
	var runes [256]rune
	for len(b) > 0 {
		n := int(b[0])
		g := string(b[1 : 1+n])
		k := 0
		for _, r := range g {
			runes[k] = r
			k++
		}
		tab.index[hash(runes[:k])] = uint32(len(tab.costs))
		tab.costs = append(tab.costs, b[1+n:1+n+nLang]...)
		b = b[1+n+nLang:]
	}
}

// hash is FNV-1a over the runes, with the length mixed in so that n-grams of different orders never share a key.
func hash(rs []rune) uint64 {
	h := uint64(14695981039346656037) ^ uint64(len(rs))
	for _, r := range rs {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(r))
		for _, c := range b {
			h ^= uint64(c)
			h *= 1099511628211
		}
	}
	return h
}

// Result is a detection with the evidence behind it.
type Result struct {
	Lang string // ISO 639-1 code, "" when the text has too few letters of a supported script
	// Confidence is the posterior probability of Lang against the other supported languages, in [0, 1].
	Confidence float64
}

// Detect returns the ISO 639-1 code of the text's language, or "" when it cannot tell
// (no letters, or a script none of the supported languages uses).
func Detect(text string) string { return DetectResult(text).Lang }

// DetectAmong is Detect restricted to the given languages (codes from Languages); others are never returned.
func DetectAmong(text string, langs ...string) string {
	var allow [nLang]bool
	for _, l := range langs {
		for i, c := range Languages {
			if c == l {
				allow[i] = true
			}
		}
	}
	return detect(text, &allow).Lang
}

// DetectResult is Detect with a confidence.
func DetectResult(text string) Result {
	all := [nLang]bool{true, true, true, true, true, true, true}
	return detect(text, &all)
}

func detect(text string, allow *[nLang]bool) Result {
	loadOnce.Do(load)
	var cost [nLang]float64
	var word [64]rune
	n, letters, latin := 0, 0, 0
	flush := func() {
		if n > 0 {
			scoreWord(word[:n], &cost)
			n = 0
		}
	}
	skip := false // inside a URL or an @handle
	prev := ' '
	for _, r := range text {
		if unicode.IsSpace(r) {
			flush()
			skip = false
			prev = r
			continue
		}
		if skip {
			continue
		}
		if r == '@' || (r == '/' && prev == ':') {
			n = 0
			skip = true
			continue
		}
		prev = r
		if unicode.IsLetter(r) {
			letters++
			if r < 0x250 {
				latin++
			}
			if n < len(word) {
				word[n] = unicode.ToLower(r)
				n++
			}
			continue
		}
		if r == '\'' || r == '’' || r == '-' || unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) {
			flush()
		}
	}
	flush()
	if letters == 0 || latin*2 < letters {
		return Result{}
	}
	best, bestCost := -1, math.Inf(1)
	for i := range cost {
		if allow[i] && cost[i] < bestCost {
			best, bestCost = i, cost[i]
		}
	}
	if best < 0 {
		return Result{}
	}
	var z float64
	for i := range cost {
		if allow[i] {
			z += math.Exp(bestCost - cost[i])
		}
	}
	return Result{Lang: Languages[best], Confidence: 1 / z}
}

// scoreWord adds to cost, per language, -ln P(word) under that language's character model.
func scoreWord(w []rune, cost *[nLang]float64) {
	for i := range w {
		var done [nLang]bool
		left := nLang
		pen := 0.0
		for o := min(maxOrder, i+1); o >= 1 && left > 0; o-- {
			if off, ok := tab.index[hash(w[i+1-o:i+1])]; ok {
				c := tab.costs[off : off+nLang]
				for l := range nLang {
					if !done[l] && c[l] != 0 {
						cost[l] += float64(c[l])*quantStep + pen
						done[l] = true
						left--
					}
				}
			}
			pen += backoff
		}
		if left > 0 {
			for l := range nLang {
				if !done[l] {
					cost[l] += unseen
				}
			}
		}
	}
}
