// Package match decides which configured brands a text mentions.
//
// A brand is mentioned when one of its terms (name, aliases, keywords) appears as whole words and none of its
// exclusions does. Comparison ignores case and accents ("Société Générale" matches "SOCIETE GENERALE"), and
// words are runs of letters and digits, so "Orange" matches "orange's" and "#orange" but not "orangeade".
// A term written with a leading # or @ ("#orange", "@SNCFVoyageurs") matches only the hashtag or handle.
//
// This is the simple matcher of the foundation; the brand query language replaces it behind the same API.
package match

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/vigie-oss/vigie/config"
)

// Match is one brand mentioned by a text.
type Match struct {
	Brand string
	// Terms are the brand's terms found in the text, as configured, in configuration order.
	Terms []string
}

// Matcher finds brand mentions. It is immutable and safe for concurrent use.
type Matcher struct {
	brands []brand
}

type brand struct {
	name    string
	terms   []phrase
	exclude []phrase
}

type phrase struct {
	text  string // as configured
	words []token
}

// token is one normalised word; prefix is '#' or '@' for a hashtag or handle, else 0.
type token struct {
	prefix byte
	word   string
}

// New compiles the brands' terms. It fails on a term that has no letter or digit, which could never match.
func New(brands []config.Brand) (*Matcher, error) {
	m := &Matcher{}
	for i, b := range brands {
		cb := brand{name: b.Name}
		compile := func(field string, terms []string) ([]phrase, error) {
			var out []phrase
			for k, t := range terms {
				words := tokenize(t)
				if len(words) == 0 {
					return nil, fmt.Errorf("match: brands[%d] (%s) %s[%d] %q has no letter or digit; remove it or spell the word", i, b.Name, field, k, t)
				}
				out = append(out, phrase{text: t, words: words})
			}
			return out, nil
		}
		var err error
		if cb.terms, err = compile("terms", b.Terms()); err != nil {
			return nil, err
		}
		if cb.exclude, err = compile("exclude", b.Exclude); err != nil {
			return nil, err
		}
		m.brands = append(m.brands, cb)
	}
	return m, nil
}

// Match returns the brands text mentions, in configuration order.
func (m *Matcher) Match(text string) []Match {
	words := tokenize(text)
	if len(words) == 0 {
		return nil
	}
	var out []Match
	for _, b := range m.brands {
		var found []string
		for _, p := range b.terms {
			if contains(words, p.words) && !containsString(found, p.text) {
				found = append(found, p.text)
			}
		}
		if len(found) == 0 {
			continue
		}
		excluded := false
		for _, p := range b.exclude {
			if contains(words, p.words) {
				excluded = true
				break
			}
		}
		if !excluded {
			out = append(out, Match{Brand: b.name, Terms: found})
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// contains reports whether phrase occurs as consecutive words of text. A phrase word with a # or @ prefix
// needs the same prefix in the text; a plain word matches with or without one (the brand's hashtag is a
// mention of the brand).
func contains(text, phrase []token) bool {
	for i := 0; i+len(phrase) <= len(text); i++ {
		ok := true
		for j, p := range phrase {
			t := text[i+j]
			if t.word != p.word || (p.prefix != 0 && t.prefix != p.prefix) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// tokenize splits s into words of letters and digits, lower-cased and without accents. A '#' or '@' right
// before a word is kept as its prefix.
func tokenize(s string) []token {
	s = fold(s)
	var out []token
	var prefix byte
	start := -1
	for i, r := range s {
		isWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case isWord && start < 0:
			start = i
		case !isWord && start >= 0:
			out = append(out, token{prefix: prefix, word: s[start:i]})
			start, prefix = -1, 0
		}
		if !isWord {
			prefix = 0
			if r == '#' || r == '@' {
				prefix = byte(r)
			}
		}
	}
	if start >= 0 {
		out = append(out, token{prefix: prefix, word: s[start:]})
	}
	return out
}

// fold lower-cases s and removes combining marks after canonical decomposition, so "É" and "é" become "e".
func fold(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
