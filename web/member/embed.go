// Package member embeds the member centre's built front end (web/member/dist,
// built by `npm run build` here and committed), served by the binary at /m/.
package member

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files returns the built member centre: index.html and assets/.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // cannot happen: dist is embedded
		panic(err)
	}
	return sub
}
