package sentiment

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Example is one labelled text.
type Example struct {
	Label Label
	Text  string
}

// ReadTSV reads label<TAB>text lines after a header line ("label<TAB>text"). Blank lines are skipped.
func ReadTSV(r io.Reader) ([]Example, error) {
	br := bufio.NewReader(r)
	var out []Example
	for line := 1; ; line++ {
		s, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		s = strings.TrimRight(s, "\r\n")
		if line == 1 {
			if !strings.HasPrefix(strings.ToLower(s), "label\t") {
				return nil, fmt.Errorf("line 1: want the header label<TAB>text, got %q", trunc(s))
			}
		} else if strings.TrimSpace(s) != "" {
			l, text, ok := strings.Cut(s, "\t")
			if !ok {
				return nil, fmt.Errorf("line %d: want label<TAB>text, got %q", line, trunc(s))
			}
			lab, perr := ParseLabel(l)
			if perr != nil {
				return nil, fmt.Errorf("line %d: %w", line, perr)
			}
			out = append(out, Example{Label: lab, Text: text})
		}
		if err == io.EOF {
			break
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no examples after the header")
	}
	return out, nil
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Metrics summarises predictions against gold labels.
type Metrics struct {
	N         int
	Confusion [3][3]int // [gold][predicted], classes in the order negative, neutral, positive
	Accuracy  float64
	MacroF1   float64
	F1        [3]float64
	Seconds   float64 // time spent predicting
}

// TextsPerSecond is the prediction throughput.
func (m Metrics) TextsPerSecond() float64 {
	if m.Seconds == 0 {
		return 0
	}
	return float64(m.N) / m.Seconds
}

func (m *Metrics) add(gold, pred Label) {
	m.Confusion[gold.class()][pred.class()]++
	m.N++
}

func (m *Metrics) finish() {
	ok := 0
	for c := 0; c < 3; c++ {
		ok += m.Confusion[c][c]
		var tp, fp, fn float64
		tp = float64(m.Confusion[c][c])
		for o := 0; o < 3; o++ {
			if o != c {
				fp += float64(m.Confusion[o][c])
				fn += float64(m.Confusion[c][o])
			}
		}
		if tp > 0 {
			p, r := tp/(tp+fp), tp/(tp+fn)
			m.F1[c] = 2 * p * r / (p + r)
		}
	}
	if m.N > 0 {
		m.Accuracy = float64(ok) / float64(m.N)
	}
	m.MacroF1 = (m.F1[0] + m.F1[1] + m.F1[2]) / 3
}

// Evaluate predicts every example with predict and measures the result.
func Evaluate(examples []Example, predict func(text string) Label) Metrics {
	var m Metrics
	preds := make([]Label, len(examples))
	start := time.Now()
	for i, ex := range examples {
		preds[i] = predict(ex.Text)
	}
	m.Seconds = time.Since(start).Seconds()
	for i, ex := range examples {
		m.add(ex.Label, preds[i])
	}
	m.finish()
	return m
}

// Train fits the learned layer for one language ("fr" or "en") on examples.
func Train(examples []Example, language string, o TrainOptions) (*Model, error) {
	lex, err := loadLexicons()
	if err != nil {
		return nil, err
	}
	if _, ok := lex[language]; !ok {
		return nil, fmt.Errorf("sentiment: train: language %q: want fr or en", language)
	}
	data := make([]example, len(examples))
	for i, ex := range examples {
		toks := tokenize(unescape(ex.Text))
		la := analyse(toks, language)
		data[i] = example{fs: features(toks, &la, nil), y: ex.Label.class()}
	}
	return train(language, data, o), nil
}

// CrossValidate trains on k-1 folds and predicts the k-th, for each of k stratified folds, and measures the
// pooled predictions: no example is ever predicted by a model that saw it. It also returns each fold's
// macro-F1.
func CrossValidate(examples []Example, language string, k int, o TrainOptions) (Metrics, []float64, error) {
	if k < 2 || k > len(examples) {
		return Metrics{}, nil, fmt.Errorf("sentiment: cross-validation: %d folds for %d examples", k, len(examples))
	}
	labels := make([]Label, len(examples))
	for i, ex := range examples {
		labels[i] = ex.Label
	}
	fold := stratifiedFolds(labels, k, o.Seed)
	var pooled Metrics
	perFold := make([]float64, k)
	for f := 0; f < k; f++ {
		var trainSet, testSet []Example
		for i, ex := range examples {
			if fold[i] == f {
				testSet = append(testSet, ex)
			} else {
				trainSet = append(trainSet, ex)
			}
		}
		m, err := Train(trainSet, language, o)
		if err != nil {
			return Metrics{}, nil, err
		}
		s, err := NewScorer(Options{Models: map[string]*Model{language: m}})
		if err != nil {
			return Metrics{}, nil, err
		}
		fm := Evaluate(testSet, func(text string) Label { return s.Score(text, language, "").Label })
		perFold[f] = fm.MacroF1
		for g := 0; g < 3; g++ {
			for p := 0; p < 3; p++ {
				pooled.Confusion[g][p] += fm.Confusion[g][p]
			}
		}
		pooled.N += fm.N
		pooled.Seconds += fm.Seconds
	}
	pooled.finish()
	return pooled, perFold, nil
}

// SeedAverage is a cross-validation repeated with seeds 1..n (each seed draws other folds and another
// training order): a choice tuned to one split shows as a gap between the seed-1 figure and this mean.
type SeedAverage struct {
	MacroF1 float64    // mean over the seeds
	F1      [3]float64 // mean per-class F1: negative, neutral, positive
	PerSeed []float64  // each seed's pooled macro-F1
}

// CrossValidateSeeds runs CrossValidate with o.Seed set to 1, 2, … n and averages the results.
func CrossValidateSeeds(examples []Example, language string, k, n int, o TrainOptions) (SeedAverage, error) {
	var a SeedAverage
	if n < 1 {
		return a, fmt.Errorf("sentiment: cross-validation: %d seeds, want at least 1", n)
	}
	for s := 1; s <= n; s++ {
		o.Seed = uint64(s)
		m, _, err := CrossValidate(examples, language, k, o)
		if err != nil {
			return a, err
		}
		a.PerSeed = append(a.PerSeed, m.MacroF1)
		a.MacroF1 += m.MacroF1 / float64(n)
		for c := range a.F1 {
			a.F1[c] += m.F1[c] / float64(n)
		}
	}
	return a, nil
}
