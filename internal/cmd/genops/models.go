package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/spapi-go/spapi/internal/models"
)

// fromModels reads the models under dir (api/models) and returns their
// operations in table order, as plans, with the source named in dir's
// SOURCE.md ("amzn/selling-partner-api-models at <commit>"), and the name
// each operation has in internal/models, which the table's must equal.
func fromModels(dir string) (source string, plans []plan, names []string, err error) {
	ms, err := models.LoadDir(dir)
	if err != nil {
		return "", nil, nil, err
	}
	for _, o := range models.All(ms) {
		p := plan{
			API: o.Model.API, Model: o.Model.Name + ".json", Version: o.Model.Version,
			OperationID: o.ID, Method: o.Method, Path: o.Path,
			Deprecated: o.Deprecated, Grantless: o.Grantless, Note: o.Note,
		}
		if o.Plan != nil {
			rate, burst := o.Plan.Rate, o.Plan.Burst
			p.Rate, p.Burst = &rate, &burst
		}
		plans = append(plans, p)
		names = append(names, o.Name)
	}
	src, err := os.ReadFile(filepath.Join(dir, "SOURCE.md"))
	if err != nil && !os.IsNotExist(err) {
		return "", nil, nil, err
	}
	if m := sourceRE.FindSubmatch(src); m != nil {
		source = fmt.Sprintf("%s at %s", m[1], m[2])
	}
	return source, plans, names, nil
}

// sourceRE finds the repository and commit in SOURCE.md ("`owner/repo`
// repository, byte for byte, at commit <sha>").
var sourceRE = regexp.MustCompile("(?s)`([\\w.-]+/[\\w.-]+)`.*?commit ([0-9a-f]{40})")

// checkNames fails unless the first len(names) entries carry those names:
// the table and internal/models must name every operation alike.
func checkNames(t *table, names []string) error {
	for i, n := range names {
		if t.entries[i].Name != n {
			return fmt.Errorf("operation %s %s is %q in the table but %q in internal/models", t.entries[i].Method, t.entries[i].Path, t.entries[i].Name, n)
		}
	}
	return nil
}
