package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/spapi-go/spapi/internal/pathtmpl"
)

// entry is one row of the generated table, with every field of
// ops.Operation except Index (its position) plus the plan's note.
type entry struct {
	Name, ID, API, Model, Version, Method, Path string
	Rate                                        float64
	Burst                                       int
	Deprecated, Grantless, Restricted           bool
	DataElements                                []string
	SpecificPath, RetrySafe                     bool
	Note                                        string
}

// specificPathID is the operationId of the one restricted operation whose
// RDT must name the request's own path, not the template: the Reports API's
// getReportDocument, for which the Tokens API grants access to one specific
// (PII-bearing) document only. The JSON has no column for it, so the rule
// lives here, and generation fails if it stops matching anything.
const specificPathID = "getReportDocument"

// table is what render writes: the operations in order, the source of the
// usage plans, and the sorted literal segments of every template.
type table struct {
	source   string // "owner/repo at commit"
	entries  []entry
	literals []string
}

// buildTable validates the models' operations and the two documents and
// merges them: the models' operations in order (path, then method), then
// every restricted operation whose method and path are not among them.
func buildTable(in inputs) (*table, error) {
	var rd restrictedDoc
	if err := decodeStrict(in.restricted, &rd); err != nil {
		return nil, fmt.Errorf("restricted operations: %w", err)
	}
	var sd retrySafeDoc
	if err := decodeStrict(in.retrySafe, &sd); err != nil {
		return nil, fmt.Errorf("retry-safe operations: %w", err)
	}
	if len(in.plans) == 0 {
		return nil, fmt.Errorf("usage plans: no operations")
	}

	t := &table{source: in.source}
	byShape := make(map[string]int) // method + " " + erased path -> index in t.entries
	for i, p := range in.plans {
		e, err := planEntry(p)
		if err != nil {
			return nil, fmt.Errorf("usage plans: operations[%d] (%s %s): %w", i, p.Model, p.OperationID, err)
		}
		if err := addShape(byShape, t.entries, e, len(t.entries)); err != nil {
			return nil, fmt.Errorf("usage plans: operations[%d]: %w", i, err)
		}
		t.entries = append(t.entries, e)
	}
	if err := markRestricted(t, byShape, rd.Operations); err != nil {
		return nil, fmt.Errorf("restricted operations: %w", err)
	}
	if err := markRetrySafe(t.entries, sd.Operations); err != nil {
		return nil, fmt.Errorf("retry-safe operations: %w", err)
	}
	if err := assignNames(t.entries); err != nil {
		return nil, err
	}
	t.literals = literals(t.entries)
	return t, nil
}

// planEntry validates one usage-plan entry and converts it.
func planEntry(p plan) (entry, error) {
	for _, f := range []struct{ name, v string }{
		{"api", p.API}, {"model", p.Model}, {"version", p.Version}, {"operationId", p.OperationID},
	} {
		if f.v == "" {
			return entry{}, fmt.Errorf("empty %s", f.name)
		}
	}
	if !strings.HasSuffix(p.Model, ".json") || p.Model == ".json" {
		return entry{}, fmt.Errorf("model %q is not a .json file name", p.Model)
	}
	if err := checkTemplate(p.Method, p.Path); err != nil {
		return entry{}, err
	}
	e := entry{
		ID: p.OperationID, API: p.API, Model: p.Model, Version: p.Version,
		Method: p.Method, Path: p.Path,
		Deprecated: p.Deprecated, Grantless: p.Grantless,
		Note: p.Note,
	}
	switch {
	case (p.Rate == nil) != (p.Burst == nil):
		return entry{}, fmt.Errorf("rate and burst must both be set or both be null")
	case p.Rate != nil:
		if r := *p.Rate; !(r > 0) || math.IsInf(r, 0) {
			return entry{}, fmt.Errorf("rate %v is not a positive number", r)
		}
		if *p.Burst < 1 {
			return entry{}, fmt.Errorf("burst %d is less than 1", *p.Burst)
		}
		e.Rate, e.Burst = *p.Rate, *p.Burst
	}
	return e, nil
}

// checkTemplate applies the matcher's rules to a method and path template.
func checkTemplate(method, path string) error {
	if err := pathtmpl.CheckMethod(method); err != nil {
		return err
	}
	return pathtmpl.Check(path)
}

// addShape records e's method and erased path, failing if an earlier entry
// matches the same requests, which the matcher could not tell apart.
func addShape(byShape map[string]int, entries []entry, e entry, i int) error {
	key := e.Method + " " + pathtmpl.Erase(e.Path)
	if j, dup := byShape[key]; dup {
		return fmt.Errorf("%s %s (%s) matches the same requests as %s %s (%s)",
			e.Method, e.Path, e.ID, entries[j].Method, entries[j].Path, entries[j].ID)
	}
	byShape[key] = i
	return nil
}

