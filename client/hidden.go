package client

// HideSecrets returns a copy of c whose ClientSecret, PreviousClientSecret
// and RefreshToken are
// moved out of the string fields into a holder that nothing can print: use
// it on a Config that a program keeps, in a struct field above all.
//
// Config's own Format, String and LogValue redact the secrets, but fmt can
// call no method on a value it reaches through an unexported struct field:
// `type worker struct{ cfg client.Config }` prints the client secret and the
// refresh token with %+v, and so does any reflection-based dumper. After
// HideSecrets the string fields are empty, and the secrets sit in an
// unexported func value, which fmt and dumpers print as an address. New
// reads them from there. A string field set again afterwards wins over the
// hidden value (a rotated secret, say).
//
// The returned Config is safe to copy: the copies share the hidden values,
// which never change.
func (c Config) HideSecrets() Config {
	secret, previous, refresh := c.secrets()
	c.hidden = func() (string, string, string) { return secret, previous, refresh }
	c.ClientSecret, c.PreviousClientSecret, c.RefreshToken = "", "", ""
	return c
}

// WithoutPreviousClientSecret returns a copy of c with no
// PreviousClientSecret, whether it is in the field or hidden by
// HideSecrets: a rotation ends by removing the old secret, and on a hidden
// Config an empty field means "the hidden one", so it cannot be cleared by
// setting the field. The other secrets stay as they are, hidden or not.
func (c Config) WithoutPreviousClientSecret() Config {
	c.PreviousClientSecret = ""
	if c.hidden != nil {
		secret, _, refresh := c.hidden()
		c.hidden = func() (string, string, string) { return secret, "", refresh }
	}
	return c
}

// secrets is the client secret, previous client secret and refresh token c
// stands for: a string field, or else what HideSecrets hid.
func (c *Config) secrets() (clientSecret, previousSecret, refreshToken string) {
	clientSecret, previousSecret, refreshToken = c.ClientSecret, c.PreviousClientSecret, c.RefreshToken
	if c.hidden != nil {
		hs, hp, hr := c.hidden()
		if clientSecret == "" {
			clientSecret = hs
		}
		if previousSecret == "" {
			previousSecret = hp
		}
		if refreshToken == "" {
			refreshToken = hr
		}
	}
	return clientSecret, previousSecret, refreshToken
}

// withSecrets is c with the secrets back in their fields, for New's own
// copy, which no caller sees.
func (c Config) withSecrets() Config {
	c.ClientSecret, c.PreviousClientSecret, c.RefreshToken = c.secrets()
	c.hidden = nil
	return c
}
