// Package sentiment scores the sentiment of French and English mentions, optionally about one brand, and
// flags abusive ones for moderation.
//
//	s := sentiment.New()                      // loads the embedded lexicons and models once
//	r := s.Score(text, "auto", "Orange")      // r.Score in [-1,1], r.Label, r.Confidence, r.Lang, r.Abusive
//
// Two layers. A lexicon and rules layer (VADER's method, extended for French) reads negation ("pas
// terrible", "ne … plus", "not bad at all"), intensifiers and diminishers, elision and missing accents
// ("j'adore", "decue"), emoji and emoticons, hashtags ("#fail"), repeated letters ("nuuul"), capitals,
// exclamation marks and contrast ("mais", "but"). Its findings, with English AFINN-165 valences as features
// of their own, the mean English GloVe vector of the text's words, hashed word 1–2-grams (marked under
// negation) and character 3–5-grams, feed a multinomial logistic regression per language. On very short
// texts the rules layer also votes (see Scorer.probs).
//
// With a brand, only the clauses about it are scored, and its role in switches and comparisons decides the
// polarity: in "J'ai quitté Orange pour Free, enfin un service client qui répond" Orange is negative and
// Free positive.
//
// Trained weights. The embedded models (model/fr.bin, model/en.bin) were trained by
// `go run ./analyze/sentiment/train` on ../shared/eval/sentiment/{fr,en}-dev.tsv: DEFT-2017 (French tweets
// on climate and ecology) and SemEval-2017 Task 4A (English), research data under those datasets' and
// Twitter's terms. The weights hold no text, but a commercial user should weigh those terms: Options.LexiconOnly
// scores without any trained weights, and the train command rebuilds the models from any label<TAB>text
// file. The quality figures are cross-validated (docs/BENCHMARKS.md). Every resource's licence is in
// README.md; nothing is downloaded at run time.
//
// A Scorer is immutable and safe for concurrent use.
package sentiment
