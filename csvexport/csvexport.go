// Package csvexport writes CSV files that are safe to open in a
// spreadsheet: a cell that starts with =, +, -, @, a tab or a carriage
// return would run as a formula (CSV injection), so it is written with a
// leading apostrophe, which spreadsheets show as text. Every CSV export
// goes through it.
package csvexport

import (
	"encoding/csv"
	"io"
)

// Writer is a csv.Writer that escapes formula-like cells.
type Writer struct{ *csv.Writer }

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{csv.NewWriter(w)} }

// Write writes one record with every cell escaped. Errors: w's.
func (w *Writer) Write(record []string) error {
	out := make([]string, len(record))
	for i, cell := range record {
		out[i] = Escape(cell)
	}
	return w.Writer.Write(out)
}

// Escape returns cell prefixed with an apostrophe when a spreadsheet would
// read it as a formula.
func Escape(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
