package analyze

import (
	"reflect"
	"testing"

	"github.com/vigie-oss/vigie/mention"
)

func TestWithoutBrand(t *testing.T) {
	f := func(in []string, m mention.Mention, want []string) {
		t.Helper()
		if got := withoutBrand(in, &m); !reflect.DeepEqual(got, want) {
			t.Fatalf("withoutBrand(%v) = %v, want %v", in, got, want)
		}
	}
	f([]string{"panne", "orange", "#panneorange", "#orange", "service client", "panne orange"},
		mention.Mention{Brand: "Orange"}, []string{"panne", "#panneorange", "service client", "panne orange"})
	f([]string{"livebox", "sncf", "@sncfvoyageurs", "retard"},
		mention.Mention{Brand: "SNCF", Matched: []string{"@SNCFVoyageurs", "SNCF"}}, []string{"livebox", "retard"})
	f([]string{"societe", "societe generale", "banque"},
		mention.Mention{Brand: "Société Générale"}, []string{"societe", "banque"})
}

func TestJoinText(t *testing.T) {
	f := func(title, text, want string) {
		t.Helper()
		if got := joinText(title, text); got != want {
			t.Fatalf("joinText(%q, %q) = %q", title, text, got)
		}
	}
	f("", "body", "body")
	f("Title", "", "Title")
	f("Title", "body", "Title. body")
}
