// Package awsid checks the values vpnsql hands to the Client VPN API —
// endpoint and connection ids, region names, usernames — before any request
// is sent, and shows a user's value safely in an error message. The tables
// (for pushed-down constraints) and the terminate functions (for their
// arguments) share it, so both accept and refuse the same values with the
// same words.
package awsid

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	endpointIDPattern   = regexp.MustCompile(`^cvpn-endpoint-[0-9a-f]{17}$`)
	connectionIDPattern = regexp.MustCompile(`^cvpn-connection-[0-9a-f]{17}$`)
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
)

// maxUsername is the longest username accepted.
const maxUsername = 1024

// CheckEndpointID refuses v unless it looks like cvpn-endpoint- and 17 hex
// digits. name is the column or argument the value was given for.
func CheckEndpointID(name, v string) error {
	if !endpointIDPattern.MatchString(v) {
		return fmt.Errorf("%s %s is not a Client VPN endpoint id (they look like 'cvpn-endpoint-0123456789abcdef0')", name, Quote(v))
	}
	return nil
}

// CheckConnectionID refuses v unless it looks like cvpn-connection- and 17
// hex digits.
func CheckConnectionID(name, v string) error {
	if !connectionIDPattern.MatchString(v) {
		return fmt.Errorf("%s %s is not a Client VPN connection id (they look like 'cvpn-connection-0123456789abcdef0')", name, Quote(v))
	}
	return nil
}

// CheckRegion refuses v unless it looks like an AWS region name.
func CheckRegion(name, v string) error {
	if !regionPattern.MatchString(v) {
		return fmt.Errorf("%s %s is not an AWS region name (like 'us-east-1')", name, Quote(v))
	}
	return nil
}

// CheckUsername refuses an empty, overlong or NUL-bearing username.
func CheckUsername(name, v string) error {
	if v == "" || len(v) > maxUsername || strings.ContainsAny(v, "\x00") {
		return fmt.Errorf("%s %s cannot be a Client VPN username", name, Quote(v))
	}
	return nil
}

// Quote shows a user's value in an error message: single-quoted, shortened
// if long, and Go-escaped if it holds bytes a terminal should not see raw.
func Quote(v string) string {
	const max = 60
	suffix := ""
	if len(v) > max {
		suffix = fmt.Sprintf("…' (%d bytes)", len(v))
		v = strings.ToValidUTF8(v[:max], "")
	}
	if !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		v = strings.Trim(strconv.QuoteToGraphic(v), `"`)
	}
	if suffix != "" {
		return "'" + v + suffix
	}
	return "'" + v + "'"
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// CheckAccountID refuses v unless it is an AWS account id: 12 digits.
func CheckAccountID(name, v string) error {
	if !accountIDPattern.MatchString(v) {
		return fmt.Errorf("%s %s is not an AWS account id (12 digits, like '123456789012')", name, Quote(v))
	}
	return nil
}
