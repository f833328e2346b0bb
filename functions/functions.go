// Package functions declares vpnsql's SQL functions: settings and cache
// control here, terminating connections in terminate.go. Functions that
// change state are registered DirectOnly, so nothing stored in a database
// file (a view, trigger, CHECK, DEFAULT, generated column or index) can call
// them, in any host (see sqlite.DirectOnly).
package functions

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vpnsql/vpnsql/internal/accounts"
	"github.com/vpnsql/vpnsql/internal/awsid"
	"github.com/vpnsql/vpnsql/internal/clientvpn"
	"github.com/vpnsql/vpnsql/internal/sqlite"
)

// Register declares the functions on conn; term serves the terminate
// functions (NewTerminator, once per engine).
func Register(conn *sqlite.Conn, svc *clientvpn.Service, term *Terminator) error {
	for _, f := range []struct {
		name  string
		nArg  int
		flags sqlite.FuncFlags
		fn    sqlite.Func
	}{
		{"vpnsql_config", 1, 0, func(args []any) (any, error) { return config(svc, args) }},
		{"vpnsql_config", 2, sqlite.DirectOnly, func(args []any) (any, error) { return config(svc, args) }},
		{"vpnsql_clear_cache", 0, sqlite.DirectOnly, func([]any) (any, error) { svc.ClearCache(); return "cache cleared", nil }},
		{"vpnsql_clear_warnings", 0, sqlite.DirectOnly, func([]any) (any, error) { svc.ClearWarnings(); return "warnings cleared", nil }},
	} {
		if err := conn.CreateFunction(f.name, f.nArg, f.flags, f.fn); err != nil {
			return err
		}
	}
	return term.register(conn)
}

// settingNames lists what vpnsql_config reads and writes.
const settingNames = "region, concurrency, region_concurrency, stall_timeout, cache_ttl, strict, profile, org_role"

// config is vpnsql_config(name) and vpnsql_config(name, value): read or set
// a setting for every connection of this process; it returns the value now
// in force.
func config(svc *clientvpn.Service, args []any) (any, error) {
	name, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("vpnsql_config: the first argument is a setting name (%s)", settingNames)
	}
	if len(args) == 2 {
		var value string
		switch v := args[1].(type) {
		case nil:
			return nil, fmt.Errorf("vpnsql_config: %s cannot be NULL (give '' to go back to the default)", name)
		case []byte:
			value = string(v)
		default:
			value = fmt.Sprint(v)
		}
		change, err := parseSetting(name, value)
		if err != nil {
			return nil, fmt.Errorf("vpnsql_config: %w", err)
		}
		svc.UpdateSettings(change)
	}
	s := svc.Settings()
	switch name {
	case "region":
		return strings.Join(s.Regions, ","), nil
	case "concurrency":
		return int64(s.Concurrency), nil
	case "region_concurrency":
		return int64(s.RegionConcurrency), nil
	case "stall_timeout":
		return s.StallTimeout.String(), nil
	case "cache_ttl":
		return s.CacheTTL.String(), nil
	case "strict":
		return s.Strict, nil
	case "profile":
		return strings.Join(s.Profiles, ","), nil
	case "org_role":
		return s.OrgRole, nil
	}
	return nil, fmt.Errorf("vpnsql_config: unknown setting %q (settings: %s)", name, settingNames)
}

