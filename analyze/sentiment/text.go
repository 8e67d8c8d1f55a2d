package sentiment

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tWord tokKind = iota
	tHashtag
	tMention
	tURL
	tEmoji
	tEmoticon
	tPunct // . , ; : ! ? and newlines; norm holds the mark ("!" for a run of them, with count in rep)
	tNumber
)

// token is one unit of a mention. norm is lowercased and accent-folded, with letter runs of three or more
// cut to two ("nuuul" -> "nuul"); lexicon look-ups also try the run cut to one ("nul").
type token struct {
	norm  string
	kind  tokKind
	title bool // starts with a capital letter
	caps  bool // written in capitals (two letters or more) in a text that is not all capitals
	elong bool // had a letter repeated three times or more
	rep   int  // for punctuation: how many times the mark was repeated
}

// unescape turns literal \uXXXX sequences, which some exports leave in tweets ("i\u2019m"), into characters.
func unescape(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+6 <= len(s) && s[i+1] == 'u' {
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
				b.WriteRune(rune(v))
				i += 5
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fold lowercases r and strips its diacritics, for the Latin letters French and English use.
func fold(r rune) rune {
	r = unicode.ToLower(r)
	if r < 0xC0 {
		return r
	}
	switch r {
	case 'à', 'â', 'ä', 'á', 'ã', 'å':
		return 'a'
	case 'ç':
		return 'c'
	case 'é', 'è', 'ê', 'ë':
		return 'e'
	case 'î', 'ï', 'í', 'ì':
		return 'i'
	case 'ô', 'ö', 'ó', 'ò', 'õ':
		return 'o'
	case 'ù', 'û', 'ü', 'ú':
		return 'u'
	case 'ÿ', 'ý':
		return 'y'
	case 'ñ':
		return 'n'
	case '’', 'ʼ', '‘', '`', '´':
		return '\''
	}
	return r
}

// foldString folds every rune and expands the ligatures œ and æ.
func foldString(s string) string {
	// Most words are lowercase ASCII already: return them as they are, and lowercase other ASCII in place
	// (fold changes no ASCII byte but A-Z).
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return foldRunes(s)
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func foldRunes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case 'œ', 'Œ':
			b.WriteString("oe")
		case 'æ', 'Æ':
			b.WriteString("ae")
		default:
			b.WriteRune(fold(r))
		}
	}
	return b.String()
}

// squeeze cuts runs of a letter longer than max to max; it reports whether it cut anything.
func squeeze(s string, max int) (string, bool) {
	if !hasRun(s, max) {
		return s, false
	}
	run, prev, cut := 0, rune(-1), false
	var b []byte
	for i, r := range s {
		if r == prev && unicode.IsLetter(r) {
			run++
		} else {
			run, prev = 1, r
		}
		if run > max {
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[:i]...)
			}
			cut = true
			continue
		}
		if b != nil {
			b = utf8.AppendRune(b, r)
		}
	}
	if b == nil {
		return s, false
	}
	return string(b), cut
}

