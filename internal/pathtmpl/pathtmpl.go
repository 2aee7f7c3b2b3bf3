// Package pathtmpl checks SP-API method and path templates, such as
// "GET /orders/v0/orders/{orderId}", before they go into an operation table.
//
// It is shared by the genops generator and by ops.NewMatcher so that a
// template a user adds at run time is held to exactly the rules the
// generated table was, and it depends on nothing generated, so the
// generator still builds when the generated file is stale or missing.
package pathtmpl

import (
	"fmt"
	"strings"
)

// CheckMethod rejects anything but an upper-case HTTP method, because the
// matcher compares methods case-sensitively, as net/http sends them.
func CheckMethod(method string) error {
	switch method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return nil
	}
	return fmt.Errorf("method %q is not an upper-case HTTP method", method)
}

// Check rejects a path template that the segment matcher could not serve
// correctly: it must start with '/', have no empty segment (so no trailing
// slash), and every segment is either a whole {param} or a literal without
// braces, '?', '#' or '%' (a literal is compared with the escaped request
// path, so it must not need escaping itself).
func Check(path string) error {
	if len(path) < 2 || path[0] != '/' {
		return fmt.Errorf("path %q must start with '/' and have at least one segment", path)
	}
	for seg := range strings.SplitSeq(path[1:], "/") {
		switch {
		case seg == "":
			return fmt.Errorf("path %q has an empty segment or a trailing slash", path)
		case strings.HasPrefix(seg, "{") || strings.HasSuffix(seg, "}"):
			name := strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}")
			if len(seg) < 3 || seg[0] != '{' || seg[len(seg)-1] != '}' || strings.ContainsAny(name, "{}") {
				return fmt.Errorf("path %q: segment %q is not a whole {param}", path, seg)
			}
		case strings.ContainsAny(seg, "{}?#% "):
			return fmt.Errorf("path %q: literal segment %q has a brace, '?', '#', '%%' or a space", path, seg)
		}
	}
	return nil
}

// IsParam reports whether seg, a segment of a checked template, is a
// {param}.
func IsParam(seg string) bool {
	return strings.HasPrefix(seg, "{")
}

// Erase replaces every {param} segment of a template with "{}", so that two
// templates that differ only in parameter names, which match exactly the
// same requests, compare equal.
func Erase(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if IsParam(s) {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}
