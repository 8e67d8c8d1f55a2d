package sentiment

import "testing"

// TestWordVectors: the embedded English vectors load, and a text's mean finds words, elongated words,
// hashtags and contractions ("don't" as "dont", "they'll" as "they").
func TestWordVectors(t *testing.T) {
	if _, err := loadLexicons(); err != nil {
		t.Fatal(err)
	}
	v := vectors["en"]
	if v == nil || len(v.row) < 30000 || vectors["fr"] != nil {
		t.Fatalf("want English vectors only, 30,000 words or more; got %v", vectors)
	}
	vec := func(words ...string) (out [nVec]float32) {
		var sum [nVec]float32
		for _, w := range words {
			i, ok := v.row[w]
			if !ok {
				t.Fatalf("%q has no vector", w)
			}
			v.add(i, &sum)
		}
		for k := range sum {
			sum[k] /= float32(len(words))
		}
		return sum
	}
	f := func(text string, want [nVec]float32) {
		t.Helper()
		var got [nVec]float32
		v.mean(tokenize(text), &got)
		if got != want {
			t.Fatalf("mean(%q) = %v…, want %v…", text, got[:3], want[:3])
		}
	}
	f("good", vec("good"))
	f("Goooood #HAPPY @user http://x.co/1 42", vec("good", "happy"))
	f("loooove", vec("love")) // "loove" is not a word: the run cut to one letter is
	f("don't like they'll", vec("dont", "like", "they"))
	f("zzqxv", [nVec]float32{})
}
