package csvexport

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriterEscapesFormulas(t *testing.T) {
	in := []string{`=HYPERLINK("http://x")`, "+1", "-2", "@SUM(A1)", "\tx", "\rx", "普通", "a=b", ""}
	want := []string{`'=HYPERLINK("http://x")`, "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "普通", "a=b", ""}
	var b bytes.Buffer
	w := NewWriter(&b)
	if err := w.Write(in); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	got, err := csv.NewReader(&b).Read()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("cells read back (-want +got):\n%s", d)
	}
}
