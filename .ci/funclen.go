// Command funclen fails when a Go function in the tree is longer than 80
// lines (from its func line to its closing brace), so functions stay small
// enough to read in one screen. The benchmark drivers in cmd/siyu/bench*
// are exempt. Run from the repository root: go run .ci/funclen.go
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const maxLines = 80

func main() {
	fset := token.NewFileSet()
	var long []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasPrefix(filepath.ToSlash(path), "cmd/siyu/bench") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
			if n := end.Line - start.Line + 1; n > maxLines {
				long = append(long, fmt.Sprintf("%s:%d: %s is %d lines (max %d)", path, start.Line, fn.Name.Name, n, maxLines))
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "funclen:", err)
		os.Exit(2)
	}
	if len(long) > 0 {
		fmt.Fprintln(os.Stderr, strings.Join(long, "\n"))
		fmt.Fprintln(os.Stderr, "split these into named helpers in the same file")
		os.Exit(1)
	}
}
