package main

import (
	"regexp"
	"strings"

	"github.com/spapi-go/spapi/internal/models"
)

// api is one package to generate.
type api struct {
	index      int
	model      *models.Model
	docs       string   // the API's documentation
	restricted []string // operationIds of its restricted operations, in table order; "(PII)" marks those restricted only with dataElements
}

// upstream is where each model lives in Amazon's repository.
const upstream = "https://github.com/amzn/selling-partner-api-models/blob/main/models/"

// docsHome is the SP-API documentation, for the models whose description
// links to no page of their own.
const docsHome = "https://developer-docs.amazon.com/sp-api/docs"

// docsLink finds the first link to Amazon's developer documentation in a
// model's description: its use-case guide or reference.
var docsLink = regexp.MustCompile(`https://developer-docs\.amazon\.com/[A-Za-z0-9_./:#-]+`)

func newAPI(m *models.Model, restricted []restrictedOp) api {
	a := api{model: m, docs: docsHome}
	if l := docsLink.FindString(m.Spec.Info.Description); l != "" {
		a.docs = strings.TrimRight(l, ".")
	}
	for _, o := range m.Operations {
		for _, r := range restricted {
			if r.Method == o.Method && r.Path == o.Path && r.Operation == o.ID {
				name := o.ID
				if len(r.DataElements) > 0 {
					name += " (PII)"
				}
				a.restricted = append(a.restricted, name)
			}
		}
	}
	return a
}

// title is the model's title without Amazon's boilerplate prefixes.
func (a api) title() string {
	t := strings.TrimSpace(a.model.Title)
	for _, p := range []string{"The Selling Partner API for ", "Selling Partner API for ", "Selling Partner APIs for ", "The "} {
		t = strings.TrimPrefix(t, p)
	}
	t = strings.TrimSuffix(strings.TrimSpace(t), ".")
	if t != "" && 'a' <= t[0] && t[0] <= 'z' {
		t = string(t[0]-'a'+'A') + t[1:]
	}
	return t
}
