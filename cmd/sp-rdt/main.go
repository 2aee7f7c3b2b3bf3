// Command sp-rdt mints a Restricted Data Token (RDT) from a shell.
//
// Usage:
//
//	sp-rdt [flags] METHOD PATH [METHOD PATH ...]
//
// It calls the SP-API Tokens API (createRestrictedDataToken) for the listed
// restricted resources and prints the token alone on stdout, or with -json
// an object with restrictedDataToken, expiresIn, expiresAt and requestId.
// METHOD is GET, PUT, POST or DELETE; lower case is accepted (get means GET).
//
// LWA credentials come from the environment, as client.ConfigFromEnv reads
// them (LWA_CLIENT_ID, LWA_CLIENT_SECRET, LWA_REFRESH_TOKEN, SP_API_REGION,
// SP_API_SANDBOX, SP_API_ENDPOINT, LWA_ENDPOINT, SP_API_REDIS_URL); flags
// override them. With -redis URL (or SP_API_REDIS_URL) the command shares a
// fleet's state in Redis (see package redisstore): the LWA token, and the
// RDT, which it prints from the shared cache while it has life left. With
// -local the command runs against an in-process fake (sptest) and needs
// neither credentials nor a network:
//
//	sp-rdt -local GET '/orders/v0/orders/{orderId}/address'
//
// If the Redis of -redis or SP_API_REDIS_URL does not answer (a closed port,
// a wrong password or database, rediss to a plain server), the command mints
// nothing and exits 1: the RDT would not be the fleet's. A -redis URL with a
// password draws a warning, since ps shows the command line; errors never
// show the password.
//
// Exit status: 0 on success, 1 on an API or network error, 2 on bad usage or
// invalid input (in which case nothing is sent). Run sp-rdt -h for the flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"unicode"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // the API refused, or the network failed
	exitUsage = 2 // bad usage or invalid input; nothing was sent
)

func main() {
	// go-redis logs its dial failures to stderr on its own; the command
	// says what failed, once, in its own words.
	redis.SetLogger(quietRedis{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command: it parses args, mints one RDT and prints it. It
// returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args)
	switch {
	case errors.Is(err, errHelp):
		printUsage(stdout)
		return exitOK
	case err != nil:
		fail(stderr, err)
		fmt.Fprintln(stderr, shortUsage)
		return exitUsage
	}

	// Check the request first, so that invalid input sends nothing, not
	// even an LWA request.
	if err := client.ValidateRequest(opts.request); err != nil {
		fail(stderr, err)
		return exitUsage
	}

	if opts.redisPasswordInFlag() {
		fmt.Fprintln(stderr, "sp-rdt: warning: the -redis URL holds a password, which other users of this machine can read in ps; set SP_API_REDIS_URL instead")
	}
	cfg, cleanup, err := opts.config()
	if err != nil {
		fail(stderr, err)
		return exitUsage
	}
	defer cleanup()
	// Sharing was asked for: if it is impossible, say so and mint nothing.
	if err := opts.pingRedis(ctx); err != nil {
		fail(stderr, err)
		return exitError
	}
	// The client's warnings (a Store that fails mid-call, say) go to the
	// command's stderr.
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if opts.verbose {
		rec := newSpanRecorder()
		cfg.TracerProvider = rec.tp
		defer rec.print(stderr)
	}
	c, err := client.New(cfg)
	if err != nil {
		fail(stderr, err)
		return exitUsage
	}

	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	mint := c.CreateRestrictedDataToken
	if cfg.Store != nil {
		mint = c.RestrictedDataToken // the fleet's RDT while it has life left
	}
	tok, err := mint(ctx, opts.request)
	if err != nil {
		if errors.Is(err, client.ErrInvalidRequest) {
			fail(stderr, err)
			return exitUsage
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (-timeout %v)", err, opts.timeout)
		}
		fail(stderr, err)
		return exitError
	}

	if err := writeToken(stdout, tok, opts.json); err != nil {
		fail(stderr, fmt.Errorf("writing the token: %w", err))
		return exitError
	}
	return exitOK
}

// fail prints err as one line on stderr. The client's errors never carry
// secrets; control characters (a newline in a server's message, a terminal
// escape) are replaced so the line stays one line and harmless.
func fail(stderr io.Writer, err error) {
	msg := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, err.Error())
	fmt.Fprintf(stderr, "sp-rdt: %s\n", msg)
}

// quietRedis drops go-redis's own log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
