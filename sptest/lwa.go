package sptest

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// lwaTokenReply is LWA's successful token reply.
type lwaTokenReply struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// lwaErrorReply is LWA's error reply.
type lwaErrorReply struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func lwaError(status int, code, desc string) reply {
	return reply{status: status, body: mustJSON(lwaErrorReply{Error: code, ErrorDescription: desc})}
}

// handleLWA answers POST /auth/o2/token.
func (s *Server) handleLWA(r *http.Request, body []byte) reply {
	if r.Method != http.MethodPost {
		return lwaError(http.StatusMethodNotAllowed, "invalid_request", "The request method must be POST")
	}
	form, ok := lwaForm(r, body)
	if !ok {
		return lwaError(http.StatusBadRequest, "invalid_request", "The request body could not be parsed")
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	if id == "" && secret == "" {
		if u, p, ok := r.BasicAuth(); ok {
			id, secret = basicUnescape(u), basicUnescape(p)
		}
	}
	if id != ClientID || (secret != ClientSecret && !slices.Contains(s.opts.ClientSecrets, secret)) {
		return lwaError(http.StatusUnauthorized, "invalid_client", "Client authentication failed")
	}
	switch grant := form.Get("grant_type"); grant {
	case "refresh_token":
		switch rt := form.Get("refresh_token"); rt {
		case "":
			return lwaError(http.StatusBadRequest, "invalid_request", "The request is missing a required parameter : refresh_token")
		case RefreshToken:
			return s.issueAccessToken(RefreshToken, "")
		default:
			if slices.Contains(s.opts.Sellers, rt) || s.consented(rt) {
				return s.issueAccessToken(rt, "")
			}
			return lwaError(http.StatusBadRequest, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
		}
	case "authorization_code":
		return s.exchangeCode(form)
	case "client_credentials":
		scope := form.Get("scope")
		if !validGrantlessScope(scope) {
			return lwaError(http.StatusBadRequest, "invalid_scope", "The request has an invalid parameter : scope")
		}
		return s.issueAccessToken("", scope)
	case "":
		return lwaError(http.StatusBadRequest, "invalid_request", "The request is missing a required parameter : grant_type")
	default:
		return lwaError(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+grant)
	}
}

// issueAccessToken mints and remembers an access token.
func (s *Server) issueAccessToken(refresh, scope string) reply {
	tok := &accessToken{expires: s.opts.Now().Add(s.opts.TokenLifetime), seller: refresh}
	value := "Atza|sptest-" + itoa(s.tokSeq.Add(1)) + "-" + randomHex(16)
	s.mu.Lock()
	s.access[value] = tok
	s.mu.Unlock()
	return reply{status: http.StatusOK, body: mustJSON(lwaTokenReply{
		AccessToken:  value,
		TokenType:    "bearer",
		ExpiresIn:    seconds(s.opts.TokenLifetime),
		RefreshToken: refresh,
		Scope:        scope,
	})}
}

// lwaForm reads the token request's parameters: form-encoded, as documented,
// or a JSON object, which LWA also accepts.
func lwaForm(r *http.Request, body []byte) (url.Values, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, false
		}
		v := url.Values{}
		for k, x := range m {
			if s, ok := x.(string); ok {
				v.Set(k, s)
			}
		}
		return v, true
	}
	v, err := url.ParseQuery(string(body))
	return v, err == nil
}

// basicUnescape undoes the form escaping that RFC 6749 (and
// golang.org/x/oauth2) applies to Basic auth credentials.
func basicUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// validGrantlessScope reports whether scope names SP-API grantless scopes.
func validGrantlessScope(scope string) bool {
	fields := strings.Fields(scope)
	if len(fields) == 0 {
		return false
	}
	for _, f := range fields {
		if !strings.HasPrefix(f, "sellingpartnerapi::") || len(f) == len("sellingpartnerapi::") {
			return false
		}
	}
	return true
}
