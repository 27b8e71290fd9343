package config

import (
	"errors"
	"image"
	_ "image/jpeg" // poster backgrounds may be JPEG
	_ "image/png"
	"os"
)

// checkImage accepts "" or a readable PNG or JPEG file.
func checkImage(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // read only: a failed close loses nothing
	if _, _, err := image.DecodeConfig(f); err != nil {
		return errors.New("not a PNG or JPEG image")
	}
	return nil
}

// LoadImage decodes the PNG or JPEG at path. It returns the file's and the
// decoder's errors.
func LoadImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only: a failed close loses nothing
	img, _, err := image.Decode(f)
	return img, err
}
