package sentiment

import (
	"embed"
	"fmt"
	"math"
	"sync"

	"github.com/vigie-oss/vigie/analyze/lang"
)

//go:embed model/*.bin
var modelFS embed.FS

// Result is the sentiment of one mention, or of what it says about one brand.
type Result struct {
	Score      float64 // in [-1, 1]: P(positive) - P(negative)
	Label      Label
	Confidence float64 // in [0, 1]: the probability of Label
	Lang       string  // the language scored: "fr", "en", or the detected code of another language
	Abusive    bool    // insulting or abusive wording (for moderation), independent of the brand
	// Targeted is true when the brand was found in the text and the score is about it alone.
	Targeted bool
}

// Options configures a Scorer.
type Options struct {
	// Models replaces the embedded models, by language ("fr", "en"). A language without a model is scored by
	// the lexicon and rules alone.
	Models map[string]*Model
	// LexiconOnly ignores every learned model: the score is the rules layer's compound. Useful when the
	// embedded weights' training data (see the package doc) does not suit a deployment.
	LexiconOnly bool
	// DefaultLang is used when detection cannot tell or finds a language with no lexicon. Default "en".
	DefaultLang string
}

// Scorer scores mentions. It is immutable after construction and safe for concurrent use.
type Scorer struct {
	models      map[string]*Model
	lex         map[string]lexicon
	defaultLang string
}

var (
	embeddedOnce   sync.Once
	embeddedModels map[string]*Model
	embeddedErr    error
)

// EmbeddedModels returns the models shipped in the binary, loaded once.
func EmbeddedModels() (map[string]*Model, error) {
	embeddedOnce.Do(func() {
		embeddedModels = map[string]*Model{}
		for _, l := range []string{"fr", "en"} {
			b, err := modelFS.ReadFile("model/" + l + ".bin")
			if err != nil {
				embeddedErr = fmt.Errorf("sentiment: embedded model %s: %w", l, err)
				return
			}
			m, err := UnmarshalModel(b)
			if err != nil {
				embeddedErr = fmt.Errorf("sentiment: embedded model %s: %w", l, err)
				return
			}
			embeddedModels[l] = m
		}
	})
	return embeddedModels, embeddedErr
}

// New returns a Scorer with the embedded lexicons and models. It panics only if the binary was built with
// corrupt embedded files, which the package tests rule out.
func New() *Scorer {
	s, err := NewScorer(Options{})
	if err != nil {
		panic(err)
	}
	return s
}

