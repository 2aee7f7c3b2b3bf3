package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

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

	cfg, envErr := client.ConfigFromEnv()
	if envErr != nil {
		if o.region == "" && !o.sandboxSet {
			return cfg, nil, fmt.Errorf("%w (or try -local)", envErr)
		}
		// A flag may override the variable that is wrong: report only
		// what is still wrong.
		if err := o.envProblems(cfg); err != nil {
			return cfg, nil, err
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

// envProblems is ConfigFromEnv's check without the variables the flags
// override: missing credentials, and SP_API_REGION or SP_API_SANDBOX when
// no flag replaces them.
func (o *options) envProblems(cfg client.Config) error {
	var problems []string
	for _, v := range [...]struct{ name, val string }{
		{"LWA_CLIENT_ID", cfg.ClientID},
		{"LWA_CLIENT_SECRET", cfg.ClientSecret},
		{"LWA_REFRESH_TOKEN", cfg.RefreshToken},
	} {
		if v.val == "" {
			problems = append(problems, v.name+" is not set")
		}
	}
	if s := os.Getenv("SP_API_REGION"); s != "" && o.region == "" {
		if _, err := client.ParseRegion(s); err != nil {
			problems = append(problems, "SP_API_REGION: "+err.Error())
		}
	}
	if s := os.Getenv("SP_API_SANDBOX"); s != "" && !o.sandboxSet {
		if _, err := strconv.ParseBool(s); err != nil {
			problems = append(problems, fmt.Sprintf("SP_API_SANDBOX: %q is not a boolean", s))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("config from environment: %s (or try -local)", strings.Join(problems, "; "))
}