// markRestricted flags the entries that restricted-operations.json lists,
// found by method and path, and appends those the usage plans lack (with
// API and version from the restricted JSON, no model and no plan).
func markRestricted(t *table, byShape map[string]int, ops []restrictedOpIn) error {
	if len(ops) == 0 {
		return fmt.Errorf("no operations")
	}
	specific := 0
	for i, r := range ops {
		if err := checkRestricted(r); err != nil {
			return fmt.Errorf("operations[%d] (%s %s): %w", i, r.API, r.Operation, err)
		}
		key := r.Method + " " + pathtmpl.Erase(r.Path)
		j, found := byShape[key]
		if !found {
			j = len(t.entries)
			byShape[key] = j
			t.entries = append(t.entries, entry{
				ID: r.Operation, API: r.API, Version: r.Version, Method: r.Method, Path: r.Path,
			})
		}
		e := &t.entries[j]
		switch {
		case e.ID != r.Operation:
			return fmt.Errorf("operations[%d] (%s %s %s) resolves by method and path to %s %s, whose operationId is %s (%s)",
				i, r.Operation, r.Method, r.Path, e.Method, e.Path, e.ID, e.Model)
		case e.Restricted:
			return fmt.Errorf("operations[%d] (%s %s %s) resolves to the same operation as an earlier entry", i, r.Operation, r.Method, r.Path)
		}
		e.Restricted = true
		e.DataElements = slices.Clone(r.DataElements)
		if e.ID == specificPathID {
			e.SpecificPath = true
			specific++
		}
	}
	if specific == 0 {
		return fmt.Errorf("no restricted operation is %s, the one whose RDT must name a specific path", specificPathID)
	}
	return nil
}

// checkRestricted applies the rules of a restricted entry (method, whole {param} segments, no dataElements left empty).
func checkRestricted(r restrictedOpIn) error {
	for _, f := range []struct{ name, v string }{
		{"api", r.API}, {"version", r.Version}, {"operation", r.Operation},
	} {
		if f.v == "" {
			return fmt.Errorf("empty %s", f.name)
		}
	}
	if err := checkTemplate(r.Method, r.Path); err != nil {
		return err
	}
	for i, d := range r.DataElements {
		if d == "" {
			return fmt.Errorf("empty dataElements[%d]", i)
		}
	}
	return nil
}

// markRetrySafe flags the entries our curated list names, found by model
// and operationId. Only POST and PATCH may be listed: GET, PUT and DELETE
// are idempotent anyway, so an entry for one is a mistake.
func markRetrySafe(entries []entry, list []retrySafeIn) error {
	if len(list) == 0 {
		return fmt.Errorf("no operations")
	}
	for i, s := range list {
		if s.Model == "" || s.OperationID == "" || s.Why == "" {
			return fmt.Errorf("operations[%d] (%s %s): model, operationId and why are all required", i, s.Model, s.OperationID)
		}
		var hits []int
		for j := range entries {
			if entries[j].Model == s.Model && entries[j].ID == s.OperationID {
				hits = append(hits, j)
			}
		}
		if len(hits) != 1 {
			return fmt.Errorf("operations[%d] (%s %s) resolves to %d operations in the usage plans, want exactly 1", i, s.Model, s.OperationID, len(hits))
		}
		e := &entries[hits[0]]
		switch {
		case e.Method != "POST" && e.Method != "PATCH":
			return fmt.Errorf("operations[%d] (%s %s) is %s %s: only POST and PATCH operations need to be listed", i, s.Model, s.OperationID, e.Method, e.Path)
		case e.RetrySafe:
			return fmt.Errorf("operations[%d] (%s %s) is listed twice", i, s.Model, s.OperationID)
		}
		e.RetrySafe = true
	}
	return nil
}

// assignNames gives every entry its public Name. The rule is a contract
// (other code, such as the sptest fake, derives names independently):
//
//  1. the operationId, if no other entry has the same operationId;
//  2. else the model file name without ".json", a dot, and the operationId
//     ("ordersV0.getOrder", "shippingV2.getRates");
//  3. else, where one model uses one operationId for two methods (Amazon's
//     shippingV2.json does for linkCarrierAccount, POST and PUT), that
//     name, a dot and the method ("shippingV2.linkCarrierAccount.PUT").
//
// Generation fails if the names are still not unique, or if an entry with
// no model (a restricted operation the usage plans lack) needs qualifying.
func assignNames(entries []entry) error {
	byID := make(map[string]int)
	for _, e := range entries {
		byID[e.ID]++
	}
	qualified := make(map[string]int)
	for i := range entries {
		e := &entries[i]
		if byID[e.ID] == 1 {
			e.Name = e.ID
			continue
		}
		if e.Model == "" {
			return fmt.Errorf("%s %s (%s) shares its operationId with another operation and has no model to qualify its name with", e.Method, e.Path, e.ID)
		}
		e.Name = strings.TrimSuffix(e.Model, ".json") + "." + e.ID
		qualified[e.Name]++
	}
	for i := range entries {
		if e := &entries[i]; qualified[e.Name] > 1 {
			e.Name += "." + e.Method
		}
	}
	seen := make(map[string]int)
	for i, e := range entries {
		if j, dup := seen[e.Name]; dup {
			return fmt.Errorf("operation name %q is not unique: %s %s and %s %s", e.Name, entries[j].Method, entries[j].Path, e.Method, e.Path)
		}
		seen[e.Name] = i
	}
	return nil
}

// literals returns the sorted set of literal segments of every template,
// the vocabulary Shape keeps when it folds an unknown path.
func literals(entries []entry) []string {
	set := make(map[string]bool)
	for _, e := range entries {
		for seg := range strings.SplitSeq(e.Path[1:], "/") {
			if !pathtmpl.IsParam(seg) {
				set[seg] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
