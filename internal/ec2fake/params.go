package ec2fake

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// filter is one Filter.N: a name and the values that are OR'ed together.
type filter struct {
	Name   string
	Values []string
}

var (
	filterParam = regexp.MustCompile(`^Filter\.([1-9][0-9]*)\.(Name|Value\.([1-9][0-9]*))$`)
	listParam   = regexp.MustCompile(`^([A-Za-z]+)\.([1-9][0-9]*)$`)
)

// checkParams refuses parameters the action does not take, as EC2 does
// (UnknownParameter). It catches client bugs such as a misspelt member that a
// lenient fake would silently ignore. scalars are plain names; lists are
// names used as NAME.N; filters says whether Filter.N.* is accepted.
func checkParams(p url.Values, scalars, lists []string, filters bool) *apiError {
	for k := range p {
		if slices.Contains(scalars, k) {
			continue
		}
		if m := listParam.FindStringSubmatch(k); m != nil && slices.Contains(lists, m[1]) {
			continue
		}
		if filters && filterParam.MatchString(k) {
			continue
		}
		return newError("UnknownParameter", "The parameter %s is not recognized", k)
	}
	return nil
}

// parseFilters reads Filter.N.Name / Filter.N.Value.M in index order and
// checks each name against the ones the action supports.
func parseFilters(p url.Values, allowed []string) ([]filter, *apiError) {
	type raw struct {
		name    string
		hasName bool
		values  map[int]string
	}
	byIndex := map[int]*raw{}
	for k, vs := range p {
		m := filterParam.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		r := byIndex[n]
		if r == nil {
			r = &raw{values: map[int]string{}}
			byIndex[n] = r
		}
		if m[2] == "Name" {
			r.name, r.hasName = vs[0], true
		} else {
			j, _ := strconv.Atoi(m[3])
			r.values[j] = vs[0]
		}
	}
	indexes := make([]int, 0, len(byIndex))
	for n := range byIndex {
		indexes = append(indexes, n)
	}
	sort.Ints(indexes)
	var out []filter
	for _, n := range indexes {
		r := byIndex[n]
		if !r.hasName {
			return nil, errMissing(fmt.Sprintf("Filter.%d.Name", n))
		}
		if !slices.Contains(allowed, r.name) {
			return nil, errInvalidValue("The filter '%s' is invalid", r.name)
		}
		if len(r.values) == 0 {
			return nil, errInvalidValue("The filter '%s' must have at least one value", r.name)
		}
		js := make([]int, 0, len(r.values))
		for j := range r.values {
			js = append(js, j)
		}
		sort.Ints(js)
		f := filter{Name: r.name}
		for _, j := range js {
			f.Values = append(f.Values, r.values[j])
		}
		out = append(out, f)
	}
	return out, nil
}

// matchAll reports whether an item passes every filter: filters are AND'ed,
// the values of one filter OR'ed. field returns the item's value for a
// filter name and whether it has one at all.
func matchAll(filters []filter, field func(name string) (string, bool)) bool {
	for _, f := range filters {
		v, ok := field(f.Name)
		if !ok || !slices.Contains(f.Values, v) {
			return false
		}
	}
	return true
}

// listValues returns NAME.1, NAME.2, … in index order.
func listValues(p url.Values, name string) []string {
	idx := map[int]string{}
	for k, vs := range p {
		if m := listParam.FindStringSubmatch(k); m != nil && m[1] == name {
			n, _ := strconv.Atoi(m[2])
			idx[n] = vs[0]
		}
	}
	ns := make([]int, 0, len(idx))
	for n := range idx {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, idx[n])
	}
	return out
}

// parseBool reads an optional boolean parameter the way EC2 does: "true" or
// "false", case-insensitively.
func parseBool(p url.Values, name string) (bool, *apiError) {
	v := p.Get(name)
	switch strings.ToLower(v) {
	case "":
		return false, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errInvalidValue("Value (%s) for parameter %s is invalid. Expected: 'true' or 'false'.", v, name)
}

const (
	minMaxResults     = 5
	maxMaxResults     = 1000
	defaultMaxResults = 1000
)

// parseMaxResults validates MaxResults (5..1000); absent means pages of 1000.
func parseMaxResults(p url.Values) (int, *apiError) {
	v := p.Get("MaxResults")
	if v == "" {
		return defaultMaxResults, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < minMaxResults || n > maxMaxResults {
		return 0, errInvalidValue("Value ( %s ) for parameter MaxResults is invalid. Expecting a value between %d and %d.", v, minMaxResults, maxMaxResults)
	}
	return n, nil
}

// Pagination tokens are opaque to clients but simple inside:
// base64("v1:<offset>:<query hash>"). The hash binds a token to the query
// that produced it (action, region, endpoint, ids, filters — not MaxResults,
// which EC2 lets a client change between pages), so a token replayed against
// another query is refused with InvalidPaginationToken, as EC2 does.

func queryHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func filtersKey(fs []filter) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%q=%q;", f.Name, f.Values)
	}
	return b.String()
}

func encodeToken(offset int, hash string) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("v1:%d:%s", offset, hash)))
}

// pageStart decodes NextToken for a query with the given hash and total
// size; no token means the first page.
func pageStart(p url.Values, hash string, total int) (int, *apiError) {
	tok := p.Get("NextToken")
	if tok == "" {
		return 0, nil
	}
	bad := newError("InvalidPaginationToken", "Invalid pagination token: %s", tok)
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, bad
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != "v1" || parts[2] != hash {
		return 0, bad
	}
	off, err := strconv.Atoi(parts[1])
	if err != nil || off <= 0 || off >= total {
		return 0, bad
	}
	return off, nil
}

// page returns the [start, end) window and the token for the next page ("" on
// the last page).
func page(start, size, total int, hash string) (int, string) {
	end := min(start+size, total)
	if end < total {
		return end, encodeToken(end, hash)
	}
	return end, ""
}
