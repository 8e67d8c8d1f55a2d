package sentiment

import (
	"math"
	"testing"
)

// TestLogitsMatchFeatures: scoring's shortcut (per-word n-gram sums, cached) gives the probabilities of the
// feature list training uses, on every evaluation text of both languages, twice (cold and warm cache).
func TestLogitsMatchFeatures(t *testing.T) {
	models, err := EmbeddedModels()
	if err != nil {
		t.Fatal(err)
	}
	New() // loads the lexicons and vectors analyse reads
	for _, language := range []string{"fr", "en"} {
		m := models[language]
		for pass := 0; pass < 2; pass++ {
			for _, ex := range loadEval(t, language) {
				toks := tokenize(unescape(ex.Text))
				lex := analyse(toks, language)
				want := m.probs(features(toks, &lex, nil))
				got := softmax(m.logits(toks, &lex))
				for c := range got {
					if math.Abs(got[c]-want[c]) > 1e-5 {
						t.Fatalf("%s %q: logits give %v, features %v", language, ex.Text, got, want)
					}
				}
			}
		}
	}
}
