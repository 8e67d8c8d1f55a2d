package lang

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	f := func(text, want string) {
		t.Helper()
		if got := Detect(text); got != want {
			t.Errorf("Detect(%q) = %q, want %q", text, got, want)
		}
	}
	f("J'adore ce téléphone, il est génial", "fr")
	f("pas terrible le service client", "fr")
	f("Franchement déçue, c'est nul", "fr")
	f("not bad at all, I love it", "en")
	f("worst customer service ever @user http://t.co/x", "en")
	f("El servicio es muy malo y no funciona", "es")
	f("Der Kundendienst ist wirklich schlecht", "de")
	f("Il servizio clienti è davvero pessimo", "it")
	f("O atendimento ao cliente é muito ruim", "pt")
	f("De klantenservice is echt slecht", "nl")
	f("", "")
	f("12345 !!! 👍", "")
	f("Привет, как дела?", "")
	if got := DetectAmong("El servicio es muy malo", "fr", "en"); got != "fr" && got != "en" {
		t.Errorf("DetectAmong returned %q outside fr/en", got)
	}
}

// loadEval reads the shared evaluation tweets, whose language is known; it skips when they are absent.
func loadEval(t testing.TB) (texts, langs []string) {
	for _, l := range []string{"fr", "en"} {
		f, err := os.Open("../../../shared/eval/sentiment/" + l + "-dev.tsv")
		if err != nil {
			t.Skipf("evaluation data not found (%v): clone the repo next to shared/", err)
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			if _, text, ok := strings.Cut(sc.Text(), "\t"); ok {
				texts = append(texts, text)
				langs = append(langs, l)
			}
		}
		f.Close()
	}
	return texts, langs
}

// TestAccuracyOnTweets holds the accuracy measured on 4,326 French and English tweets
// (docs/BENCHMARKS.md); lingua-go itself, with the same seven languages, scores 99.65 % there.
func TestAccuracyOnTweets(t *testing.T) {
	texts, langs := loadEval(t)
	ok := 0
	for i, text := range texts {
		if Detect(text) == langs[i] {
			ok++
		}
	}
	acc := float64(ok) / float64(len(texts))
	t.Logf("accuracy on %d tweets (7 languages): %.4f", len(texts), acc)
	if acc < 0.99 {
		t.Errorf("accuracy %.4f < 0.99", acc)
	}
}
