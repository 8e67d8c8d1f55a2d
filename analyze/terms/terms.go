// Package terms extracts the words, hashtags and two-word phrases of a mention, normalised so that the
// spike detector can count them: lower-cased, accents folded, French and English stop words removed.
package terms

import (
	"hash/maphash"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxTerms bounds the output of Extract: a long article must not cost the detector more than a tweet,
// and the first words of a mention (title, lead) are the ones that name its topic.
const MaxTerms = 64

var (
	stopFR   = frenchStopwords
	stopEN   = englishStopwords
	stopBoth = union(frenchStopwords, englishStopwords)
)

// foldPool holds accent-folding transformers: a transform.Transformer is stateful, so each call needs
// its own, and building the chain on every call would cost more than the folding itself.
var foldPool = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// Normalize lower-cases s and removes its diacritics ("Élysée" → "elysee"); typographic apostrophes
// become ASCII ones so that "l’avion" and "l'avion" give the same terms.
func Normalize(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return normalizeUnicode(s)
		}
	}
	return strings.ToLower(s)
}

// latinFold maps each rune of the Latin blocks French and English use (and the typographic apostrophe)
// to what Normalize's full chain makes of it, computed once from that chain: on those runes the chain
// works rune by rune, so a table look-up gives the same result without its cost.
const latinFoldEnd = 0x250

var latinFold = func() (t [latinFoldEnd]string) {
	for r := rune(0); r < latinFoldEnd; r++ {
		t[r] = foldChain(string(r))
	}
	return t
}()

func foldChain(s string) string {
	t := foldPool.Get().(transform.Transformer)
	folded, _, err := transform.String(t, s)
	foldPool.Put(t)
	if err == nil {
		s = folded
	}
	return strings.ToLower(strings.ReplaceAll(s, "’", "'"))
}

func normalizeUnicode(s string) string {
	var buf [1024]byte
	b := buf[:0]
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r < latinFoldEnd:
			b = append(b, latinFold[r]...)
		case r == '’':
			b = append(b, '\'')
		case r >= 0x2000 && r < 0x2C00 || r >= 0x1F000 && r < 0x1FB00:
			// Punctuation, symbols and emoji never compose with their neighbours.
			b = append(b, foldChain(string(r))...)
		default:
			// Other scripts can compose across runes (combining marks, Hangul, Indic vowel signs): the whole
			// chain decides.
			return foldChain(s)
		}
	}
	return string(b)
}

// Extract returns the distinct terms of text in order of first appearance, at most MaxTerms:
// words, "#hashtags", "@handles" and two-word phrases ("panne reseau") made of consecutive content words
// of one clause once stop words are removed. lang ("fr", "en", or anything else for both) selects the stop
// words; French elisions ("l'", "d'", "qu'") are stripped except in English. URLs and bare numbers are
// dropped. Extract is safe for concurrent use.
func Extract(text, lang string) []string {
	stop := stopBoth
	switch lang {
	case "fr":
		stop = stopFR
	case "en":
		stop = stopEN
	}
	text = Normalize(text)
	out := make([]string, 0, 16)
	// Duplicates are found with a small open-addressing set of indexes into out (at most a quarter full).
	var slots [4 * MaxTerms]uint8
	add := func(t string) bool {
		for i := maphash.String(slotSeed, t) % uint64(len(slots)); ; i = (i + 1) % uint64(len(slots)) {
			k := slots[i]
			if k == 0 {
				out = append(out, t)
				slots[i] = uint8(len(out))
				return len(out) < MaxTerms
			}
			if out[k-1] == t {
				return true
			}
		}
	}
	// Phrases are written into one buffer, cut into strings at the end: one allocation for all of them.
	var phraseBuf [512]byte
	phraseBytes := phraseBuf[:0]
	var ends [MaxTerms]int
	nPhrases := 0
	prev := "" // previous content word of the current clause, for phrases
	for field := range strings.FieldsSeq(text) {
		if strings.Contains(field, "://") || strings.HasPrefix(field, "www.") {
			prev = ""
			continue
		}
		for field != "" {
			tok, rest, brk := nextToken(field)
			field = rest
			if tok != "" {
				tok = trimElision(tok, lang)
				switch {
				case tok[0] == '#' || tok[0] == '@':
					if len(tok) > 2 && !add(tok) {
						return out
					}
					prev = ""
				case isStopOrShort(tok, stop):
					// A stop word does not break a phrase: "panne de reseau" gives "panne reseau".
				default:
					if !add(tok) {
						return out
					}
					if prev != "" && nPhrases < MaxTerms {
						phraseBytes = append(append(append(phraseBytes, prev...), ' '), tok...)
						ends[nPhrases] = len(phraseBytes)
						nPhrases++
					}
					prev = tok
				}
			}
			if brk {
				prev = ""
			}
		}
	}
	all, from := string(phraseBytes), 0
	for _, to := range ends[:nPhrases] {
		if !add(all[from:to]) {
			break
		}
		from = to
	}
	return out
}

var slotSeed = maphash.MakeSeed()

// nextToken splits the leading token off a whitespace-free field. A token is a run of letters and digits,
// possibly joined by inner apostrophes, hyphens or underscores, optionally led by '#' or '@'. brk reports
// clause punctuation (anything else) right after the token, which ends a phrase.
func nextToken(field string) (tok, rest string, brk bool) {
	start := -1
	for i, r := range field {
		word := isWordRune(r)
		if start < 0 {
			if word || ((r == '#' || r == '@') && i+1 < len(field)) {
				start = i
				continue
			}
			brk = true // leading punctuation, e.g. an opening quote or "—"
			continue
		}
		if word {
			continue
		}
		if (r == '\'' || r == '-' || r == '_') && i+1 < len(field) {
			next, _ := utf8.DecodeRuneInString(field[i+1:])
			if isWordRune(next) {
				continue
			}
		}
		tok = strings.TrimRight(field[start:i], "#@")
		return tok, field[i+utf8.RuneLen(r):], true
	}
	if start < 0 {
		return "", "", brk
	}
	return field[start:], "", false
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func trimElision(tok, lang string) string {
	i := strings.IndexByte(tok, '\'')
	if i <= 0 {
		return tok
	}
	if lang != "en" {
		if _, ok := elisions[tok[:i]]; ok && i+1 < len(tok) {
			return tok[i+1:]
		}
	}
	if lang != "fr" && strings.HasSuffix(tok, "'s") {
		return tok[:len(tok)-2] // English possessive: "apple's" counts as "apple"
	}
	return tok
}

func isStopOrShort(tok string, stop map[string]struct{}) bool {
	if utf8.RuneCountInString(tok) < 2 {
		return true
	}
	if _, ok := stop[tok]; ok {
		return true
	}
	for _, r := range tok {
		if !unicode.IsDigit(r) && r != '-' && r != '_' {
			return false
		}
	}
	return true // a bare number ("2026", "10-12") names no topic
}
