package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/tokens/client"
	"github.com/spapi-go/tokens/redisstore"
	"github.com/spapi-go/tokens/sptest"
)

// config builds the client configuration: sptest's credentials and a fresh
// in-process server with -local, else the environment with the flags on
// top; with -redis (or SP_API_REDIS_URL) a Store on that Redis. cleanup
// stops the -local server and closes Redis; it is never nil when err is nil.
func (o *options) config() (cfg client.Config, cleanup func(), err error) {
	if o.local {
		srv := sptest.NewServer(sptest.Options{})
		cfg = client.Config{
			ClientID:     sptest.ClientID,
			ClientSecret: sptest.ClientSecret,
			RefreshToken: sptest.RefreshToken,
			Endpoint:     srv.URL(),
			LWAEndpoint:  srv.LWAURL(),
		}
		closeRedis, err := o.store(&cfg)
		if err != nil {
			srv.Close()
			return cfg, nil, err
		}
		return cfg, func() { closeRedis(); srv.Close() }, nil
	}
	defer func() {
		if err == nil {
			var closeRedis func()
			if closeRedis, err = o.store(&cfg); err == nil {
				cleanup = closeRedis
			}
		}
	}()

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

// store sets cfg.Store from -redis, else SP_API_REDIS_URL, and returns what
// closes it.
func (o *options) store(cfg *client.Config) (func(), error) {
	raw := o.redisURL
	if raw == "" {
		raw = os.Getenv("SP_API_REDIS_URL")
	}
	if raw == "" {
		return func() {}, nil
	}
	ropts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("-redis / SP_API_REDIS_URL: %w", err)
	}
	// Each call honours its context's deadline (the client bounds every
	// store call), with no watcher goroutine in redisstore.
	ropts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(ropts)
	cfg.Store = redisstore.New(rdb)
	return func() { _ = rdb.Close() }, nil
}
