package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/jonreiter/govader"

	"github.com/vigie-oss/vigie/analyze/lang"
	"github.com/vigie-oss/vigie/analyze/sentiment"
)

func init() {
	register("sentiment", "score mentions' sentiment from stdin; 'eval' measures it on a labelled file", runSentiment)
}

func runSentiment(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	def := command{"score one text per line", runSentimentScore}
	return subcommands(ctx, "sentiment", map[string]command{
		"eval": {"measure accuracy, macro-F1 and speed on a label<TAB>text file (--cv K for the learned model)", runSentimentEval},
	}, &def, args, stdin, stdout, stderr)
}

func runSentimentScore(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sentiment", flag.ContinueOnError)
	fs.SetOutput(stderr)
	language := fs.String("lang", "auto", "language of the texts: fr, en or auto (detected per line)")
	brand := fs.String("brand", "", "score what each text says about this brand (default: the whole text)")
	lexOnly := fs.Bool("lexicon-only", false, "use the lexicon and rules layer alone, not the learned model")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: vigie sentiment [--lang fr|en|auto] [--brand NAME]
       vigie sentiment eval [--lang fr|en|auto] [--cv K] [--compare govader] FILE.tsv

Reads one text per line on standard input and writes "label<TAB>score" per line, in order, one output line
per input line: label is negative, neutral or positive, score is in [-1, 1]. Add --verbose for the
confidence, the language and the abuse flag as extra columns.

`)
		fs.PrintDefaults()
	}
	verbose := fs.Bool("verbose", false, "also print confidence, language and abusive (1/0) columns")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "vigie sentiment: unexpected argument %q (texts come on standard input; did you mean 'eval'?)\n", fs.Arg(0))
		return 2
	}
	if err := checkLang(*language); err != nil {
		fmt.Fprintf(stderr, "vigie sentiment: %v\n", err)
		return 2
	}
	s, err := sentiment.NewScorer(sentiment.Options{LexiconOnly: *lexOnly})
	if err != nil {
		fmt.Fprintf(stderr, "vigie sentiment: %v\n", err)
		return 1
	}
	in := bufio.NewReaderSize(stdin, 64<<10)
	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	for n := 1; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			fmt.Fprintf(stderr, "vigie sentiment: interrupted after %d lines\n", n-1)
			return 1
		}
		line, err := in.ReadString('\n')
		if err != nil && err != io.EOF {
			fmt.Fprintf(stderr, "vigie sentiment: reading line %d: %v\n", n, err)
			return 1
		}
		if line == "" && err == io.EOF {
			return 0
		}
		r := s.Score(strings.TrimRight(line, "\r\n"), *language, *brand)
		if *verbose {
			fmt.Fprintf(out, "%s\t%.3f\t%.3f\t%s\t%d\n", r.Label, r.Score, r.Confidence, r.Lang, b2i(r.Abusive))
		} else {
			fmt.Fprintf(out, "%s\t%.3f\n", r.Label, r.Score)
		}
		if err == io.EOF {
			return 0
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func checkLang(l string) error {
	switch l {
	case "fr", "en", "auto", "":
		return nil
	}
	return fmt.Errorf("--lang %q: want fr, en or auto", l)
}

func runSentimentEval(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sentiment eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	language := fs.String("lang", "auto", "language of the file: fr, en or auto (per text for scoring; majority for --cv)")
	cv := fs.Int("cv", 0, "K-fold cross-validation of the learned model on this file (0: evaluate the embedded model)")
	seeds := fs.Int("seeds", 1, "with --cv: also repeat the cross-validation with seeds 1..N and print the mean macro-F1")
	compare := fs.String("compare", "", "also measure this baseline on the same file in the same run: govader")
	lexOnly := fs.Bool("lexicon-only", false, "also measure the lexicon and rules layer alone")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: vigie sentiment eval [--lang fr|en|auto] [--cv K [--seeds N]] [--compare govader] FILE.tsv

FILE.tsv has the header "label<TAB>text" and one labelled text per line (labels negative, neutral, positive).
Prints accuracy, macro-F1 (the mean of the three per-class F1), per-class F1, the confusion matrix and the
throughput. With --cv K the learned model is retrained K times, each time predicting the fold it did not
see: use it on any file the embedded model was trained on. --seeds N repeats it with seeds 1..N (other
folds, other training order) and prints the mean, which a choice tuned to one split cannot flatter.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	if err := checkLang(*language); err != nil {
		fmt.Fprintf(stderr, "vigie sentiment eval: %v\n", err)
		return 2
	}
	if *compare != "" && *compare != "govader" {
		fmt.Fprintf(stderr, "vigie sentiment eval: --compare %q: the only baseline is govader\n", *compare)
		return 2
	}
	if *seeds < 1 || *seeds > 1 && *cv == 0 {
		fmt.Fprintf(stderr, "vigie sentiment eval: --seeds %d: want a count of at least 1, with --cv\n", *seeds)
		return 2
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "vigie sentiment eval: %v\n", err)
		return 1
	}
	examples, err := sentiment.ReadTSV(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "vigie sentiment eval: %s: %v\n", path, err)
		return 1
	}
	fmt.Fprintf(stdout, "file %s: %d texts\n", path, len(examples))

	type row struct {
		name string
		m    sentiment.Metrics
	}
	var rows []row
	if *cv > 0 {
		l := *language
		if l == "auto" || l == "" {
			l = majorityLang(examples)
		}
		m, per, err := sentiment.CrossValidate(examples, l, *cv, sentiment.DefaultTrainOptions)
		if err != nil {
			fmt.Fprintf(stderr, "vigie sentiment eval: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "vigie: %d-fold cross-validation, language %s, per-fold macro-F1 %s\n", *cv, l, fmtFloats(per))
		if *seeds > 1 {
			a, err := sentiment.CrossValidateSeeds(examples, l, *cv, *seeds, sentiment.DefaultTrainOptions)
			if err != nil {
				fmt.Fprintf(stderr, "vigie sentiment eval: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdout, "vigie: %d-fold cross-validation, mean over seeds 1..%d: macro-F1 %.4f, F1 neg/neu/pos %.3f/%.3f/%.3f (per seed %s)\n",
				*cv, *seeds, a.MacroF1, a.F1[0], a.F1[1], a.F1[2], fmtFloats(a.PerSeed))
		}
		rows = append(rows, row{fmt.Sprintf("vigie (%d-fold CV)", *cv), m})
	} else {
		s, err := sentiment.NewScorer(sentiment.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "vigie sentiment eval: %v\n", err)
			return 1
		}
		models, _ := sentiment.EmbeddedModels()
		for _, l := range []string{"fr", "en"} {
			note := models[l].Note
			fmt.Fprintf(stdout, "vigie model %s: %s\n", l, note)
			if strings.Contains(note, "trained on "+filepath.Base(path)+" ") {
				fmt.Fprintf(stdout, "WARNING: the embedded %s model was trained on %s: these figures are not a measure of quality; use --cv 5\n", l, filepath.Base(path))
			}
		}
		rows = append(rows, row{"vigie (embedded model)", sentiment.Evaluate(examples, func(t string) sentiment.Label {
			return s.Score(t, *language, "").Label
		})})
	}
	if ctx.Err() != nil {
		return 1
	}
	if *lexOnly {
		s, _ := sentiment.NewScorer(sentiment.Options{LexiconOnly: true})
		rows = append(rows, row{"vigie lexicon+rules only", sentiment.Evaluate(examples, func(t string) sentiment.Label {
			return s.Score(t, *language, "").Label
		})})
	}
	if *compare == "govader" {
		g := govader.NewSentimentIntensityAnalyzer()
		rows = append(rows, row{"govader", sentiment.Evaluate(examples, func(t string) sentiment.Label {
			c := g.PolarityScores(t).Compound
			switch {
			case c >= 0.05: // VADER's documented thresholds
				return sentiment.Positive
			case c <= -0.05:
				return sentiment.Negative
			}
			return sentiment.Neutral
		})})
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nsystem\tmacro-F1\taccuracy\tF1 negative\tF1 neutral\tF1 positive\ttexts/s")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.0f\n", r.name, r.m.MacroF1, r.m.Accuracy, r.m.F1[0], r.m.F1[1], r.m.F1[2], r.m.TextsPerSecond())
	}
	tw.Flush()
	for _, r := range rows {
		fmt.Fprintf(stdout, "\nconfusion matrix, %s (rows: gold, columns: predicted)\n", r.name)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\tnegative\tneutral\tpositive\t")
		for g, name := range []string{"negative", "neutral", "positive"} {
			c := r.m.Confusion[g]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", name, c[0], c[1], c[2])
		}
		tw.Flush()
	}
	return 0
}

// majorityLang is the language most texts of the file are detected in, among fr and en.
func majorityLang(examples []sentiment.Example) string {
	n := map[string]int{}
	for _, ex := range examples {
		n[lang.DetectAmong(ex.Text, "fr", "en")]++
	}
	if n["fr"] > n["en"] {
		return "fr"
	}
	return "en"
}

func fmtFloats(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(parts, " ")
}
