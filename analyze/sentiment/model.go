package sentiment

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Label is a sentiment class.
type Label int8

const (
	Negative Label = -1
	Neutral  Label = 0
	Positive Label = 1
)

func (l Label) String() string {
	switch l {
	case Negative:
		return "negative"
	case Positive:
		return "positive"
	}
	return "neutral"
}

// ParseLabel reads "negative", "neutral" or "positive" (also "neg", "neu", "pos", "-1", "0", "1").
func ParseLabel(s string) (Label, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "negative", "neg", "-1":
		return Negative, nil
	case "neutral", "neu", "0":
		return Neutral, nil
	case "positive", "pos", "1":
		return Positive, nil
	}
	return Neutral, fmt.Errorf("unknown label %q: want negative, neutral or positive", s)
}

// class index in the model's outputs: 0 negative, 1 neutral, 2 positive.
func (l Label) class() int { return int(l) + 1 }

const (
	hashBits = 16
	nDense   = 44 + nVec
	nClass   = 3
)

// feat is one non-zero feature: an index into the model's weight rows and its value.
type feat struct {
	idx uint32
	val float32
}

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func fnvAdd(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

func hashed(h uint32) uint32 { return nDense + (h & (1<<hashBits - 1)) }

// features turns the tokens and the lexical analysis into the model's sparse input, for training. Scoring
// computes the same sum without building the list (Model.logits).
func features(toks []token, lex *lexical, buf []feat) []feat {
	fs := buf[:0]
	dense := denseFeatures(toks, lex)
	for i, v := range dense {
		if v != 0 {
			fs = append(fs, feat{uint32(i), v})
		}
	}
	start := len(fs)
	nChar := sparseFeatures(toks, lex, func(idx uint32, val float32) { fs = append(fs, feat{idx, val}) },
		func(word string) {
			eachGram(word, func(idx uint32) { fs = append(fs, feat{idx, 1}) })
		})
	// Character n-grams went in with value 1, which no word feature has (theirs is below 1): scale them now
	// that their count is known.
	if nChar > 0 {
		cv := gramValue(lex, nChar)
		for k := start; k < len(fs); k++ {
			if fs[k].val == 1 {
				fs[k].val = cv
			}
		}
	}
	return fs
}

// denseFeatures are the lexical and surface features, one slot each.
func denseFeatures(toks []token, lex *lexical) [nDense]float32 {
	dense := [nDense]float32{
		0: float32(lex.compound), 1: float32(lex.posSum / 4), 2: float32(lex.negSum / 4),
		3: float32(math.Log1p(float64(lex.nPos))), 4: float32(math.Log1p(float64(lex.nNeg))),
		5: float32(lex.nNegated), 6: float32(math.Log1p(float64(lex.emojiPos))), 7: float32(math.Log1p(float64(lex.emojiNeg))),
		8: b2f(lex.exclaim > 0), 9: b2f(lex.question > 0), 10: b2f(lex.contrast), 11: float32(lex.afterContrast),
		12: float32(lex.maxVal / 4), 13: float32(lex.minVal / 4), 15: 1, // 15: bias
	}
	// One-hot buckets of the compound and of each polarity's mass let a linear model bend the lexicon score.
	dense[16+min(7, int((lex.compound+1)*4))] = 1
	dense[24+min(3, int(lex.posSum))] = 1
	dense[28+min(3, int(lex.negSum))] = 1
	nTok, nNum := 0, 0
	for i, t := range toks {
		nTok++
		switch t.kind {
		case tURL:
			dense[14] = 1
		case tNumber:
			nNum++
		case tMention:
			if i == 0 {
				dense[32] = 1
			}
		case tHashtag:
			dense[33]++
		}
		if t.caps {
			dense[34]++
		}
		if t.elong {
			dense[35]++
		}
	}
	dense[33] = float32(math.Log1p(float64(dense[33])))
	dense[36] = float32(math.Log1p(float64(nTok))) / 3
	dense[37] = b2f(nNum > 0)
	dense[38] = b2f(lex.nPos > 0 && lex.nNeg > 0)
	dense[39] = b2f(lex.nPos == 0 && lex.nNeg == 0)
	// The separate lexicon (AFINN-165 in English), on its own.
	if lex.nSep > 0 {
		dense[40] = float32(normalise(lex.sepPos - lex.sepNeg))
		dense[41] = float32(lex.sepPos / 2)
		dense[42] = float32(lex.sepNeg / 2)
		dense[43] = float32(math.Log1p(float64(lex.nSep)))
	}
	copy(dense[44:], lex.vec[:])
	return dense
}

// maxGramWord is the longest word, in bytes, whose character n-grams are features.
const maxGramWord = 94

// sparseFeatures calls word for each word unigram and bigram feature (marked when a negation reaches it),
// in text order, and chars for each word whose character 3- to 5-grams are features, right after that
// word's own features. It returns the number of character n-grams in all.
func sparseFeatures(toks []token, lex *lexical, word func(idx uint32, val float32), chars func(word string)) (nChar int) {
	nWords := 0
	for _, t := range toks {
		if t.kind != tPunct {
			nWords++
		}
	}
	wv := lex.sparse * float32(1/math.Sqrt(float64(nWords+1)))
	prev := "<s>"
	for i, t := range toks {
		w := t.norm
		switch t.kind {
		case tNumber:
			w = "<num>"
		case tMention:
			w = "<user>"
		case tPunct:
			if t.norm == "!" || t.norm == "?" {
				break
			}
			prev = "<s>"
			continue
		}
		h := uint32(fnvOffset)
		if lex.negScope[i] {
			h = fnvAdd(h, "¬")
		}
		h = fnvAdd(h, "w:")
		word(hashed(fnvAdd(h, w)), wv)
		word(hashed(fnvAdd(fnvAdd(fnvAdd(fnvAdd(fnvOffset, "b:"), prev), " "), w)), wv)
		prev = w
		if t.kind == tWord || t.kind == tHashtag {
			s := w
			if t.kind == tHashtag {
				s = s[1:]
			}
			if n := gramCount(len(s)); n > 0 {
				chars(s)
				nChar += n
			}
		}
	}
	return nChar
}

// gramCount is how many character 3- to 5-grams a word of n bytes has, padded with a space each side.
func gramCount(n int) int {
	if n > maxGramWord {
		return 0
	}
	c := 0
	for k := 3; k <= 5; k++ {
		c += max(0, n+2-k+1)
	}
	return c
}

// eachGram calls f with the feature index of each character 3- to 5-gram of word (padded with a space
// each side), shortest first.
func eachGram(word string, f func(idx uint32)) {
	var chars [maxGramWord + 2]byte
	chars[0] = ' '
	copy(chars[1:], word)
	chars[len(word)+1] = ' '
	c := chars[:len(word)+2]
	base := fnvAdd(fnvOffset, "c:")
	for n := 3; n <= 5; n++ {
		for j := 0; j+n <= len(c); j++ {
			h := base
			for _, b := range c[j : j+n] {
				h = (h ^ uint32(b)) * fnvPrime
			}
			f(hashed(h))
		}
	}
}

// gramValue is the value of each character n-gram feature of a text that has n of them.
func gramValue(lex *lexical, n int) float32 { return lex.sparse * float32(1/math.Sqrt(float64(n))) }

func b2f(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// Model is a multinomial logistic regression over the lexical and hashed n-gram features of one language.
type Model struct {
	Lang string
	// Note says what the model was trained on; it is printed by `vigie sentiment eval`.
	Note string
	w    []float32 // (nDense + 2^hashBits) rows of nClass weights
	b    [nClass]float32

	gramsOnce sync.Once
	grams     []atomic.Pointer[gramEntry] // see gramSum
}

func newModel(lang string) *Model {
	return &Model{Lang: lang, w: make([]float32, (nDense+1<<hashBits)*nClass)}
}

// logits is the model's linear score of a text, the sum probs computes over features(toks, lex), computed
// without the feature list: a word's character n-grams always add up to the same weights, so that sum is
// looked up per word (Model.grams) instead of per n-gram, which was most of the scorer's time.
func (m *Model) logits(toks []token, lex *lexical) [nClass]float64 {
	var z [nClass]float64
	for c := range z {
		z[c] = float64(m.b[c])
	}
	add := func(idx uint32, val float32) {
		row := m.w[idx*nClass : idx*nClass+nClass]
		for c := range z {
			z[c] += float64(row[c] * val)
		}
	}
	for i, v := range denseFeatures(toks, lex) {
		if v != 0 {
			add(uint32(i), v)
		}
	}
	var grams [nClass]float32
	nChar := sparseFeatures(toks, lex, add, func(word string) {
		g := m.gramSum(word)
		for c := range grams {
			grams[c] += g[c]
		}
	})
	if nChar > 0 {
		cv := gramValue(lex, nChar)
		for c := range z {
			z[c] += float64(grams[c] * cv)
		}
	}
	return z
}

// gramCacheSize is the number of words whose n-gram weight sums a model keeps (direct-mapped, about 5 MiB
// when full).
const gramCacheSize = 1 << 16

type gramEntry struct {
	word string
	sum  [nClass]float32
}

// gramSum returns the sum of the weight rows of word's character n-grams, from the cache when it is there.
// The cache is lock-free: a slot holds an immutable entry, replaced whole.
func (m *Model) gramSum(word string) [nClass]float32 {
	m.gramsOnce.Do(func() { m.grams = make([]atomic.Pointer[gramEntry], gramCacheSize) })
	slot := &m.grams[fnvAdd(fnvOffset, word)&(gramCacheSize-1)]
	if e := slot.Load(); e != nil && e.word == word {
		return e.sum
	}
	e := &gramEntry{word: strings.Clone(word)}
	eachGram(word, func(idx uint32) {
		row := m.w[idx*nClass : idx*nClass+nClass]
		for c := range e.sum {
			e.sum[c] += row[c]
		}
	})
	slot.Store(e)
	return e.sum
}

// probs returns the class probabilities (negative, neutral, positive).
func (m *Model) probs(fs []feat) [nClass]float64 {
	var z [nClass]float64
	for c := range z {
		z[c] = float64(m.b[c])
	}
	for _, f := range fs {
		row := m.w[f.idx*nClass : f.idx*nClass+nClass]
		for c := range z {
			z[c] += float64(row[c] * f.val)
		}
	}
	return softmax(z)
}

func softmax(z [nClass]float64) [nClass]float64 {
	mx := math.Max(z[0], math.Max(z[1], z[2]))
	var s float64
	for c := range z {
		z[c] = math.Exp(z[c] - mx)
		s += z[c]
	}
	for c := range z {
		z[c] /= s
	}
	return z
}

// TrainOptions are the training hyper-parameters. They were fixed by 5-fold cross-validation on the
// development files (docs/BENCHMARKS.md says which values were tried).
type TrainOptions struct {
	Epochs int     // passes over the data
	L2     float64 // weight decay per example
	Rate   float64 // AdaGrad base learning rate
	Seed   uint64  // shuffling seed, for reproducible weights
}

// DefaultTrainOptions are the values the shipped models were trained with.
var DefaultTrainOptions = TrainOptions{Epochs: 20, L2: 1e-5, Rate: 0.05, Seed: 1}

type example struct {
	fs []feat
	y  int
}

// train fits a model with AdaGrad on the softmax loss. Deterministic for a given seed and data order.
func train(lang string, data []example, o TrainOptions) *Model {
	m := newModel(lang)
	g2 := make([]float32, len(m.w))
	var gb2 [nClass]float64
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5e17))
	for ep := 0; ep < o.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			ex := data[k]
			p := m.probs(ex.fs)
			for c := 0; c < nClass; c++ {
				g := p[c]
				if c == ex.y {
					g -= 1
				}
				gb2[c] += g * g
				m.b[c] -= float32(o.Rate * g / (math.Sqrt(gb2[c]) + 1e-8))
				for _, f := range ex.fs {
					i := f.idx*nClass + uint32(c)
					gi := g*float64(f.val) + o.L2*float64(m.w[i])
					g2[i] += float32(gi * gi)
					m.w[i] -= float32(o.Rate * gi / (math.Sqrt(float64(g2[i])) + 1e-8))
				}
			}
		}
	}
	return m
}

