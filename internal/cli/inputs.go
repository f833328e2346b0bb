package cli

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// input is one positional argument, resolved.
type input struct {
	name  string // file path, or "stdin"; "" for SQL given as an argument
	text  string // the SQL of an argument or a file
	stdin bool   // read standard input, statement by statement
}

// where names a statement's location for error messages: files and
// standard input get "name:line"; SQL typed as an argument gets nothing,
// the user has it in front of them.
func (in input) where(line int) string {
	if in.name == "" {
		return ""
	}
	return in.name + ":" + strconv.Itoa(line)
}

// resolveInputs turns the positional arguments into inputs. An argument is
// a file if it ends in .sql and names an existing file; one that ends in
// .sql and looks like a path (no spaces, quotes, parentheses or ';') but
// does not exist is a usage error, so a typo in a file name is not run as
// SQL. All files are read before anything runs.
func resolveInputs(args []string) ([]input, error) {
	inputs := make([]input, 0, len(args))
	for _, arg := range args {
		switch {
		case arg == "-":
			inputs = append(inputs, input{name: "stdin", stdin: true})
		case strings.HasSuffix(strings.ToLower(arg), ".sql"):
			text, err := readSQLFile(arg)
			switch {
			case err == nil:
				inputs = append(inputs, input{name: arg, text: text})
			case errors.Is(err, fs.ErrNotExist) && !looksLikePath(arg):
				inputs = append(inputs, input{text: arg}) // SQL that happens to end in ".sql"
			default:
				return nil, &UsageError{Err: err}
			}
		default:
			inputs = append(inputs, input{text: arg})
		}
	}
	return inputs, nil
}

func looksLikePath(arg string) bool {
	return !strings.ContainsAny(arg, " \t\r\n;'\"()`[]")
}

func readSQLFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// "open q.sql: no such file …" reads oddly; say what we tried.
			return "", &fileError{path: path, err: pe.Err}
		}
		return "", err
	}
	return strings.TrimPrefix(string(b), "\uFEFF"), nil // editors on Windows add a BOM
}

type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string { return "cannot read " + e.path + ": " + e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// shieldSQL hides from the flag parser the arguments that start with "--"
// but are SQL, not flags: a statement that begins with a -- comment
// ("-- who is on?\nSELECT …"). A flag's name, before any "=", never holds
// whitespace; such an argument's does. restore puts them back among the
// positional arguments.
func shieldSQL(args []string) (shielded []string, restore func([]string) []string) {
	hidden := map[string]string{}
	shielded = make([]string, len(args))
	for i, a := range args {
		name, _, _ := strings.Cut(a, "=")
		if strings.HasPrefix(a, "--") && strings.ContainsFunc(name, unicode.IsSpace) {
			key := "vpnsql-sql-argument-" + strconv.Itoa(i)
			hidden[key] = a
			a = key
		}
		shielded[i] = a
	}
	return shielded, func(pos []string) []string {
		for i, a := range pos {
			if sql, ok := hidden[a]; ok {
				pos[i] = sql
			}
		}
		return pos
	}
}
