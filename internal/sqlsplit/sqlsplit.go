// Package sqlsplit cuts SQL text into statements the way the sqlite3 shell
// does: a ';' ends a statement unless it is inside a string, a quoted
// identifier, a comment or the body of a CREATE TRIGGER … BEGIN … END.
//
// The rules are those of SQLite's sqlite3_complete() (complete.c): the
// text is tokenized just enough to see semicolons, whitespace/comments and
// the keywords EXPLAIN, CREATE, TEMP/TEMPORARY, TRIGGER and END, and a small
// state machine decides which semicolon ends a statement.
package sqlsplit

import "strings"

// Statement is one complete statement of a script.
type Statement struct {
	// Text is the statement from its first token to its last, without
	// leading whitespace or comments and without the ';' that ends it.
	Text string
	// Line is the 1-based line of the source on which Text starts.
	Line int
}

// Split returns the complete statements of src in order, and rest: the
// source after the last statement-ending ';'. rest is either blank
// (whitespace and comments only; see Pending) or the start of a statement
// that needs more input. Statements with no tokens (";;") are skipped.
func Split(src string) (stmts []Statement, rest string) {
	r := scan(src)
	return r.stmts, src[r.restStart:]
}

// SplitAll is Split for a whole script: an unfinished last statement (no
// final ';', an unterminated string or trigger body) is returned as a
// statement too, for SQLite to run or to reject with its own message.
func SplitAll(src string) []Statement {
	r := scan(src)
	if r.restFirst >= 0 {
		r.stmts = append(r.stmts, Statement{
			Text: src[r.restFirst:r.restLast],
			Line: 1 + strings.Count(src[:r.restFirst], "\n"),
		})
	}
	return r.stmts
}

// Pending reports whether rest (as returned by Split) holds the start of a
// statement, or an open /* comment, so that an interactive reader must ask
// for more lines before anything can run.
func Pending(rest string) bool {
	r := scan(rest)
	return r.restFirst >= 0 || r.open
}

// OneLine returns src with the line breaks between its tokens replaced by
// spaces, for a one-line history entry. ok is false when that would change
// what src means or shows: a -- comment (it would swallow the rest), or a
// line break inside a string, quoted identifier or /* comment.
func OneLine(src string) (line string, ok bool) {
	var b strings.Builder
	ok = true
	space := ""      // the run of whitespace characters being collected
	newline := false // the run contains a line break: it becomes one space
	flush := func() {
		if newline {
			space = " "
		}
		b.WriteString(space)
		space, newline = "", false
	}
	open := tokenize(src, func(t token) bool {
		text := src[t.start:t.end]
		switch {
		case t.kind == tkLineComment:
			ok = false
		case t.kind == tkWS && len(text) == 1: // one whitespace character
			space += text
			newline = newline || text == "\n" || text == "\r"
		case strings.ContainsAny(text, "\r\n"):
			ok = false
		default:
			flush()
			b.WriteString(text)
		}
		return ok
	})
	if open || !ok {
		return src, false
	}
	flush()
	return b.String(), true
}

// Token classes, as in complete.c.
const (
	tkSemi = iota
	tkWS
	tkOther
	tkExplain
	tkCreate
	tkTemp
	tkTrigger
	tkEnd
	tkLineComment // whitespace for the state machine
)

// States of the state machine, as in complete.c (INVALID is folded into
// START: they differ only in how they treat a leading ';').
const (
	stStart = iota + 1
	stNormal
	stExplain
	stCreate
	stTrigger
	stSemi
	stEnd
)

// trans[state][token] is the next state; row 0 is unused.
var trans = [8][8]uint8{
	/*               SEMI  WS  OTHER  EXPLAIN  CREATE  TEMP  TRIGGER  END */
	/* 0 unused  */ {0, 0, 0, 0, 0, 0, 0, 0},
	/* 1 START   */ {1, 1, 2, 3, 4, 2, 2, 2},
	/* 2 NORMAL  */ {1, 2, 2, 2, 2, 2, 2, 2},
	/* 3 EXPLAIN */ {1, 3, 3, 2, 4, 2, 2, 2},
	/* 4 CREATE  */ {1, 4, 2, 2, 2, 4, 5, 2},
	/* 5 TRIGGER */ {6, 5, 5, 5, 5, 5, 5, 5},
	/* 6 SEMI    */ {6, 6, 5, 5, 5, 5, 5, 7},
	/* 7 END     */ {1, 7, 5, 5, 5, 5, 5, 5},
}

type token struct {
	kind       int
	start, end int // byte offsets in the source
}

type result struct {
	stmts     []Statement
	restStart int  // offset just after the last statement-ending ';'
	restFirst int  // first token after restStart, -1 if none
	restLast  int  // end of the last token after restStart
	open      bool // the source ends inside a /* comment
}

func scan(src string) result {
	r := result{restFirst: -1}
	state := stStart
	line, lineAt := 1, 0 // line number of offset lineAt, counted lazily
	lineOf := func(off int) int {
		line += strings.Count(src[lineAt:off], "\n")
		lineAt = off
		return line
	}
	open := tokenize(src, func(t token) bool {
		kind := t.kind
		if kind == tkLineComment {
			kind = tkWS
		}
		next := int(trans[state][kind])
		switch {
		case kind == tkSemi && next == stStart:
			if r.restFirst >= 0 {
				r.stmts = append(r.stmts, Statement{
					Text: src[r.restFirst:r.restLast],
					Line: lineOf(r.restFirst),
				})
			}
			r.restStart, r.restFirst, r.restLast = t.end, -1, t.end
		case kind != tkWS:
			if r.restFirst < 0 {
				r.restFirst = t.start
			}
			r.restLast = t.end
		}
		state = next
		return true
	})
	r.open = open
	return r
}

// tokenize calls yield for each token of src until yield returns false. It
// reports whether src ends inside a /* comment. An unterminated string or
// quoted identifier becomes one token reaching to the end of src.
func tokenize(src string, yield func(token) bool) (openComment bool) {
	for i := 0; i < len(src); {
		start := i
		kind := tkOther
		switch c := src[i]; {
		case c == ';':
			kind, i = tkSemi, i+1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			kind, i = tkWS, i+1
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			kind = tkLineComment
			if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
				i += j + 1
			} else {
				i = len(src)
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			kind = tkWS
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return true
			}
			i += 2 + j + 2
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			// A doubled quote ends this token and starts the next one of
			// the same class: harmless, both are "other".
			if j := strings.IndexByte(src[i+1:], closer); j >= 0 {
				i += 1 + j + 1
			} else {
				i = len(src)
			}
		case isIDChar(c):
			for i < len(src) && isIDChar(src[i]) {
				i++
			}
			kind = keyword(src[start:i])
		default:
			i++
		}
		if !yield(token{kind: kind, start: start, end: i}) {
			return false
		}
	}
	return false
}

// isIDChar matches SQLite's IdChar: letters, digits, '_', '$' and every
// byte of a multi-byte UTF-8 character.
func isIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '$' || c >= 0x80
}

func keyword(word string) int {
	switch {
	case strings.EqualFold(word, "explain"):
		return tkExplain
	case strings.EqualFold(word, "create"):
		return tkCreate
	case strings.EqualFold(word, "temp"), strings.EqualFold(word, "temporary"):
		return tkTemp
	case strings.EqualFold(word, "trigger"):
		return tkTrigger
	case strings.EqualFold(word, "end"):
		return tkEnd
	}
	return tkOther
}
