package match

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vigie-oss/vigie/config"
)

var brands = []config.Brand{
	{Name: "Orange", Aliases: []string{"Orange SA", "@orange", "#orange"}, Keywords: []string{"Livebox"}, Exclude: []string{"jus d'orange", "orange mécanique"}},
	{Name: "Société Générale", Aliases: []string{"SocGen"}},
	{Name: "SNCF", Aliases: []string{"@SNCFVoyageurs"}, Keywords: []string{"TGV inOui"}},
	{Name: "Boeing", Keywords: []string{"737 MAX"}},
}

func TestMatch(t *testing.T) {
	m, err := New(brands)
	if err != nil {
		t.Fatal(err)
	}
	f := func(text string, want ...string) {
		t.Helper()
		var got []string
		for _, mt := range m.Match(text) {
			got = append(got, mt.Brand+"="+strings.Join(mt.Terms, "|"))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Match(%q) = %q, want %q", text, got, want)
		}
	}
	f("Orange annonce la fibre", "Orange=Orange")
	f("ORANGE: résultats", "Orange=Orange")
	f("orange's new plan", "Orange=Orange")
	f("Orange’s new plan", "Orange=Orange")
	f("une orangeade bien fraîche")
	f("un jus d'orange et une Livebox")
	f("un JUS D’ORANGE")
	f("Orange mécanique, le film")
	f("orange mecanique")
	f("Orange SA et la Livebox", "Orange=Orange|Orange SA|Livebox")
	f("merci @orange !", "Orange=Orange|@orange")
	f("#orange en panne", "Orange=Orange|#orange")
	f("la societe generale recrute", "Société Générale=Société Générale")
	f("SOCIÉTÉ GÉNÉRALE", "Société Générale=Société Générale")
	f("Société\nGénérale", "Société Générale=Société Générale")
	f("Société Anonyme Générale")
	f("@SNCFVoyageurs retard", "SNCF=@SNCFVoyageurs")
	f("sncfvoyageurs retard")
	f("#SNCFVoyageurs retard")
	f("le tgv INOUI de 8h", "SNCF=TGV inOui")
	f("Boeing 737 MAX grounded", "Boeing=Boeing|737 MAX")
	f("a 737 maximum")
	f("Orange et la SNCF", "Orange=Orange", "SNCF=SNCF")
	f("")
	f("!!! ...")
}

func TestNewRejectsTermWithoutWord(t *testing.T) {
	_, err := New([]config.Brand{{Name: "X", Aliases: []string{"#"}}})
	if err == nil || !strings.Contains(err.Error(), `terms[1] "#"`) {
		t.Fatalf("New = %v, want an error naming terms[1]", err)
	}
}
