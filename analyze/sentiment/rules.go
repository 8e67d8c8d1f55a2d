package sentiment

import "math"

// lexical is what the lexicon and rules layer finds in a run of tokens: a VADER-style compound score and
// the counts the learned model uses as features.
type lexical struct {
	compound      float64 // sum of valences, normalised to (-1, 1)
	posSum        float64
	negSum        float64 // absolute value
	nPos, nNeg    int
	nNegated      int
	emojiPos      int
	emojiNeg      int
	maxVal        float64
	minVal        float64
	exclaim       int
	question      int
	contrast      bool
	afterContrast float64 // compound of what follows the last contrast word
	negScope      []bool  // per token: inside a negation's reach (marks learned word features)

	// From the language's separate lexicon (AFINN-165 for English), valences / 5, flipped in a negation's
	// scope: the sums of the positive ones and of the negative ones (as an absolute value), and the count.
	sepPos, sepNeg float64
	nSep           int

	vec    [nVec]float32 // mean word vector of the text, zero for a language without vectors
	sparse float32       // the language's sparseScale
}

func isSentenceBreak(t token) bool { return t.kind == tPunct && t.norm != "," && t.norm != ":" }

// negatedAt reports whether a negator of lang governs token i: one of the three words before it, without
// crossing a clause break, and for French also a "pas"/"jamais" just after it ("j'aime pas").
func (r *rules) negatedAt(toks []token, i int, lx lexicon) bool {
	seenNe := false
	for k := i - 1; k >= 0 && k >= i-5; k-- {
		t := toks[k]
		if t.kind == tPunct || r.contrast[t.norm] {
			break
		}
		if t.norm == "ne" || t.norm == "n'" {
			seenNe = true
		}
	}
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		t := toks[k]
		if t.kind == tPunct || r.contrast[t.norm] {
			break
		}
		if r.negators[t.norm] || (seenNe && r.weakNegators[t.norm]) {
			return true
		}
		if t.kind == tWord && len(t.norm) > 3 && t.norm[len(t.norm)-3:] == "n't" {
			return true
		}
	}
	if r.weakNegators != nil && i+1 < len(toks) {
		n := toks[i+1].norm
		if n == "pas" || n == "jamais" || n == "plus" {
			if i+2 >= len(toks) {
				return true
			}
			next := toks[i+2]
			if _, idiom := r.idioms[n+" "+next.norm]; idiom {
				return false
			}
			if _, ok := lx.lookup(next.norm, next.elong); !ok {
				return true
			}
		}
	}
	return false
}

// isNegator reports whether t is a negator word ("not", "pas", "don't").
func (r *rules) isNegator(t token) bool {
	if r.negators[t.norm] {
		return true
	}
	return t.kind == tWord && len(t.norm) > 3 && t.norm[len(t.norm)-3:] == "n't"
}

// analyse runs language's lexicons, rules and word vectors over toks. The resources must be loaded
// (loadLexicons).
func analyse(toks []token, language string) lexical {
	lx, sep, r := lexicons[language], separates[language], langRules[language]
	out := lexical{sparse: r.sparseScale}
	if v := vectors[language]; v != nil {
		v.mean(toks, &out.vec)
	}
	out.negScope = make([]bool, len(toks))
	lastContrast := -1
	for i, t := range toks {
		if t.kind == tWord && r.contrast[t.norm] {
			lastContrast = i
		}
	}
	var sum, after float64
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tPunct:
			if t.norm == "!" {
				out.exclaim += t.rep
			} else if t.norm == "?" {
				out.question += t.rep
			}
			continue
		case tURL, tMention, tNumber:
			continue
		}
		if sep != nil && t.kind != tEmoji {
			out.addSeparate(sep, t, out.negScope[i])
		}
		var v float64
		var ok bool
		idiom := false
		if i+1 < len(toks) && t.kind == tWord && toks[i+1].kind == tWord {
			key := t.norm + " " + toks[i+1].norm
			if v, ok = r.idioms[key]; !ok {
				v, ok = lx[key]
			}
			if ok {
				idiom = true
				i++
			}
		}
		if !ok {
			v, ok = lx.lookup(t.norm, t.elong)
			if !ok && t.kind == tHashtag {
				v, ok = lx.lookup(t.norm[1:], t.elong)
			}
		}
		if !ok || v == 0 {
			// Negation scope for the learned word features: every token after a negator ("not", "pas",
			// "don't") up to the next punctuation mark (Das & Chen 2001, Pang et al. 2002). Scopes of three
			// words, without the "n't" forms, gave 0.630 English macro-F1 against 0.634 (5-fold CV).
			if r.isNegator(t) {
				for k := i + 1; k < len(toks) && toks[k].kind != tPunct; k++ {
					out.negScope[k] = true
				}
			}
			continue
		}
		sign := math.Copysign(1, v)
		if t.caps {
			v += sign * 0.733
		}
		if t.elong {
			v += sign * 0.3
		}
		for k, decay := i-1, 1.0; k >= 0 && k >= i-3; k, decay = k-1, decay-0.05 {
			p := toks[k]
			if p.kind == tPunct {
				break
			}
			if b, isB := r.boosters[p.norm]; isB {
				if p.caps {
					b *= 1.5
				}
				v += sign * b * decay
			}
		}
		start := i
		if idiom {
			start = i - 1
		}
		if !idiom && r.negatedAt(toks, start, lx) {
			v *= negScalar
			out.nNegated++
		}
		switch {
		case lastContrast >= 0 && i < lastContrast:
			v *= 0.5
		case lastContrast >= 0 && i > lastContrast:
			v *= 1.5
			after += v
		}
		sum += v
		if v > 0 {
			out.posSum += v
			out.nPos++
			if t.kind == tEmoji || t.kind == tEmoticon {
				out.emojiPos++
			}
		} else {
			out.negSum -= v
			out.nNeg++
			if t.kind == tEmoji || t.kind == tEmoticon {
				out.emojiNeg++
			}
		}
		out.maxVal = math.Max(out.maxVal, v)
		out.minVal = math.Min(out.minVal, v)
	}
	if sum != 0 && out.exclaim > 0 {
		sum += math.Copysign(0.292*math.Min(float64(out.exclaim), 4), sum)
	}
	out.compound = normalise(sum)
	out.contrast = lastContrast >= 0
	out.afterContrast = normalise(after)
	return out
}

// addSeparate adds t's valence in the separate lexicon sep, if it has one.
func (out *lexical) addSeparate(sep lexicon, t token, negated bool) {
	v, ok := sep.lookup(t.norm, t.elong)
	if !ok && t.kind == tHashtag {
		v, ok = sep.lookup(t.norm[1:], t.elong)
	}
	if !ok {
		return
	}
	v /= 5
	if negated {
		v *= negScalar
	}
	out.nSep++
	if v > 0 {
		out.sepPos += v
	} else {
		out.sepNeg -= v
	}
}

// normalise maps a sum of valences to (-1, 1) as VADER does.
func normalise(s float64) float64 { return s / math.Sqrt(s*s+15) }