const modelMagic = "VIGIESENT2" // 2: the number of dense rows is written

// MarshalBinary writes the model sparsely (non-zero rows only), gzip-compressed.
func (m *Model) MarshalBinary() ([]byte, error) {
	var raw bytes.Buffer
	raw.WriteString(modelMagic)
	writeStr := func(s string) {
		binary.Write(&raw, binary.LittleEndian, uint32(len(s)))
		raw.WriteString(s)
	}
	writeStr(m.Lang)
	writeStr(m.Note)
	binary.Write(&raw, binary.LittleEndian, uint32(hashBits))
	binary.Write(&raw, binary.LittleEndian, uint32(nDense))
	binary.Write(&raw, binary.LittleEndian, m.b)
	rows := len(m.w) / nClass
	var nz []uint32
	for r := 0; r < rows; r++ {
		if m.w[r*nClass] != 0 || m.w[r*nClass+1] != 0 || m.w[r*nClass+2] != 0 {
			nz = append(nz, uint32(r))
		}
	}
	binary.Write(&raw, binary.LittleEndian, uint32(len(nz)))
	for _, r := range nz {
		binary.Write(&raw, binary.LittleEndian, r)
		binary.Write(&raw, binary.LittleEndian, m.w[r*nClass:r*nClass+nClass])
	}
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.Write(raw.Bytes())
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// UnmarshalModel reads a model written by MarshalBinary.
func UnmarshalModel(b []byte) (*Model, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("sentiment: model: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("sentiment: model: %w", err)
	}
	if !bytes.HasPrefix(raw, []byte(modelMagic)) {
		return nil, errors.New("sentiment: model: not a Vigie sentiment model")
	}
	r := bytes.NewReader(raw[len(modelMagic):])
	readStr := func() (string, error) {
		var n uint32
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil || int(n) > r.Len() {
			return "", errors.New("sentiment: model: truncated")
		}
		s := make([]byte, n)
		_, err := io.ReadFull(r, s)
		return string(s), err
	}
	lang, err := readStr()
	if err != nil {
		return nil, err
	}
	note, err := readStr()
	if err != nil {
		return nil, err
	}
	var bits, n uint32
	if err := binary.Read(r, binary.LittleEndian, &bits); err != nil || bits != hashBits {
		return nil, fmt.Errorf("sentiment: model: built for %d hash bits, this build uses %d: retrain it", bits, hashBits)
	}
	var dense uint32
	if err := binary.Read(r, binary.LittleEndian, &dense); err != nil || dense != nDense {
		return nil, fmt.Errorf("sentiment: model: built for %d dense features, this build uses %d: retrain it", dense, nDense)
	}
	m := newModel(lang)
	m.Note = note
	if err := binary.Read(r, binary.LittleEndian, &m.b); err != nil {
		return nil, errors.New("sentiment: model: truncated")
	}
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nil, errors.New("sentiment: model: truncated")
	}
	rows := uint32(len(m.w) / nClass)
	for k := uint32(0); k < n; k++ {
		var row uint32
		if err := binary.Read(r, binary.LittleEndian, &row); err != nil || row >= rows {
			return nil, errors.New("sentiment: model: truncated or corrupt")
		}
		if err := binary.Read(r, binary.LittleEndian, m.w[row*nClass:row*nClass+nClass]); err != nil {
			return nil, errors.New("sentiment: model: truncated")
		}
	}
	return m, nil
}

// stratifiedFolds assigns each example to one of k folds, keeping the class balance, deterministically.
func stratifiedFolds(labels []Label, k int, seed uint64) []int {
	fold := make([]int, len(labels))
	byClass := map[Label][]int{}
	for i, l := range labels {
		byClass[l] = append(byClass[l], i)
	}
	classes := make([]Label, 0, len(byClass))
	for l := range byClass {
		classes = append(classes, l)
	}
	sort.Slice(classes, func(i, j int) bool { return classes[i] < classes[j] })
	rng := rand.New(rand.NewPCG(seed, 0xf01d))
	n := 0
	for _, l := range classes {
		idx := byClass[l]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			fold[i] = n % k
			n++
		}
	}
	return fold
}
