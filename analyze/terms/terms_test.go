package terms

import (
	"reflect"
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	f := func(text, lang string, want ...string) {
		t.Helper()
		got := Extract(text, lang)
		if len(want) == 0 {
			want = []string{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Extract(%q, %q)\n got %q\nwant %q", text, lang, got, want)
		}
	}
	// Accents folded, case lowered, French stop words and elisions removed, phrase across "de".
	f("Panne de réseau chez Orange : l'Élysée s'inquiète", "fr",
		"panne", "reseau", "orange", "elysee", "inquiete", "panne reseau", "reseau orange", "elysee inquiete")
	// Typographic apostrophe behaves like the ASCII one.
	f("L’opérateur d’Orange", "fr", "operateur", "orange", "operateur orange")
	// Hashtags and handles are kept whole and do not form phrases.
	f("#BoycottOrange now! @Orange_France outage", "en", "#boycottorange", "@orange_france", "outage")
	// English stop words, contractions and possessives.
	f("I don't like Apple's new iPhone", "en", "like", "apple", "new", "iphone", "like apple", "apple new", "new iphone")
	// Clause punctuation ends a phrase; URLs and bare numbers are dropped.
	f("Grève, trains annulés https://t.co/xyz 2026", "fr", "greve", "trains", "annules", "trains annules")
	// Unknown language: both stop word lists apply.
	f("the service est en panne", "", "service", "panne", "service panne")
	// Duplicates appear once, in order of first appearance.
	f("panne panne PANNE", "fr", "panne", "panne panne")
	f("", "fr")
	f("!!! ... --", "en")
	// Hyphenated words and inner apostrophes that are not elisions stay one token.
	f("e-réputation aujourd'hui", "fr", "e-reputation", "aujourd'hui", "e-reputation aujourd'hui")
}

func TestExtractBounded(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 500; i++ {
		b.WriteString("mot")
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(" ")
	}
	got := Extract(b.String(), "fr")
	if len(got) != MaxTerms {
		t.Fatalf("got %d terms, want the bound %d", len(got), MaxTerms)
	}
}

func TestNormalize(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := Normalize(in); got != want {
			t.Fatalf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	f("Ça GÈRE", "ca gere")
	f("Œuvre naïve", "œuvre naive")
	f("plain ASCII", "plain ascii")
	f("l’été", "l'ete")
}

// TestNormalizeMatchesChain checks the fast path against the full Unicode chain on text where they could
// differ: decomposed accents, Hangul, Indic vowel signs, emoji with variation selectors, invalid UTF-8.
func TestNormalizeMatchesChain(t *testing.T) {
	for _, s := range []string{
		"Élysée Œuvre ÀÉÎÕÜ çñß ǅ", "l’été… «déçu» — 👍🏽 ❤️ 😡", "cafe\u0301 resume\u0301", "한국어 텔레콤",
		"\u09c7\u09be বাংলা", "Ελληνικά ά", "bad \xff\xfe bytes é", "ДОБРЫЙ день", "ﬁne ligature", "Ωhm Å",
	} {
		if got, want := Normalize(s), foldChain(s); got != want {
			t.Errorf("Normalize(%q) = %q, the full chain gives %q", s, got, want)
		}
	}
}
