// Package interviewbot embeds the project's data files: the translations,
// the question bank and the database migrations.
package interviewbot

import (
	"embed"
	"io/fs"
)

//go:embed locales/*.yaml
var locales embed.FS

//go:embed questions/*.yaml
var questions embed.FS

//go:embed migrations/*.sql
var migrations embed.FS

// Locales returns the translation files, one per language.
func Locales() fs.FS { return sub(locales, "locales") }

// Questions returns the built-in question bank, one file per track.
func Questions() fs.FS { return sub(questions, "questions") }

// Migrations returns the SQL migrations, in the form tern reads.
func Migrations() fs.FS { return sub(migrations, "migrations") }

func sub(fsys embed.FS, dir string) fs.FS {
	s, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // dir is a constant that exists in the embedded tree
	}
	return s
}
