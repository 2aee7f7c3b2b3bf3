package sptest

import (
	"time"

	"github.com/spapi-go/spapi/client"
)

// defaultRetryWait is the client's backoff base when Config.RetryWait is 0.
const defaultRetryWait = 500 * time.Millisecond

// ClientConfig returns a client.Config for this server: its credentials
// (ClientID, ClientSecret, RefreshToken), Endpoint and LWAEndpoint, and the
// client's Rates set to the plans the server applies (RateScale, Plans,
// OperationRate, NoRateLimit and the Tokens call's Rate and Burst included),
// so that a client starts where the server is rather than at the published
// plans. Without it, a 429 before any good reply drains the client's bucket
// at the published plan (a minute for createReport) while the server refills
// RateScale times faster. RetryWait is the client's default divided by
// RateScale, so backoffs shrink with the plans. Set any other field on the
// result:
//
//	srv := sptest.Start(t, sptest.Options{RateScale: 100})
//	c, err := client.New(srv.ClientConfig())
func (s *Server) ClientConfig() client.Config {
	rates := make(map[string]client.Rate, len(s.table.ops))
	for _, op := range s.table.ops {
		p, ok := planFor(op, &s.opts)
		if !ok || p.Rate <= 0 {
			rates[op.name] = client.Rate{} // unlimited here: no plan until a reply states one
			continue
		}
		rates[op.name] = client.Rate{PerSecond: roundRate(p.Rate), Burst: max(p.Burst, 1)}
	}
	cfg := client.Config{
		ClientID:     ClientID,
		ClientSecret: ClientSecret,
		RefreshToken: RefreshToken,
		Endpoint:     s.URL(),
		LWAEndpoint:  s.LWAURL(),
		Rates:        rates,
	}
	if s.opts.RateScale > 1 {
		cfg.RetryWait = max(time.Millisecond, time.Duration(float64(defaultRetryWait)/s.opts.RateScale))
	}
	return cfg
}
