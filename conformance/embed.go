package conformance

import (
	"embed"
	"io/fs"
)

//go:embed testdata
var shipped embed.FS

// Cases returns the case tree the kit ships (testdata/ of this package).
func Cases() fs.FS {
	sub, err := fs.Sub(shipped, "testdata")
	if err != nil {
		panic("conformance: embedded testdata: " + err.Error()) // cannot happen: the directory is embedded
	}
	return sub
}
