package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redact"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
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

// store sets cfg.Store from -redis, else SP_API_REDIS_URL, keeps the Redis
// client in o.rdb for the ping, and returns what closes it. Its errors never
// show the URL's user information (a password).
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
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text quotes the whole URL
		}
		return nil, redact.Error(fmt.Errorf("-redis / SP_API_REDIS_URL %s: %w", redact.URL(raw), err), raw)
	}
	// Each call honours its context's deadline (the client bounds every
	// store call), with no watcher goroutine in redisstore.
	ropts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(ropts)
	cfg.Store = redisstore.New(rdb)
	o.rdb, o.rdbURL = rdb, raw
	return func() { _ = rdb.Close() }, nil
}

// pingTimeout bounds the check that the Redis of -redis answers.
const pingTimeout = 5 * time.Second

// pingRedis checks that the Redis the fleet shares answers (address,
// password, database, TLS), so that the command never prints an unshared
// RDT while the user asked for the fleet's. Its error shows no password.
func (o *options) pingRedis(ctx context.Context) error {
	if o.rdb == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, min(pingTimeout, o.timeout))
	defer cancel()
	if err := o.rdb.Ping(ctx).Err(); err != nil {
		return redact.Error(fmt.Errorf("-redis / SP_API_REDIS_URL %s: cannot share the fleet's state: %w (nothing minted: an RDT now would not be the fleet's; fix the URL, or drop -redis and SP_API_REDIS_URL)",
			redact.URL(o.rdbURL), err), o.rdbURL)
	}
	return nil
}

// redisPasswordInFlag reports whether -redis holds a password, which any
// user of the machine can read in ps.
func (o *options) redisPasswordInFlag() bool {
	u, err := url.Parse(o.redisURL)
	if err != nil {
		return redact.URL(o.redisURL) != o.redisURL
	}
	_, has := u.User.Password()
	return has
}
