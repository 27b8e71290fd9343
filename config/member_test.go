package config

import (
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMemberPosterBackground(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "bg.png")
	f, err := os.Create(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(png.Encode(f, image.NewRGBA(image.Rect(0, 0, 75, 120))), f.Close()); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bg.txt")
	if err := os.WriteFile(bad, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, wantErr string
	}{
		{"", ""},
		{good, ""},
		{bad, "SIYU_MEMBER_POSTER_BG"},
		{filepath.Join(dir, "missing.png"), "SIYU_MEMBER_POSTER_BG"},
	} {
		_, err := Load(func(k string) string {
			if k == "SIYU_MEMBER_POSTER_BG" {
				return tc.path
			}
			return ""
		})
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Load with poster %q: err = %v, want %q", tc.path, err, tc.wantErr)
		}
	}
}
