// Package clientweb embeds the browser side of Skirmish: the player page, the spectator page,
// their stylesheet and the esbuild bundles in dist/, which are committed so that the server
// builds without Node. The pages draw with the shared assets, which it serves too. `npm run build` in this folder regenerates dist/ from src/, and
// `npm run check-bundle` fails when the committed bundles are older than their sources.
package clientweb

import (
	"embed"
	"io/fs"
	"strings"

	"skirmish/assets"
)

//go:embed static dist
var files embed.FS

// FS is the site as the server mounts it at /: index.html (the lobby and game), watch.html
// (the spectator page, also of replays), admin.html (the operators' dashboard), skirmish.css,
// the bundles under dist/ (dist/play.js, dist/watch.js, dist/admin.js and dist/admin.css),
// and under assets/ the files of the assets package (assets/palette.json,
// assets/sprites/ship0.png, assets/maps/arena.txt, ...).
var FS fs.FS = site{}

// site lays static/ at the root, with dist/ and assets/ beside it.
type site struct{}

// Open implements fs.FS.
func (site) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "dist" || strings.HasPrefix(name, "dist/") {
		return files.Open(name)
	}
	if name == "assets" {
		return assets.FS.Open(".")
	}
	if rest, ok := strings.CutPrefix(name, "assets/"); ok {
		return assets.FS.Open(rest)
	}
	if name == "." {
		return files.Open("static")
	}
	return files.Open("static/" + name)
}
