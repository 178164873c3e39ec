package repobuild

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSweep simulates a crash: a creation's data and marker are left; the
// sweep removes them, but keeps a creation that did publish.
func TestSweep(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := time.Now().Add(-3 * time.Hour)
	put := e.put
	crashed := fmt.Sprintf("%016x%016x", old.UnixNano(), 1)
	put(markerKey(crashed), `{"started":"x"}`)
	put(dataPrefix+crashed+"/uploads/1", "partial")
	put(dataPrefix+crashed+"/versions/ab/c/data", "blob")
	published := fmt.Sprintf("%016x%016x", old.UnixNano(), 2)
	put(markerKey(published), `{"started":"x","namespace":"ox","name":"pub"}`)
	put(dataPrefix+published+"/entries.json", "null")
	put(recordKey("ox", "pub"), `{"namespace":"ox","name":"pub","data":"data/`+published+`"}`)
	young := fmt.Sprintf("%016x%016x", time.Now().UnixNano(), 3)
	put(markerKey(young), `{"started":"x"}`)
	n, err := Sweep(ctx, e.st, time.Now(), time.Hour, 0)
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v", n, err)
	}
	got := strings.Join(e.keys(""), " ")
	want := "data/" + published + "/entries.json repos/ox/pub/repo.json " + markerKey(young)
	if got != want {
		t.Fatalf("after sweep:\n%s\nwant\n%s", got, want)
	}
	r, err := e.b.Open(ctx, "ox", "pub")
	if err != nil {
		t.Fatalf("published repo lost: %v", err)
	}
	if got := entriesJSON(t, r); string(got) != "null" {
		t.Errorf("published repo's entries: %s", got)
	}
}
