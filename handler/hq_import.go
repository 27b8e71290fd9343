package handler

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// decodeImport reads an import body into out (a pointer to a slice of
// structs with json tags): a JSON array, or with Content-Type text/csv a
// CSV file whose header row names the columns (any order; required ones
// must be there, unknown ones are refused). Errors are EINVALID saying what
// is wrong, or 413 for a body over 1 MiB.
func decodeImport(c *gin.Context, out any, columns, required []string) error {
	body, err := readBody(c.Request)
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.ContentType())
	if mt != "text/csv" {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(out); err != nil {
			return invalid("want a JSON array of objects (or Content-Type: text/csv): %v", err)
		}
		return nil
	}
	rows, err := readCSV(body, columns, required)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(rows)
	return json.Unmarshal(raw, out)
}

// readCSV parses a CSV file with a header row into one map per row.
func readCSV(body []byte, columns, required []string) ([]map[string]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))) // Excel's BOM
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, invalid("CSV is empty: want a header row (%s) and data rows", strings.Join(columns, ","))
	} else if err != nil {
		return nil, invalid("CSV: %v", err)
	}
	for i, h := range header {
		header[i] = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(columns, header[i]) {
			return nil, invalid("CSV column %q: want %s", h, strings.Join(columns, ", "))
		}
	}
	for _, req := range required {
		if !slices.Contains(header, req) {
			return nil, invalid("CSV has no %q column (header: %s)", req, strings.Join(header, ","))
		}
	}
	rows := []map[string]string{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		} else if err != nil {
			return nil, invalid("CSV: %v", err)
		}
		row := map[string]string{}
		for i, v := range rec {
			row[header[i]] = strings.TrimSpace(v)
		}
		rows = append(rows, row)
	}
}