// NewScorer returns a Scorer configured by opts.
func NewScorer(opts Options) (*Scorer, error) {
	lex, err := loadLexicons()
	if err != nil {
		return nil, err
	}
	s := &Scorer{lex: lex, defaultLang: opts.DefaultLang, models: opts.Models}
	if s.defaultLang == "" {
		s.defaultLang = "en"
	}
	if _, ok := lex[s.defaultLang]; !ok {
		return nil, fmt.Errorf("sentiment: default language %q: want fr or en", s.defaultLang)
	}
	if opts.LexiconOnly {
		s.models = nil
	} else if s.models == nil {
		if s.models, err = EmbeddedModels(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// DetectLanguage returns the ISO 639-1 code of text's language ("fr", "en", "es", "de", "it", "pt", "nl"),
// or "" when it cannot tell. It is analyze/lang.Detect, re-exported for callers that only import sentiment.
func DetectLanguage(text string) string { return lang.Detect(text) }

// Score scores text. lang is "fr", "en", or "" / "auto" to detect it. brand, when not empty, makes the
// score about that brand: what the clauses that mention it say, and the role it plays in comparisons and
// switches ("left X for Y"). A brand the text does not contain is ignored (the whole text is scored).
func (s *Scorer) Score(text, language, brand string) Result {
	text = unescape(text)
	res := Result{Lang: language}
	scoreLang := language
	if language == "" || language == "auto" {
		res.Lang = lang.Detect(text)
		scoreLang = res.Lang
		if _, ok := s.lex[scoreLang]; !ok && res.Lang != "" {
			// Very short texts ("j'adore") can look Spanish or Italian: score them with the closer of the
			// languages Vigie has models for, but report what was detected.
			scoreLang = lang.DetectAmong(text, "fr", "en")
		}
	}
	if _, ok := s.lex[scoreLang]; !ok {
		scoreLang = s.defaultLang
		if res.Lang == "" || res.Lang == "auto" {
			res.Lang = scoreLang
		}
	}
	r := langRules[scoreLang]
	toks := tokenize(text)
	if len(toks) == 0 {
		return Result{Label: Neutral, Confidence: 1, Lang: res.Lang}
	}
	res.Abusive = abusive(toks, scoreLang)

	scope := toks
	role := 0
	if brand != "" {
		if t, rl, found := targetScope(toks, brand, r); found {
			scope, role, res.Targeted = t, rl, true
		}
	}
	p := s.probs(scope, scoreLang)
	res.Score = p[2] - p[0]
	res.Label, res.Confidence = argmax(p)
	if role != 0 {
		// The brand's role in a switch or a comparison outweighs the tone of its clause: leaving a brand for
		// another is a complaint about it even when the sentence is cheerful.
		if role < 0 {
			res.Score = -0.6 + 0.4*math.Min(0, res.Score)
		} else {
			res.Score = math.Min(1, 0.5+0.5*res.Score)
		}
		res.Label = labelOf(res.Score)
		res.Confidence = math.Max(0.5, math.Abs(res.Score))
	}
	return res
}

func (s *Scorer) probs(toks []token, language string) [nClass]float64 {
	lex := analyse(toks, language)
	lp := lexiconProbs(lex.compound)
	m := s.models[language]
	if m == nil {
		return lp
	}
	mp := softmax(m.logits(toks, &lex))
	words := 0
	for _, t := range toks {
		if t.kind == tWord || t.kind == tHashtag {
			words++
		}
	}
	if words > shortText || lex.nPos+lex.nNeg == 0 {
		return mp
	}
	// On a very short text the n-gram weights have little to go on, and the rules know constructions too
	// rare in two thousand tweets to be learned ("not bad at all", "c'est pas con"): there, a product of
	// experts with the rules layer. On longer texts that product cost 1 to 4 points of cross-validated
	// macro-F1, so the learned model decides alone.
	var z float64
	for c := range mp {
		mp[c] *= math.Pow(lp[c], lexiconWeight)
		z += mp[c]
	}
	for c := range mp {
		mp[c] /= z
	}
	return mp
}

// lexiconWeight is the exponent of the rules layer's vote in the product of experts; shortText is the
// word count up to which it votes. 1.5 since the English model leans on word vectors, which know "bad" but
// not "not bad at all" (cross-validated macro-F1 moves by less than 0.001 between 1 and 2).
const (
	lexiconWeight = 1.5
	shortText     = 5
)

// lexiconProbs turns a compound score into class probabilities for the rules-only mode, with VADER's
// ±0.05 neutral band widened to ±0.2, which suits mentions better.
func lexiconProbs(c float64) [nClass]float64 {
	a := math.Abs(c)
	if a < 0.2 {
		rest := 1 - (0.6 + 0.2 - a)
		return [nClass]float64{rest * (0.5 - c), 0.8 - a, rest * (0.5 + c)}
	}
	top := 0.5 + a/2
	other := [2]float64{(1 - top) * 0.7, (1 - top) * 0.3} // neutral, then the opposite class
	if c > 0 {
		return [nClass]float64{other[1], other[0], top}
	}
	return [nClass]float64{top, other[0], other[1]}
}

func argmax(p [nClass]float64) (Label, float64) {
	best := 1
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	return Label(best - 1), p[best]
}

func labelOf(score float64) Label {
	switch {
	case score >= 0.2:
		return Positive
	case score <= -0.2:
		return Negative
	}
	return Neutral
}
