// Command train rebuilds the embedded sentiment models and prints their 5-fold cross-validated figures:
//
//	go run ./analyze/sentiment/train            # French and English, from ../shared/eval/sentiment
//	go run ./analyze/sentiment/train -lang fr -data my-fr.tsv
//	go run ./analyze/sentiment/train -lang en -out /tmp -seeds 3   # also the mean CV over fold seeds 1, 2, 3
//
// The data is label<TAB>text with a header line. Training is deterministic (fixed seed): the same data gives
// the same weights.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vigie-oss/vigie/analyze/sentiment"
)

func main() {
	language := flag.String("lang", "", "train only this language (fr or en); default both")
	data := flag.String("data", "", "training file (label<TAB>text); default ../shared/eval/sentiment/LANG-dev.tsv")
	out := flag.String("out", "analyze/sentiment/model", "directory for LANG.bin")
	folds := flag.Int("cv", 5, "cross-validation folds to report before training on everything (0 = skip)")
	seeds := flag.Int("seeds", 1, "also repeat the cross-validation with seeds 1..N (folds and shuffling) and print the mean, "+
		"so that a choice tuned to one split shows")
	flag.Parse()
	langs := []string{"fr", "en"}
	if *language != "" {
		langs = []string{*language}
	}
	for _, l := range langs {
		path := *data
		if path == "" {
			path = filepath.Join("..", "shared", "eval", "sentiment", l+"-dev.tsv")
		}
		if err := run(l, path, *out, *folds, *seeds); err != nil {
			fmt.Fprintln(os.Stderr, "train:", err)
			os.Exit(1)
		}
	}
}

func run(lang, path, outDir string, folds, seeds int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", lang, err)
	}
	examples, err := sentiment.ReadTSV(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	o := sentiment.DefaultTrainOptions
	if folds > 0 {
		m, per, err := sentiment.CrossValidate(examples, lang, folds, o)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %d-fold CV on %s (%d texts): macro-F1 %.4f accuracy %.4f F1 neg/neu/pos %.3f/%.3f/%.3f folds %.3f\n",
			lang, folds, path, m.N, m.MacroF1, m.Accuracy, m.F1[0], m.F1[1], m.F1[2], per)
		if seeds > 1 {
			a, err := sentiment.CrossValidateSeeds(examples, lang, folds, seeds, o)
			if err != nil {
				return err
			}
			fmt.Printf("%s: %d-fold CV, mean over seeds 1..%d: macro-F1 %.4f F1 neg/neu/pos %.3f/%.3f/%.3f per seed %.4f\n",
				lang, folds, seeds, a.MacroF1, a.F1[0], a.F1[1], a.F1[2], a.PerSeed)
		}
	}
	m, err := sentiment.Train(examples, lang, o)
	if err != nil {
		return err
	}
	m.Note = fmt.Sprintf("trained on %s (%d texts) with %+v", filepath.Base(path), len(examples), o)
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	dst := filepath.Join(outDir, lang+".bin")
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: wrote %s (%d bytes)\n", lang, dst, len(b))
	return nil
}