// parseSetting validates one setting's text, as given to vpnsql_config or
// in a VPNSQL_* environment variable, and returns the change it makes.
func parseSetting(name, value string) (func(*clientvpn.Settings), error) {
	switch name {
	case "region":
		regions := SplitList(value)
		for _, r := range regions {
			if r == "*" && len(regions) == 1 {
				break
			}
			if err := awsid.CheckRegion("region", r); err != nil {
				return nil, err
			}
		}
		return func(s *clientvpn.Settings) { s.Regions = regions }, nil
	case "profile":
		profiles := SplitList(value)
		for _, p := range profiles {
			if strings.ContainsFunc(p, unicode.IsSpace) || strings.ContainsAny(p, "[]") {
				return nil, fmt.Errorf("profile %s is not a profile name", awsid.Quote(p))
			}
		}
		return func(s *clientvpn.Settings) { s.Profiles = profiles }, nil
	case "org_role":
		role := strings.TrimSpace(value)
		if role != "" {
			if err := accounts.CheckRoleName(role); err != nil {
				return nil, fmt.Errorf("org_role: %w", err)
			}
		}
		return func(s *clientvpn.Settings) { s.OrgRole = role }, nil
	case "concurrency":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > 256 {
			return nil, fmt.Errorf("concurrency %q: want a number from 1 to 256", value)
		}
		return func(s *clientvpn.Settings) { s.Concurrency = n }, nil
	case "region_concurrency":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > 256 {
			return nil, fmt.Errorf("region_concurrency %q: want a number from 1 to 256", value)
		}
		return func(s *clientvpn.Settings) { s.RegionConcurrency = n }, nil
	case "stall_timeout":
		d, err := ParseStallTimeout(value)
		if err != nil {
			return nil, err
		}
		return func(s *clientvpn.Settings) { s.StallTimeout = d }, nil
	case "cache_ttl":
		d, err := ParseTTL(value)
		if err != nil {
			return nil, err
		}
		return func(s *clientvpn.Settings) { s.CacheTTL = d }, nil
	case "strict":
		on, err := ParseBool(value)
		if err != nil {
			return nil, fmt.Errorf("strict: %w", err)
		}
		return func(s *clientvpn.Settings) { s.Strict = on }, nil
	}
	return nil, fmt.Errorf("unknown setting %q (settings: %s)", name, settingNames)
}

// ApplyEnv applies the settings named in VPNSQL_REGION, VPNSQL_CONCURRENCY,
// VPNSQL_REGION_CONCURRENCY, VPNSQL_STALL_TIMEOUT, VPNSQL_CACHE_TTL,
// VPNSQL_STRICT, VPNSQL_PROFILE and VPNSQL_ORG_ROLE (as getenv reads them)
// to s.
func ApplyEnv(s *clientvpn.Settings, getenv func(string) string) error {
	for _, name := range []string{"region", "concurrency", "region_concurrency", "stall_timeout", "cache_ttl", "strict", "profile", "org_role"} {
		value := getenv("VPNSQL_" + strings.ToUpper(name))
		if value == "" {
			continue
		}
		change, err := parseSetting(name, value)
		if err != nil {
			return fmt.Errorf("VPNSQL_%s: %w", strings.ToUpper(name), err)
		}
		change(s)
	}
	return nil
}

// SplitList splits a comma-separated list, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// ParseTTL reads a cache TTL: a Go duration ("30s", "2m") or plain seconds;
// 0 turns the cache off.
func ParseTTL(value string) (time.Duration, error) {
	if secs, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || secs > maxTTL.Seconds() {
			return 0, fmt.Errorf("cache_ttl %q: want 0 (off) to %d seconds", value, int64(maxTTL.Seconds()))
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d < 0 || d > maxTTL {
		return 0, fmt.Errorf("cache_ttl %q: want a duration such as 30s or 2m, or 0 to turn the cache off", value)
	}
	return d, nil
}

// maxTTL bounds cache_ttl: longer is surely a mistake (and 1e300 seconds
// would overflow a duration).
const maxTTL = 7 * 24 * time.Hour

// ParseStallTimeout reads a stall timeout: a Go duration ("90s", "10m") or
// plain seconds, more than zero and at most maxStallTimeout.
func ParseStallTimeout(value string) (time.Duration, error) {
	if secs, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil && secs > 0 && secs <= maxStallTimeout.Seconds() {
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 || d > maxStallTimeout {
		return 0, fmt.Errorf("stall_timeout %q: want a duration such as 90s or 10m, at most %s", value, maxStallTimeout)
	}
	return d, nil
}

// maxStallTimeout bounds stall_timeout, as maxTTL does cache_ttl.
const maxStallTimeout = 24 * time.Hour

// ParseBool reads on/off, true/false, yes/no, 1/0.
func ParseBool(value string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "1", "on", "true", "yes":
		return true, nil
	case "0", "off", "false", "no", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not on or off", value)
}
