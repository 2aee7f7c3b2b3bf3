package main

import (
	"errors"
	"fmt"

	"github.com/spapi-go/tokens/client"
	"github.com/spapi-go/tokens/sptest"
)

// config builds the client configuration: sptest's credentials and a fresh
// in-process server with -local, else the environment with the flags on
// top. cleanup stops the -local server; it is never nil when err is nil.
func (o *options) config() (cfg client.Config, cleanup func(), err error) {
	if o.local {
		srv := sptest.NewServer(sptest.Options{})
		return client.Config{
			ClientID:     sptest.ClientID,
			ClientSecret: sptest.ClientSecret,
			RefreshToken: sptest.RefreshToken,
			Endpoint:     srv.URL(),
			LWAEndpoint:  srv.LWAURL(),
		}, srv.Close, nil
	}

	cfg, err = client.ConfigFromEnv()
	var envErr *client.EnvError
	if errors.As(err, &envErr) {
		// A flag may override the variable that is wrong: report only
		// what is still wrong.
		var overridden []string
		if o.region != "" {
			overridden = append(overridden, "SP_API_REGION")
		}
		if o.sandboxSet {
			overridden = append(overridden, "SP_API_SANDBOX")
		}
		if err := envErr.Without(overridden...); err != nil {
			return cfg, nil, fmt.Errorf("%w (or try -local)", err)
		}
	}
	if o.region != "" {
		cfg.Region = o.region
	}
	if o.sandboxSet {
		cfg.Sandbox = o.sandbox
	}
	if o.endpoint != "" {
		cfg.Endpoint = o.endpoint
	}
	if o.lwaEndpoint != "" {
		cfg.LWAEndpoint = o.lwaEndpoint
	}
	return cfg, func() {}, nil
}
