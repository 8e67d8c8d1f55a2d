package sentiment

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// nVec is the dimension of the word vectors; their mean over a text is a block of dense features.
const nVec = 100

// vectorFiles lists, per language, the word vectors whose mean over the text feeds the model: English has
// GloVe's (lexicon/update.sh says which words are kept and how they are quantised). With them English
// macro-F1 went from 0.639 to 0.647, mean of 5-fold CV over three seeds (docs/BENCHMARKS.md).
var vectorFiles = map[string]string{"en": "en_glove.bin"}

// wordVectors maps folded words to int8-quantised vectors, each with its own scale.
type wordVectors struct {
	row   map[string]int32
	scale []float32
	data  []int8 // len(scale) rows of nVec
}

const vectorMagic = "VIGIEVEC1"

func readVectors(name string) (*wordVectors, error) {
	f, err := lexiconFS.Open("lexicon/" + name)
	if err != nil {
		return nil, fmt.Errorf("sentiment: vectors %s: %w", name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("sentiment: vectors %s: %w", name, err)
	}
	r := bufio.NewReader(zr)
	fail := func(what string) (*wordVectors, error) {
		return nil, fmt.Errorf("sentiment: vectors %s: %s", name, what)
	}
	magic := make([]byte, len(vectorMagic))
	var noticeLen, dims uint16
	var n uint32
	if _, err := io.ReadFull(r, magic); err != nil || !bytes.Equal(magic, []byte(vectorMagic)) {
		return fail("not a Vigie word-vector file")
	}
	// The source and licence notice travels with the vectors (update.sh writes it); it is skipped here.
	if binary.Read(r, binary.LittleEndian, &noticeLen) != nil {
		return fail("truncated header")
	}
	if _, err := r.Discard(int(noticeLen)); err != nil {
		return fail("truncated header")
	}
	if binary.Read(r, binary.LittleEndian, &dims) != nil || binary.Read(r, binary.LittleEndian, &n) != nil {
		return fail("truncated header")
	}
	if dims != nVec {
		return fail(fmt.Sprintf("%d dimensions, this build uses %d", dims, nVec))
	}
	v := &wordVectors{row: make(map[string]int32, n), scale: make([]float32, n), data: make([]int8, int(n)*nVec)}
	word := make([]byte, 255)
	for i := range int(n) {
		l, err := r.ReadByte()
		if err == nil {
			_, err = io.ReadFull(r, word[:l])
		}
		if err == nil {
			err = binary.Read(r, binary.LittleEndian, &v.scale[i])
		}
		if err == nil {
			err = binary.Read(r, binary.LittleEndian, v.data[i*nVec:(i+1)*nVec])
		}
		if err != nil {
			return fail(fmt.Sprintf("word %d of %d: %v", i+1, n, errors.Join(err, io.ErrUnexpectedEOF)))
		}
		v.row[string(word[:l])] = int32(i)
	}
	return v, nil
}

func (v *wordVectors) add(i int32, out *[nVec]float32) {
	sc, q := v.scale[i], v.data[int(i)*nVec:int(i+1)*nVec]
	for k := range out {
		out[k] += sc * float32(q[k])
	}
}

// mean sets out to the mean vector of the words and hashtags of toks that have one (zero when none has).
func (v *wordVectors) mean(toks []token, out *[nVec]float32) {
	n := 0
	for _, t := range toks {
		if t.kind != tWord && t.kind != tHashtag {
			continue
		}
		w := t.norm
		if t.kind == tHashtag {
			w = w[1:]
		}
		i, ok := v.row[w]
		if !ok && t.elong {
			s, _ := squeeze(w, 1)
			i, ok = v.row[s]
		}
		if ok {
			v.add(i, out)
			n++
			continue
		}
		// Contractions have no vector of their own (the packaged vocabulary has no apostrophes): "don't"
		// reads as "dont", "i'm" as "im", else as its head ("they'll": "they").
		if a := strings.IndexByte(w, '\''); a > 0 {
			if i, ok := v.row[strings.ReplaceAll(w, "'", "")]; ok {
				v.add(i, out)
				n++
			} else if i, ok := v.row[w[:a]]; ok {
				v.add(i, out)
				n++
			}
		}
	}
	if n > 1 {
		for k := range out {
			out[k] /= float32(n)
		}
	}
}
