package sentiment

import (
	"strings"
	"sync/atomic"
)

// Words that put a brand on the losing side when they come just before it ("quitté Orange", "left Comcast",
// "mieux que SFR", "better than Bing") and, after a leaving verb, the words that introduce the winner
// ("pour Free", "for Verizon").
var (
	leaveWords = set(
		// English
		"left", "leave", "leaving", "quit", "quitting", "ditched", "ditch", "ditching", "dumped", "dump", "dropped",
		"cancelled", "canceled", "cancel", "unsubscribed", "bye", "goodbye", "unlike", "instead",
		// French
		"quitté", "quitte", "quitter", "quittée", "lâché", "lâche", "lâcher", "plaqué", "abandonné", "résilié",
		"résilie", "résilier", "adieu", "contrairement", "lieu", "marre", "fui", "fuir", "fuyez")
	fromWords   = set("from", "de", "d'", "chez") // "switched from X", "partir de chez X"
	switchVerbs = set("switched", "switch", "switching", "moved", "move", "moving", "migrated", "changed",
		"passé", "passe", "passer", "changé", "change", "changer", "migré", "parti", "partie", "partir")
	winnerWords = set("for", "to", "pour", "vers", "chez", "sur")
	// comparatives: the brand before them wins when they are positive and loses when negative.
	comparatives = map[string]int{"better": 1, "faster": 1, "cheaper": 1, "nicer": 1, "superior": 1,
		"easier": 1, "smoother": 1, "worse": -1, "slower": -1, "pricier": -1, "inferior": -1,
		"mieux": 1, "meilleur": 1, "meilleure": 1, "meilleurs": 1, "meilleures": 1, "pire": -1, "pires": -1}
)

// segment is a run of tokens between sentence breaks or contrast words.
type segment struct {
	from, to  int // token range [from, to)
	hasBrand  bool
	hasOther  bool // mentions another entity (a capitalised word not opening the sentence, @user, #tag)
	opensWith bool // starts with a contrast word
}

// brandName is a brand as matchBrand looks for it: its folded words, and those words run together (the
// form of "#brand" and "@brand").
type brandName struct {
	words  []string
	joined string
}

func newBrandName(brand string) brandName {
	words := strings.FieldsFunc(foldString(brand), func(r rune) bool { return !isWordRune(r) })
	return brandName{words: words, joined: strings.Join(words, "")}
}

// brandNames keeps the brandName of the few brands a deployment scores, built once each. The map is
// immutable once published; a new brand publishes a copy.
var brandNames atomic.Pointer[map[string]brandName]

func lookupBrand(brand string) brandName {
	m := brandNames.Load()
	if m != nil {
		if b, ok := (*m)[brand]; ok {
			return b
		}
	}
	b := newBrandName(brand)
	if m == nil || len(*m) < 1024 {
		next := map[string]brandName{brand: b}
		if m != nil {
			for k, v := range *m {
				next[k] = v
			}
		}
		brandNames.CompareAndSwap(m, &next) // losing a race only means building it again next time
	}
	return b
}

// matchBrand appends to out the index of every token run that spells brand (accent- and case-folded;
// "@brand" and "#brand" count), as [start, end) pairs.
func matchBrand(toks []token, brand string, out [][2]int) [][2]int {
	name := lookupBrand(brand)
	words, joined := name.words, name.joined
	if len(words) == 0 {
		return out
	}
	for i, t := range toks {
		switch t.kind {
		case tMention, tHashtag:
			if t.norm[1:] == joined {
				out = append(out, [2]int{i, i + 1})
			}
			continue
		case tWord, tNumber:
		default:
			continue
		}
		k := 0
		for k < len(words) && i+k < len(toks) && toks[i+k].norm == words[k] {
			k++
		}
		if k == len(words) {
			out = append(out, [2]int{i, i + k})
		}
	}
	return out
}

