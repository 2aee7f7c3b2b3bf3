package consent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxReplyBytes bounds an LWA reply read: a larger one is an error, not an
// allocation.
const maxReplyBytes = 1 << 20

// tokenReply is LWA's reply to grant_type=authorization_code.
type tokenReply struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// errorReply is LWA's error reply.
type errorReply struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// exchange trades the authorization code for a refresh token at LWA. No
// error it returns holds the code or the client secret.
func (a *Authorizer) exchange(ctx context.Context, code string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {a.cfg.ClientID},
		"client_secret": {a.cfg.ClientSecret},
	}
	if a.cfg.RedirectURI != "" {
		form.Set("redirect_uri", a.cfg.RedirectURI)
	}
	endpoint := a.cfg.lwaEndpoint()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("consent: exchange: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		// A *url.Error names the method and URL first; the cause is
		// what the caller needs. Neither holds the form.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return "", fmt.Errorf("consent: exchanging the code at LWA (%s): %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return "", fmt.Errorf("consent: reading LWA's reply (HTTP %d): %w", resp.StatusCode, err)
	}
	if len(body) > maxReplyBytes {
		return "", fmt.Errorf("consent: LWA's reply (HTTP %d) is larger than %d bytes", resp.StatusCode, maxReplyBytes)
	}
	requestID := resp.Header.Get("X-Amzn-Requestid")
	if resp.StatusCode != http.StatusOK {
		var e errorReply
		_ = json.Unmarshal(body, &e)
		return "", &ExchangeError{
			StatusCode:  resp.StatusCode,
			Code:        scrub(e.Error, code, a.cfg.ClientSecret),
			Description: scrub(e.ErrorDescription, code, a.cfg.ClientSecret),
			RequestID:   scrub(requestID, code, a.cfg.ClientSecret),
		}
	}
	var tok tokenReply
	if err := json.Unmarshal(body, &tok); err != nil {
		return "", fmt.Errorf("consent: LWA's reply (HTTP 200) is not a token reply: %v", jsonProblem(err))
	}
	if tok.RefreshToken == "" {
		return "", errors.New("consent: LWA's reply (HTTP 200) has no refresh_token")
	}
	return tok.RefreshToken, nil
}

// scrub removes the request's secrets from text LWA echoes back, should it
// ever echo them.
func scrub(s string, secrets ...string) string {
	for _, x := range secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, redacted)
		}
	}
	return s
}

// jsonProblem describes a decoding error without quoting the reply (which
// may hold tokens).
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s is a JSON %s", te.Field, te.Value)
	}
	return "invalid JSON"
}
