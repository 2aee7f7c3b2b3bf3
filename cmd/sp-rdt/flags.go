package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
)

// errHelp is returned by parseArgs for -h and -help.
var errHelp = flag.ErrHelp

// shortUsage follows a usage error.
const shortUsage = "usage: sp-rdt [flags] METHOD PATH [METHOD PATH ...]  (sp-rdt -h for help)"

// options is a parsed command line.
type options struct {
	region      client.Region // "" when -region is not given
	sandbox     bool
	sandboxSet  bool // -sandbox given, true or false
	endpoint    string
	lwaEndpoint string
	json        bool
	local       bool
	redisURL    string        // "" when -redis is not given
	rdb         *redis.Client // the Store's Redis, set by store; nil without one
	rdbURL      string        // the URL rdb came from
	verbose     bool
	timeout     time.Duration
	request     client.CreateRestrictedDataTokenRequest
}

// newFlagSet defines the flags into o. The set prints nothing itself:
// parseArgs returns its errors and printUsage its defaults.
func newFlagSet(o *options, region, dataElements *string, targetApp *string) *flag.FlagSet {
	fs := flag.NewFlagSet("sp-rdt", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(region, "region", "", "SP-API region `na|eu|fe` (default na; overrides SP_API_REGION)")
	fs.BoolVar(&o.sandbox, "sandbox", false, "use the region's sandbox host (overrides SP_API_SANDBOX)")
	fs.StringVar(&o.endpoint, "endpoint", "", "SP-API base `URL`, wins over -region and -sandbox (overrides SP_API_ENDPOINT)")
	fs.StringVar(&o.lwaEndpoint, "lwa-endpoint", "", "LWA token `URL` (overrides LWA_ENDPOINT; default "+client.DefaultLWAEndpoint+")")
	fs.StringVar(dataElements, "data-elements", "", "comma-separated `list` of dataElements asked for every resource:\nbuyerInfo, shippingAddress, buyerTaxInformation (Orders getOrder,\ngetOrders and getOrderItems only)")
	fs.StringVar(targetApp, "target-application", "", "application `ID` to delegate the RDT to")
	fs.BoolVar(&o.json, "json", false, "print a JSON object with restrictedDataToken, expiresIn, expiresAt\n(RFC 3339) and requestId instead of the token alone")
	fs.StringVar(&o.redisURL, "redis", "", "Redis `URL` (redis://host:6379/0) whose fleet state to share: the LWA token\nand the RDT cache (overrides SP_API_REDIS_URL). A password here shows in ps:\nput a URL with one in SP_API_REDIS_URL instead. If Redis does not answer,\nnothing is minted and the exit status is 1")
	fs.BoolVar(&o.verbose, "v", false, "print the call's spans (attempts, token fetches, timings) to stderr")
	fs.BoolVar(&o.local, "local", false, "run against an in-process fake of LWA and the SP-API (sptest):\nno credentials or network needed")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "time allowed for the whole call, LWA and retries included")
	return fs
}

// parseArgs parses the command line. Its errors are usage errors, except
// errHelp; the request it builds is not validated yet.
func parseArgs(args []string) (*options, error) {
	o := &options{}
	var region, dataElements, targetApp string
	fs := newFlagSet(o, &region, &dataElements, &targetApp)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if set["region"] {
		r, err := client.ParseRegion(region)
		if err != nil {
			return nil, fmt.Errorf("-region: %w", err)
		}
		o.region = r
	}
	o.sandboxSet = set["sandbox"]
	if o.timeout <= 0 {
		return nil, fmt.Errorf("-timeout %v: must be positive", o.timeout)
	}
	if o.local && (set["endpoint"] || set["lwa-endpoint"]) {
		return nil, errors.New("-local runs its own server: it cannot be combined with -endpoint or -lwa-endpoint")
	}

	rest := fs.Args()
	for _, a := range rest {
		if len(a) > 1 && a[0] == '-' {
			return nil, fmt.Errorf("flag %s after the resources: flags must come before METHOD PATH", a)
		}
	}
	switch {
	case len(rest) == 0:
		return nil, errors.New("no resource: give at least one METHOD PATH pair")
	case len(rest)%2 != 0:
		return nil, fmt.Errorf("%d arguments after the flags: want METHOD PATH pairs (is a METHOD or a PATH missing?)", len(rest))
	}

	var elems *[]string
	if dataElements != "" {
		list := strings.Split(dataElements, ",")
		for i := range list {
			list[i] = strings.TrimSpace(list[i])
		}
		elems = &list
	}
	for i := 0; i < len(rest); i += 2 {
		r := client.RestrictedResource{
			// Users type "get": accept any case, the API wants upper case.
			Method: client.RestrictedResourceMethod(strings.ToUpper(rest[i])),
			Path:   rest[i+1],
		}
		if elems != nil {
			cp := append([]string(nil), (*elems)...)
			r.DataElements = &cp
		}
		o.request.RestrictedResources = append(o.request.RestrictedResources, r)
	}
	if set["target-application"] {
		// Set even when empty, so validation says it must not be.
		o.request.TargetApplication = &targetApp
	}
	return o, nil
}

// printUsage writes the help text.
func printUsage(w io.Writer) {
	var o options
	var s1, s2, s3 string
	fs := newFlagSet(&o, &s1, &s2, &s3)
	fmt.Fprint(w, `Usage: sp-rdt [flags] METHOD PATH [METHOD PATH ...]

sp-rdt mints a Restricted Data Token (RDT) for the given restricted resources
with the SP-API Tokens API and prints it on stdout. Flags come before the
resources. METHOD is GET, PUT, POST or DELETE; lower case is accepted (get
means GET). PATH is specific (/orders/v0/orders/123-1234567-1234567/address)
or generic (/orders/v0/orders/{orderId}/address: one RDT for any order).

Credentials come from the environment: LWA_CLIENT_ID, LWA_CLIENT_SECRET and
LWA_REFRESH_TOKEN, and optionally SP_API_REGION, SP_API_SANDBOX,
SP_API_ENDPOINT and LWA_ENDPOINT; flags override them. -local needs none.
With -redis (or SP_API_REDIS_URL) it shares the fleet's LWA token and RDTs
through Redis, and prints the shared RDT while it has life left; if that
Redis does not answer it mints nothing and exits 1. Give a URL with a
password in SP_API_REDIS_URL, not -redis, which ps shows.

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, `
Examples:
  # Try it with no credentials, against an in-process fake of the SP-API:
  sp-rdt -local GET '/orders/v0/orders/{orderId}/address'

  # An RDT for an order with its buyer info and shipping address, in Europe,
  # as JSON:
  sp-rdt -region eu -data-elements buyerInfo,shippingAddress -json \
      GET /orders/v0/orders/123-1234567-1234567 \
      GET /orders/v0/orders/123-1234567-1234567/orderItems

Exit status: 0 on success, 1 on an API or network error, 2 on bad usage or
invalid input (nothing is sent).
`)
}
