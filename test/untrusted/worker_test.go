package untrusted

// The worker: this test binary, started again with UNTRUSTED_WORKER set, is
// one process of a fleet. It reads its job from UNTRUSTED_JOB (JSON), makes
// a client with a redisstore Store, waits for the common start time, makes
// its getOrderAddress calls through HTTPClient, and prints what it saw,
// with its memory use, as JSON on stdout. A panic exits non-zero with its
// stack on stderr, which fails the test.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/testproc"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
)

const workerEnv = "UNTRUSTED_WORKER"

// job is what a worker is asked to do.
type job struct {
	Endpoint, LWA string
	Redis         string // host:port
	Prefix        string
	// ClientSecret and PreviousClientSecret: "" means sptest.ClientSecret
	// and none.
	ClientSecret, PreviousClientSecret string
	Calls, InFlight                    int
	// StoreTimeout is Config.StoreTimeout. These tests are about what
	// Redis holds, not how fast it answers: 60 processes starting at once
	// on a loaded machine may take more than the default 100 ms for their
	// first store call, and would fall back (slow versus down is another
	// test's).
	StoreTimeout time.Duration
	NoRateLimit  bool // Config.NoRateLimit
	Worker       int
}

// result is what a worker saw.
type result struct {
	OK, Failed int
	Retries429 int
	Warnings   int
	FirstErr   string
	// TotalAlloc is every byte the process allocated on its heap, from its
	// start to its end; Sys what it took from the OS (runtime.MemStats).
	TotalAlloc, Sys uint64
}

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		os.Exit(runWorker())
	}
	os.Exit(m.Run())
}

func runWorker() int {
	var j job
	if err := json.Unmarshal([]byte(os.Getenv("UNTRUSTED_JOB")), &j); err != nil {
		fmt.Fprintln(os.Stderr, "worker: bad UNTRUSTED_JOB:", err)
		return 2
	}
	res, err := work(j, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// work runs a job; logs go to logw.
func work(j job, logw io.Writer) (result, error) {
	var warnings, retries429 atomic.Int32
	cfg := client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		PreviousClientSecret: j.PreviousClientSecret,
		Endpoint:             j.Endpoint, LWAEndpoint: j.LWA, StoreTimeout: j.StoreTimeout, NoRateLimit: j.NoRateLimit,
		Logger: slog.New(&countHandler{Handler: slog.NewTextHandler(logw, nil), n: &warnings}),
		OnRetry: func(ri client.RetryInfo) {
			if ri.StatusCode == http.StatusTooManyRequests {
				retries429.Add(1)
			}
		},
	}
	if j.ClientSecret != "" {
		cfg.ClientSecret = j.ClientSecret
	}
	rdb := redis.NewClient(&redis.Options{Addr: j.Redis})
	defer rdb.Close()
	cfg.Store = redisstore.New(rdb, redisstore.WithPrefix(j.Prefix))
	c, err := client.New(cfg)
	if err != nil {
		return result{}, err
	}
	testproc.AwaitStart()

	var (
		ok, failed atomic.Int32
		errOnce    sync.Once
		firstErr   string
	)
	work := make(chan int, j.Calls)
	for i := range j.Calls {
		work <- i
	}
	close(work)
	var wg sync.WaitGroup
	for range j.InFlight {
		wg.Go(func() {
			for i := range work {
				if err := call(c, j, i); err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err.Error() })
					continue
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return result{OK: int(ok.Load()), Failed: int(failed.Load()), Retries429: int(retries429.Load()),
		Warnings: int(warnings.Load()), FirstErr: firstErr, TotalAlloc: ms.TotalAlloc, Sys: ms.Sys}, nil
}

// call makes getOrderAddress call i of a job: an RDT call, so it needs the
// fleet's LWA token and its RDT.
func call(c *client.Client, j job, i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := fmt.Sprintf("%s/orders/v0/orders/902-%07d-%07d/address", j.Endpoint, j.Worker, i)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("getOrderAddress: HTTP %d", resp.StatusCode)
	}
	return nil
}

// countHandler counts the records at Warn or above.
type countHandler struct {
	slog.Handler
	n *atomic.Int32
}

func (h *countHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *countHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &countHandler{Handler: h.Handler.WithAttrs(as), n: h.n}
}

func (h *countHandler) WithGroup(name string) slog.Handler {
	return &countHandler{Handler: h.Handler.WithGroup(name), n: h.n}
}
