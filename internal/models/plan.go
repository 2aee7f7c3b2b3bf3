package models

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The notes parsePlan gives, carried into the operations table as comments.
const (
	noteNoTable = "no usage-plan table in description"
)

// parsePlan reads the usage-plan table of an operation's description:
//
//	| Rate (requests per second) | Burst |
//	| ---- | ---- |
//	| 0.0167 | 15 |
//
// or the two-plan form with a "Plan type" column, whose Default row is the
// published plan. It returns nil and a note saying why where there is no
// plan to read. Some descriptions spell their line breaks as a literal
// backslash and n; those read the same.
func parsePlan(desc string) (*Plan, string) {
	desc = strings.ReplaceAll(desc, `\n`, "\n")
	lines := strings.Split(strings.ReplaceAll(desc, "\r", ""), "\n")
	start := -1
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "|") && strings.Contains(l, "Rate (requests per second)") && strings.Contains(l, "Burst") {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, noteNoTable
	}
	var table []string
	for _, l := range lines[start:] {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "|") {
			break
		}
		table = append(table, l)
	}
	full := strings.Join(table, "\n")
	head := cells(table[0])
	rateCol, burstCol, typeCol := -1, -1, -1
	for i, c := range head {
		switch {
		case strings.HasPrefix(c, "Rate"):
			rateCol = i
		case c == "Burst":
			burstCol = i
		case c == "Plan type":
			typeCol = i
		}
	}
	if rateCol < 0 || burstCol < 0 || len(table) < 3 {
		return nil, "usage-plan table not understood; table: " + full
	}
	row, note := cells(table[2]), ""
	if typeCol >= 0 {
		row = nil
		for _, l := range table[2:] {
			if c := cells(l); len(c) > typeCol && c[typeCol] == "Default" {
				row = c
				break
			}
		}
		if row == nil {
			return nil, "usage-plan table has no Default row; table: " + full
		}
		note = "rate/burst are the table's Default plan row; full table: " + full
	}
	if len(row) <= rateCol || len(row) <= burstCol {
		return nil, "usage-plan table not understood; table: " + full
	}
	rs, bs := row[rateCol], row[burstCol]
	rate, rerr := strconv.ParseFloat(rs, 64)
	burst, berr := strconv.Atoi(bs)
	if rerr != nil || berr != nil || !(rate > 0) || math.IsInf(rate, 0) || burst < 1 {
		return nil, fmt.Sprintf("usage-plan value not a plain number (rate '%s', burst '%s'); table: %s", rs, bs, full)
	}
	return &Plan{Rate: rate, Burst: burst}, note
}

// cells splits one markdown table row into its trimmed cells.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	parts := strings.Split(row, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
