package hqtasks

import (
	"bytes"
	"strings"
	"testing"
)

// TestReportCSVEscapesFormulas: a guide's name or note that starts like a
// formula is written as text in the task report's CSV.
func TestReportCSVEscapesFormulas(t *testing.T) {
	rep := Report{Stores: []StoreReport{{StoreCode: "sh001", Guides: []GuideReport{{
		GuideUserID: "g1", Name: "=HYPERLINK(\"http://evil\")", Notes: []ItemNote{{Note: "@SUM(1)"}},
	}}}}}
	var b bytes.Buffer
	if err := rep.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"'=HYPERLINK(""http://evil"")"`, ",'@SUM(1)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("csv %q lacks %s", b.String(), want)
		}
	}
}
