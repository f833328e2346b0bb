package queries

import (
	"cmp"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// Controls are saved queries that pass or fail: the *.sql files of
// controls/, run by `vpnsql check`. Each returns one row per resource it
// checked, with the columns of ControlColumns, status one of
// ControlStatuses. Their header adds, after answers and before the params:
//
//	-- id: connection_logging        (the file name, again: grep finds it)
//	-- severity: medium              (low, medium, high or critical)
//	-- maps_to: Security Hub EC2.51  (optional: the vendor control it matches)
//	-- fix: aws ec2 modify-client-vpn-endpoint …  (one line)
//	-- tags: logging, aws            (comma-separated, lower-case)
//	-- needs: client_vpn_connection_log  (optional: tables that not every
//	                                        build has; without them the
//	                                        control is skipped)

//go:embed controls/*.sql
var controlFiles embed.FS

// ControlColumns are the columns every control returns, in order:
// Powerpipe's names, so its users feel at home.
var ControlColumns = []string{"accountId", "region", "resource", "status", "reason"}

// ControlStatuses are the values of a control's status column.
var ControlStatuses = []string{"ok", "alarm", "info", "skip", "error"}

// Severities, lowest first.
var Severities = []string{"low", "medium", "high", "critical"}

var controlKeys = []string{"id", "severity", "maps_to", "fix", "tags", "needs"}

// Control is one control: a saved query (Name is its id) plus what the
// check runner and the README show.
type Control struct {
	Query
	Severity string
	MapsTo   string // the Security Hub or AWS Config control; "" for none
	Fix      string
	Tags     []string
	Needs    []string // tables the control reads that a build may lack

	seen []string // header keys given, to refuse one given twice
}

func (c *Control) set(key, value string) error {
	if slices.Contains(c.seen, key) {
		return fmt.Errorf("%s given twice", key)
	}
	c.seen = append(c.seen, key)
	switch key {
	case "id":
		c.Name = value
	case "severity":
		if !slices.Contains(Severities, value) {
			return fmt.Errorf("severity %q: use one of %s", value, strings.Join(Severities, ", "))
		}
		c.Severity = value
	case "maps_to":
		c.MapsTo = value
	case "fix":
		c.Fix = value
	case "tags", "needs":
		for _, t := range strings.Split(value, ",") {
			t = strings.TrimSpace(t)
			if !nameRE.MatchString(t) {
				return fmt.Errorf("%s %q: use lower-case letters, digits and _", key, t)
			}
			if key == "tags" {
				c.Tags = append(c.Tags, t)
			} else {
				c.Needs = append(c.Needs, t)
			}
		}
	}
	return nil
}

// complete checks that the required control fields were given.
func (c *Control) complete(file string) error {
	for _, key := range []string{"id", "severity", "fix", "tags"} {
		if !slices.Contains(c.seen, key) {
			return fmt.Errorf("missing \"-- %s: \" header", key)
		}
	}
	if c.Name != file {
		return fmt.Errorf("id %q differs from the file name %q", c.Name, file)
	}
	c.seen = nil
	return nil
}

// ParseControl reads one control file; name is the file name without .sql.
func ParseControl(name, text string) (Control, error) {
	var c Control
	q, err := parse(name, text, &c)
	if err != nil {
		return Control{}, err
	}
	c.Query = q
	return c, nil
}

var loadControls = sync.OnceValues(func() ([]Control, error) {
	names, err := fs.Glob(controlFiles, "controls/*.sql")
	if err != nil {
		return nil, err
	}
	var all []Control
	for _, file := range names {
		text, err := controlFiles.ReadFile(file)
		if err != nil {
			return nil, err
		}
		c, err := ParseControl(strings.TrimSuffix(path.Base(file), ".sql"), string(text))
		if err != nil {
			return nil, err
		}
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b Control) int { return cmp.Compare(a.Name, b.Name) })
	return all, nil
})

// Controls returns every control, sorted by id. The files are checked by
// the package's tests; a malformed one panics here.
func Controls() []Control {
	all, err := loadControls()
	if err != nil {
		panic("queries: " + err.Error())
	}
	return slices.Clone(all)
}

// SelectControls returns the controls with one of the ids or one of the
// tags, sorted by id; every control when both are empty. An unknown id or
// tag is an error listing the valid ones.
func SelectControls(ids, tags []string) ([]Control, error) {
	all := Controls()
	var validIDs, validTags []string
	for _, c := range all {
		validIDs = append(validIDs, c.Name)
		validTags = append(validTags, c.Tags...)
	}
	slices.Sort(validTags)
	validTags = slices.Compact(validTags)
	for _, id := range ids {
		if !slices.Contains(validIDs, id) {
			hint := "the controls are " + strings.Join(validIDs, ", ")
			if close := closeNames(id, validIDs); len(close) > 0 {
				hint = "did you mean " + strings.Join(close, ", ") + "? " + hint
			}
			return nil, fmt.Errorf("no control %q; %s", id, hint)
		}
	}
	for _, t := range tags {
		if !slices.Contains(validTags, t) {
			return nil, fmt.Errorf("no control has the tag %q; the tags are %s", t, strings.Join(validTags, ", "))
		}
	}
	if len(ids) == 0 && len(tags) == 0 {
		return all, nil
	}
	return slices.DeleteFunc(all, func(c Control) bool {
		return !slices.Contains(ids, c.Name) && !slices.ContainsFunc(c.Tags, func(t string) bool { return slices.Contains(tags, t) })
	}), nil
}
