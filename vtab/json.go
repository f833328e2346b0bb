package vtab

import (
	"strconv"
	"unicode/utf8"
)

// appendJSONString appends s as a JSON string. Unlike encoding/json it
// leaves <, > and & alone, so status->>'message' reads back exactly what
// AWS sent; invalid UTF-8 becomes U+FFFD as encoding/json would make it.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\r':
				b = append(b, `\r`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c < 0x20 || c == 0x7f:
				b = append(b, `\u00`...)
				if c < 0x10 {
					b = append(b, '0')
				}
				b = strconv.AppendUint(b, uint64(c), 16)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