// hasRun reports whether s may have a run of one letter longer than max: exactly for ASCII, and always
// (for squeeze's slower loop to decide) when s has other runes.
func hasRun(s string, max int) bool {
	run := 1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return true
		}
		if i > 0 && c == s[i-1] && isASCIILetter(c) {
			run++
			if run > max {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// elisions are the French words that lose their vowel before another word: "j'adore" is "j'" + "adore".
var elisions = map[string]bool{"l": true, "d": true, "j": true, "m": true, "n": true, "s": true, "t": true, "c": true,
	"qu": true, "jusqu": true, "lorsqu": true, "puisqu": true, "quoiqu": true}

// emoticons are matched at a token boundary, longest first.
var emoticons = []string{">:(", ":'-(", ":-)", ":-(", ":-D", ":-p", ":-/", ":-|", ":)))", ":'(", "</3", "<33",
	":))", ":((", ":)", ":(", ":D", ":p", ":P", ":/", ":\\", ":|", ":]", ":[", ";)", ";-)", "=)", "=(", "xD", "XD", "<3", "D:"}

func isEmojiRune(r rune) bool {
	return (r >= 0x1F300 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) || (r >= 0x1F000 && r <= 0x1F2FF) ||
		r == 0x2B50 || r == 0x2B55 || r == 0x2764 || r == 0x2639 || r == 0x263A
}

// isEmojiModifier reports runes that only modify the emoji before them (skin tones, joiners, variation selectors).
func isEmojiModifier(r rune) bool {
	return r == 0xFE0F || r == 0xFE0E || r == 0x200D || (r >= 0x1F3FB && r <= 0x1F3FF)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIILetter(byte(r)) || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// tokenize splits a mention into tokens; it never fails and keeps byte offsets into text.
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/4+4)
	letters, upper := 0, 0
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= utf8.RuneSelf {
			letters, upper = countLetters(text)
			break
		} else if isASCIILetter(c) {
			letters++
			if c <= 'Z' {
				upper++
			}
		}
	}
	shouting := letters > 0 && upper*10 > letters*8
	atBoundary := true
	i := 0
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case unicode.IsSpace(r):
			if r == '\n' {
				toks = append(toks, token{norm: "\n", kind: tPunct, rep: 1})
			}
			i += size
			atBoundary = true
			continue
		case atBoundary && (r == 'h' || r == 'w') && (strings.HasPrefix(text[i:], "http://") || strings.HasPrefix(text[i:], "https://") || strings.HasPrefix(text[i:], "www.") || text[i:] == "http"):
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if unicode.IsSpace(r2) {
					break
				}
				j += s2
			}
			toks = append(toks, token{norm: "<url>", kind: tURL})
			i = j
			continue
		}
		if atBoundary && emoticonStart[text[i]] {
			if e := matchEmoticon(text[i:]); e != "" {
				toks = append(toks, token{norm: e, kind: tEmoticon})
				i += len(e)
				continue
			}
		}
		atBoundary = false
		switch {
		case (r == '@' || r == '#') && i+size < len(text):
			r2, _ := utf8.DecodeRuneInString(text[i+size:])
			if !isWordRune(r2) {
				i += size
				continue
			}
			j := i + size
			for j < len(text) {
				r3, s3 := utf8.DecodeRuneInString(text[j:])
				if !isWordRune(r3) && r3 != '_' {
					break
				}
				j += s3
			}
			kind := tHashtag
			if r == '@' {
				kind = tMention
			}
			norm, elong := squeeze(foldString(text[i:j]), 2)
			toks = append(toks, token{norm: norm, kind: kind, elong: elong})
			i = j
		case isWordRune(r):
			i = wordAt(text, i, shouting, &toks)
		case isEmojiRune(r):
			j := i + size
			for j < len(text) {
				r3, s3 := utf8.DecodeRuneInString(text[j:])
				if !isEmojiModifier(r3) {
					break
				}
				j += s3
			}
			toks = append(toks, token{norm: text[i : i+size], kind: tEmoji})
			i = j
		case strings.ContainsRune(".,;:!?…", r):
			j, n := i+size, 1
			for j < len(text) {
				r3, s3 := utf8.DecodeRuneInString(text[j:])
				if r3 != r {
					break
				}
				j += s3
				n++
			}
			mark := string(r)
			if r == '…' {
				mark = "."
			}
			toks = append(toks, token{norm: mark, kind: tPunct, rep: n})
			i = j
		default:
			i += size
			atBoundary = true
		}
	}
	return toks
}

// countLetters counts the letters of text and how many are capitals.
func countLetters(text string) (letters, upper int) {
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters, upper
}

// emoticonStart marks the bytes an emoticon can start with, so most tokens skip matchEmoticon.
var emoticonStart = func() (t [256]bool) {
	for _, e := range emoticons {
		t[e[0]] = true
	}
	return t
}()

func matchEmoticon(s string) string {
	for _, e := range emoticons {
		if strings.HasPrefix(s, e) {
			rest := s[len(e):]
			if rest == "" {
				return e
			}
			r, _ := utf8.DecodeRuneInString(rest)
			if !isWordRune(r) {
				return e
			}
		}
	}
	return ""
}

// wordAt reads the word starting at i, splitting French elisions off ("n'aime" -> "n'", "aime"),
// and returns the index after it.
func wordAt(text string, i int, shouting bool, toks *[]token) int {
	start := i
	j := i
	for j < len(text) {
		r, s := rune(text[j]), 1
		if r >= utf8.RuneSelf {
			r, s = utf8.DecodeRuneInString(text[j:])
		}
		if isWordRune(r) {
			j += s
			continue
		}
		if r == '\'' || r == '’' || r == '-' || r == 'ʼ' {
			if j+s < len(text) {
				r2, _ := utf8.DecodeRuneInString(text[j+s:])
				if isWordRune(r2) {
					if r != '-' {
						if elisions[foldString(text[start:j])] {
							*toks = append(*toks, makeWord(text, start, j+s, shouting))
							start = j + s
						}
					}
					j += s
					continue
				}
			}
		}
		break
	}
	if j > start {
		*toks = append(*toks, makeWord(text, start, j, shouting))
	}
	return j
}

func makeWord(text string, start, end int, shouting bool) token {
	raw := text[start:end]
	norm, elong := squeeze(foldString(raw), 2)
	t := token{norm: norm, kind: tWord, elong: elong}
	if norm[0] >= '0' && norm[0] <= '9' {
		t.kind = tNumber
	}
	first, _ := utf8.DecodeRuneInString(raw)
	t.title = unicode.IsUpper(first) && !shouting
	if !shouting && len(raw) >= 2 {
		caps := true
		for _, r := range raw {
			if unicode.IsLetter(r) && !unicode.IsUpper(r) {
				caps = false
				break
			}
		}
		t.caps = caps && strings.IndexFunc(raw, unicode.IsLetter) >= 0
	}
	return t
}
