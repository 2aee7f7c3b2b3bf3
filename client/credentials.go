package client

import (
	"fmt"
	"strings"
)

// checkCredentials refuses LWA credentials with whitespace around them. A
// refresh token or client secret read from a file or a variable often keeps
// its trailing newline, and LWA then answers invalid_grant or invalid_client,
// exactly as for a wrong one; refusing it here names the field instead. The
// error never holds the value.
func checkCredentials(cfg *Config) error {
	for _, f := range [...]struct{ name, val string }{
		{"ClientID", cfg.ClientID},
		{"ClientSecret", cfg.ClientSecret},
		{"PreviousClientSecret", cfg.PreviousClientSecret},
		{"RefreshToken", cfg.RefreshToken},
		{"Scope", cfg.Scope},
	} {
		if f.val != strings.TrimSpace(f.val) {
			return fmt.Errorf("config: %s: has whitespace (a space or a newline) before or after it, which LWA would refuse as a wrong credential; trim it (strings.TrimSpace), as ConfigFromEnv does", f.name)
		}
	}
	return nil
}