// targetScope returns the tokens that speak about brand and the brand's role in a switch or comparison
// (-1 loser, +1 winner, 0 none). found is false when the text does not mention brand.
func targetScope(toks []token, brand string, r *rules) (scope []token, role int, found bool) {
	var hitBuf [8][2]int
	hits := matchBrand(toks, brand, hitBuf[:0])
	if len(hits) == 0 {
		return nil, 0, false
	}
	var isHitBuf [256]bool
	isHit := isHitBuf[:0]
	if len(toks) <= len(isHitBuf) {
		isHit = isHitBuf[:len(toks)]
	} else {
		isHit = make([]bool, len(toks))
	}
	for _, h := range hits {
		for i := h[0]; i < h[1]; i++ {
			isHit[i] = true
		}
	}
	// Split into segments at sentence breaks and contrast words.
	var segBuf [16]segment
	segs := segBuf[:0]
	cur := segment{}
	sentenceStart := true
	for i, t := range toks {
		if isSentenceBreak(t) {
			if i > cur.from {
				cur.to = i
				segs = append(segs, cur)
			}
			cur = segment{from: i + 1}
			sentenceStart = true
			continue
		}
		if t.kind == tWord && r.contrast[t.norm] && i > cur.from {
			cur.to = i
			segs = append(segs, cur)
			cur = segment{from: i, opensWith: true}
		}
		switch {
		case isHit[i]:
			cur.hasBrand = true
		case t.kind == tMention || t.kind == tHashtag:
			cur.hasOther = true
		case t.kind == tWord && !sentenceStart && t.title:
			cur.hasOther = true
		}
		sentenceStart = false
	}
	if len(toks) > cur.from {
		cur.to = len(toks)
		segs = append(segs, cur)
	}
	// The brand's segments, each followed by the segments that continue talking about it. While they follow
	// one another the scope is a slice of toks; a gap makes it a copy.
	from, to, copied := 0, 0, false
	take := func(seg segment) {
		switch {
		case copied:
			scope = append(scope, toks[seg.from:seg.to]...)
		case to == 0:
			from, to = seg.from, seg.to
		case seg.from == to:
			to = seg.to
		default:
			scope = append(append(make([]token, 0, len(toks)), toks[from:to]...), toks[seg.from:seg.to]...)
			copied = true
		}
	}
	for k := 0; k < len(segs); k++ {
		if !segs[k].hasBrand {
			continue
		}
		take(segs[k])
		for k+1 < len(segs) && !segs[k+1].hasBrand && !segs[k+1].hasOther && !segs[k+1].opensWith {
			k++
			take(segs[k])
		}
	}
	if !copied {
		scope = toks[from:to:to]
	}
	return scope, brandRole(toks, hits[0]), true
}

// brandRole finds the brand's side in "left X for Y", "switched from X to Y", "X is better than Y", "plutôt
// Y que X" and the like.
func brandRole(toks []token, hit [2]int) int {
	before := func(k int) string {
		if k >= 0 && k < len(toks) && toks[k].kind != tPunct {
			return toks[k].norm
		}
		return ""
	}
	i := hit[0]
	p1, p2 := before(i-1), before(i-2)
	// "switched from X", "passé de chez X"
	if fromWords[p1] && (switchVerbs[p2] || fromWords[p2] && switchVerbs[before(i-3)]) {
		return -1
	}
	if p1 == "que" || p1 == "qu'" || p1 == "than" {
		// "mieux que X", "better than X": X loses to a positive comparative, wins against a negative one.
		for k := i - 2; k >= 0 && k >= i-4; k-- {
			if c, ok := comparatives[before(k)]; ok {
				return -c
			}
		}
		if p2 == "plutot" || p2 == "rather" || p2 == "instead" {
			return -1
		}
		return 0
	}
	if leaveWords[p1] || (leaveWords[p2] && (p1 == "de" || p1 == "d'" || p1 == "a" || p1 == "of" || p1 == "with")) {
		return -1
	}
	// "… for X" / "… pour X" after a leaving or switching verb earlier in the sentence.
	if winnerWords[p1] {
		for k := i - 2; k >= 0 && k >= i-6; k-- {
			w := before(k)
			if w == "" {
				break
			}
			if leaveWords[w] || switchVerbs[w] {
				return 1
			}
		}
	}
	// "X is better than …", "X est mieux que …": X before a comparative in its clause.
	for k := hit[1]; k < len(toks) && k <= hit[1]+4; k++ {
		if toks[k].kind == tPunct {
			break
		}
		if c, ok := comparatives[toks[k].norm]; ok {
			if k+1 < len(toks) && (toks[k+1].norm == "than" || toks[k+1].norm == "que" || toks[k+1].norm == "qu'") {
				return c
			}
		}
	}
	return 0
}
