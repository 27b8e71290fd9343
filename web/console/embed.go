// Package console holds the built HQ console (Vue, built by Vite into dist)
// so the binary serves it with no Node.js on the machine.
package console

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files is the built console, rooted at dist (index.html at the top, hashed
// bundles under assets/).
var Files, _ = fs.Sub(dist, "dist")
